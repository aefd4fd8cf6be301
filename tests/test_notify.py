"""`badgesite notify` and `award --notify` against a real SMTP server on 127.0.0.1: plain,
STARTTLS and implicit TLS, AUTH, refusals, a dropped connection, the sent record, dry runs,
reminders by window, rate limits, and no address ever written into the site."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import re
import shutil
import ssl
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from badgesite.authoring.notified import NOTIFIED_HEADER, read_notified
from badgesite.authoring.notify import NotifyRequest, notify_from_csv
from badgesite.authoring.notify_messages import Notice
from badgesite.authoring.notify_send import (
    NotifyFailed,
    Outcome,
    RateLimit,
    send_all,
)
from badgesite.build import build, load_site
from badgesite.cli import main
from badgesite.config import load_config
from badgesite.errors import ContentErrors
from badgesite.openbadges import hashing
from badgesite.openbadges.hashing import SaltKey, hash_identity, recipient_salt, salted_matches
from badgesite.openbadges.multikey import parse_signing_key
from helpers import tree_bytes, write
from smtp_server import PASSWORD, USER, Mailbox, smtp_server

EPOCH = "1761998400"  # 2025-11-01 12:00 UTC, as in test_bulk
NOW = dt.datetime(2025, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
PEOPLE = [
    ("Ada Lovelace", "ada.lovelace@mail.example", "soldering"),
    ("Bo Brand", "bo.brand@mail.example", "laser-cutting"),
    ("Cy Chen", "cy.chen@mail.example", "soldering"),
]
SENDER = "badges@harbour-lab.example"


def run(*args: str, **env: str | None):
    env = {"SOURCE_DATE_EPOCH": EPOCH, "CI": None, "BADGESITE_SIGNING_KEY": None, **env}
    return CliRunner().invoke(main, list(args), env=env)


def smtp_block(port: int, security: str = "none", username: str = "", host: str = "127.0.0.1"):
    user = f"  username: {username}\n" if username else ""
    return (
        f"smtp:\n  host: {host}\n  port: {port}\n  security: {security}\n{user}  from: {SENDER}\n"
    )


def with_smtp(site: Path, port: int, **settings: str) -> None:
    """site.yaml with these smtp settings (in place of any it had: the block comes last)."""
    path = site / "content/site.yaml"
    text = path.read_text()
    text = text[: text.index("smtp:")] if "smtp:" in text else text
    path.write_text(text + smtp_block(port, **settings))


def sheet(tmp_path: Path, rows=PEOPLE, extra_header: str = "", name: str = "people.csv") -> Path:
    path = tmp_path / name
    lines = [f"name,email,badge{extra_header}"]
    for row in rows:
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def issue(site: Path, csv: Path, *extra: str):
    result = run("award", "--from-csv", str(csv), "--site", str(site), *extra)
    assert result.exit_code == 0, result.output
    return result


def notify(site: Path, csv: Path, *extra: str, **env: str | None):
    return run("notify", "--from-csv", str(csv), "--site", str(site), *extra, **env)


def assert_no_address_in(site: Path, addresses) -> None:
    for relative, data in tree_bytes(site).items():
        for address in addresses:
            assert address.encode() not in data, f"{address} in {relative}"
    for path in (site / ".cache").rglob("*"):
        if path.is_file():
            for address in addresses:
                assert address.encode() not in path.read_bytes(), path


def record_lines(site: Path) -> list[str]:
    text = (site / "content/notified.txt").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_contexts(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


# --- the whole flow, plain SMTP ---------------------------------------------------------


def test_notify_sends_each_award_once_with_both_parts_and_writes_no_address(
    site: Path, tmp_path: Path
) -> None:
    csv = sheet(tmp_path)
    issue(site, csv)
    with smtp_server() as server:
        with_smtp(site, server.port)
        result = notify(site, csv)
        assert result.exit_code == 0, result.output
        assert "Sent 3 emails, recorded in content/notified.txt: commit it." in result.output
        messages = server.mailbox.messages
        assert len(messages) == 3
        again = notify(site, csv)
        assert again.exit_code == 0, again.output
        assert "Sent no email." in again.output and "Skipped 3 notices sent before." in again.output
        assert len(messages) == 3
    by_to = {str(message["To"]): message for message in messages}
    ada = by_to["Ada Lovelace <ada.lovelace@mail.example>"]
    assert ada["From"] == f"Harbour Lab badges <{SENDER}>"
    assert ada["Subject"] == "Your badge from Harbour Lab: Soldering exam"
    assert ada["Reply-To"].addresses[0].addr_spec == load_site(site).issuers["harbour-lab"].email
    assert ada["Auto-Submitted"] == "auto-generated" and ada["Content-Language"] == "en"
    assert ada.get_content_type() == "multipart/alternative"
    award_id = ada["X-Badgesite-Notice"].split()[1]
    page = f"https://badges.harbour-lab.example/pages/assertions/{award_id}/"
    text, html = parts(ada)
    for part in (text, html):
        assert "Hello Ada Lovelace," in part
        assert page in part
        assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in part
        assert "https://www.linkedin.com/sharing/share-offsite/?url=" in part
        assert f"assertions/{award_id}.svg" in part  # the baked image
        assert f"assertions/{award_id}/credential.json" in part
        assert "Learner Credential Wallet" in part
        assert "To keep it private, or to have the badge removed" in part
    assert "&amp;name=Soldering%20exam" in html and "&name=Soldering%20exam" in text
    assert "<" not in text  # the text part is no HTML
    lines = record_lines(site)
    assert len(lines) == 3 and all(line.endswith(" awarded 2025-11-01") for line in lines)
    assert (site / "content/notified.txt").read_text().startswith(NOTIFIED_HEADER)
    assert_no_address_in(site, [address for _, address, _ in PEOPLE])
    checked = run("check", "--site", str(site))
    assert checked.exit_code == 0, checked.output


def test_a_notify_run_leaves_a_no_op_build_no_op(site: Path, tmp_path: Path) -> None:
    csv = sheet(tmp_path, PEOPLE[:1])
    issue(site, csv)
    build(site, site / "output", now=NOW)
    with smtp_server() as server:
        with_smtp(site, server.port)
        build(site, site / "output", now=NOW)
        assert notify(site, csv).exit_code == 0
    report = build(site, site / "output", now=NOW)
    assert report.incremental and report.written == 0


def test_award_notify_sends_at_once_single_and_from_csv(site: Path, tmp_path: Path) -> None:
    csv = sheet(tmp_path, PEOPLE[1:])
    with smtp_server() as server:
        with_smtp(site, server.port)
        single = run(
            "award", "soldering", "--earner", "ada", "--email", "Ada@Mail.Example",
            "--site", str(site), "--notify",
        )  # fmt: skip
        assert single.exit_code == 0, single.output
        assert "Sent 1 email" in single.output
        batch = issue(site, csv, "--notify")
        assert "Sent 2 emails" in batch.output
        assert sorted(to for _, (to,) in server.mailbox.envelopes) == [
            "ada@mail.example",
            "bo.brand@mail.example",
            "cy.chen@mail.example",
        ]
    assert len(record_lines(site)) == 3
    assert_no_address_in(site, ["ada@mail.example", "bo.brand@mail.example"])


def test_award_notify_refuses_before_writing_when_nothing_could_be_sent(site: Path) -> None:
    before = tree_bytes(site)
    result = run(
        "award", "soldering", "--earner", "ada", "--email", "a@mail.example",
        "--site", str(site), "--notify",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "content/site.yaml: smtp: not set" in result.output
    assert tree_bytes(site) == before


# --- TLS and AUTH ------------------------------------------------------------------------


# aiosmtpd cannot tell that an implicit TLS connection is encrypted, and says so.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_verified_certificate_and_auth(
    site: Path, tmp_path: Path, ca: trustme.CA, security: str
) -> None:
    csv = sheet(tmp_path, PEOPLE[:2])
    issue(site, csv)
    server_context, client_context = tls_contexts(ca)
    with smtp_server(security=security, certificate=server_context, auth=True) as server:
        with_smtp(site, server.port, security=security, username=USER)
        environ = {"BADGESITE_SMTP_PASSWORD": PASSWORD}
        # The machine's trust store does not hold the test CA: nothing is sent.
        with pytest.raises(NotifyFailed, match="TLS certificate is not trusted"):
            notify_from_csv(site, csv, NotifyRequest(), now=NOW, environ=environ)
        assert server.mailbox.messages == [] and not (site / "content/notified.txt").exists()
        result = notify_from_csv(
            site, csv, NotifyRequest(), now=NOW, environ=environ, ssl_context=client_context
        )
        assert len(result.outcome.sent) == 2 and server.mailbox.logins == [USER]
        assert len(server.mailbox.messages) == 2


def test_the_cli_trusts_the_certificates_of_the_system_store(
    site: Path, tmp_path: Path, ca: trustme.CA
) -> None:
    csv = sheet(tmp_path, PEOPLE[:1])
    issue(site, csv)
    server_context, _ = tls_contexts(ca)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with smtp_server(security="starttls", certificate=server_context, auth=True) as server:
        with_smtp(site, server.port, security="starttls", username=USER)
        wrong = notify(site, csv, SSL_CERT_FILE=str(bundle), BADGESITE_SMTP_PASSWORD="nope")
        assert wrong.exit_code == 1
        assert "the server refused the login of smtp.username (535" in wrong.output
        assert not (site / "content/notified.txt").exists()
        right = notify(site, csv, SSL_CERT_FILE=str(bundle), BADGESITE_SMTP_PASSWORD=PASSWORD)
        assert right.exit_code == 0, right.output
        assert len(server.mailbox.messages) == 1


# --- refusals, drops, resuming -----------------------------------------------------------


def test_a_refused_address_is_reported_and_the_batch_goes_on(site: Path, tmp_path: Path) -> None:
    csv = sheet(tmp_path)
    issue(site, csv)
    mailbox = Mailbox(refused={"bo.brand@mail.example"})
    with smtp_server(mailbox) as server:
        with_smtp(site, server.port)
        result = notify(site, csv)
    assert result.exit_code == 0, result.output
    assert "people.csv:3: email: the server refused the address (550 5.1.1 <<address>>" in (
        result.output
    )
    assert "bo.brand@mail.example" not in result.output
    assert len(mailbox.messages) == 2 and len(record_lines(site)) == 2


def test_a_dropped_connection_stops_the_batch_and_the_next_run_resumes(
    site: Path, tmp_path: Path
) -> None:
    csv = sheet(tmp_path)
    issue(site, csv)
    with smtp_server(Mailbox(drop_after=2)) as server:
        with_smtp(site, server.port)
        result = notify(site, csv)
        assert result.exit_code == 1
        assert "the batch stopped after 2 emails (recorded)" in result.output
        assert len(server.mailbox.messages) == 2
    assert len(record_lines(site)) == 2
    first = {line.split()[0] for line in record_lines(site)}
    with smtp_server() as server:
        with_smtp(site, server.port)
        again = notify(site, csv)
        assert again.exit_code == 0, again.output
        assert len(server.mailbox.messages) == 1
        sent = server.mailbox.messages[0]["X-Badgesite-Notice"].split()[1]
    assert sent not in first and len(record_lines(site)) == 3


# --- bad input, all at once --------------------------------------------------------------


def test_every_problem_is_reported_at_once_before_anything_is_sent(
    site: Path, tmp_path: Path
) -> None:
    issue(site, sheet(tmp_path, PEOPLE[:1], name="first.csv"))
    csv = tmp_path / "notify.csv"
    csv.write_text(
        "email,earner,badge\n"
        "ada.lovelace@mail.example,,solderin\n"
        "x@mail.example,nobody,\n"
        "not-an-address,,\n"
        "nobody@mail.example,,\n"
    )
    with smtp_server() as server:
        with_smtp(site, server.port, username="someone")
        result = notify(site, csv, "--limit", "0", BADGESITE_SMTP_PASSWORD=None)
        assert server.mailbox.messages == []
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in (
        "notify.csv:2: badge: no badge 'solderin' in content/badges/ (did you mean 'soldering'?)",
        "notify.csv:3: earner: no earner 'nobody' in content/earners/",
        "notify.csv:4: email: not an email address",
        "BADGESITE_SMTP_PASSWORD: not set: smtp.username in content/site.yaml logs in with it",
        "--limit: must be at least 1",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, result.output)
    assert "5 errors; nothing was sent." in result.output


def test_an_address_that_matches_no_award_is_reported_not_fatal(site: Path, tmp_path: Path) -> None:
    issue(site, sheet(tmp_path, PEOPLE[:1], name="first.csv"))
    csv = tmp_path / "notify.csv"
    csv.write_text("email\nnobody@mail.example\nada.lovelace@mail.example\n")
    with smtp_server() as server:
        with_smtp(site, server.port)
        result = notify(site, csv)
        assert len(server.mailbox.messages) == 1
    assert result.exit_code == 0, result.output
    assert "notify.csv:2: warning: email: matches no award of the site: nothing sent" in (
        result.output
    )


def test_smtp_settings_are_checked_with_every_problem_located(site: Path) -> None:
    settings = site / "content/site.yaml"
    text = settings.read_text()
    first = len(text.splitlines()) + 1  # the line of `smtp:`
    settings.write_text(
        text + "smtp:\n  host: smtp.example.org\n  port: 70000\n  security: tls\n"
        "  from: not an address\n  password: hunter2\n"
    )
    with pytest.raises(ContentErrors) as failure:
        load_config(site)
    shown = [str(error) for error in failure.value.errors]
    assert (
        shown[0]
        == f"content/site.yaml:{first + 2}: smtp.port: 70000 is not a port number (1 to 65535)"
    )
    assert shown[1].startswith(f"content/site.yaml:{first + 3}: smtp.security: 'tls' is not one of")
    assert (
        shown[2]
        == f"content/site.yaml:{first + 4}: smtp.from: 'not an address' is not an email address"
    )
    assert shown[3].startswith(f"content/site.yaml:{first + 5}: smtp.password: a password never")
    assert len(shown) == 4 and "hunter2" not in str(failure.value)


def test_a_login_over_plain_text_to_a_remote_host_is_refused(site: Path) -> None:
    write(site, "content/site.yaml", (site / "content/site.yaml").read_text() + smtp_block(
        25, username="u", host="smtp.example.org"
    ))  # fmt: skip
    with pytest.raises(ContentErrors, match=r"none would send the password to smtp\.example\.org"):
        load_config(site)


# --- dry runs, limits, the record --------------------------------------------------------


def test_dry_run_writes_eml_files_outside_the_site_and_records_nothing(
    site: Path, tmp_path: Path
) -> None:
    csv = sheet(tmp_path)
    issue(site, csv)
    with_smtp(site, 1)  # never reached
    inside = notify(site, csv, "--dry-run", str(site / "mails"))
    assert inside.exit_code == 1 and "is inside the site" in inside.output
    out = tmp_path / "mails"
    result = notify(site, csv, "--dry-run", str(out), "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 messages" in result.output and "Held back 1 notice by --limit" in result.output
    files = sorted(out.glob("*.eml"))
    assert len(files) == 2 and all(path.name.endswith("-awarded.eml") for path in files)
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec.endswith("@mail.example")
    assert all(parts(message))
    assert not (site / "content/notified.txt").exists()
    assert_no_address_in(site, [address for _, address, _ in PEOPLE])


def test_a_malformed_record_line_is_reported(site: Path) -> None:
    write(site, "content/notified.txt", NOTIFIED_HEADER + "abc awarded 2025-13-01\nnonsense\n")
    with pytest.raises(ContentErrors) as failure:
        read_notified(site)
    assert [str(error) for error in failure.value.errors] == [
        "content/notified.txt:6: '2025-13-01' is not a date",
        "content/notified.txt:7: expected '<award id> <kind> <YYYY-MM-DD>'",
    ]


# --- reminders ---------------------------------------------------------------------------


def test_reminders_by_window_once_each_and_the_last_notice(site: Path, tmp_path: Path) -> None:
    rows = [
        ("Ada Lovelace", "ada.lovelace@mail.example", "soldering", "2025-06-01", "2025-11-11"),
        ("Bo Brand", "bo.brand@mail.example", "laser-cutting", "2025-06-01", "2026-01-10"),
        ("Cy Chen", "cy.chen@mail.example", "soldering", "2024-06-01", "2025-12-01"),
    ]
    csv = sheet(tmp_path, rows, ",issued_on,expires")
    issue(site, csv)
    badge = site / "content/badges/soldering.yaml"
    badge.write_text(badge.read_text() + "renewal_url: https://harbour-lab.example/renew\n")
    with smtp_server() as server:
        with_smtp(site, server.port)
        first = notify(site, csv, "--expiring-within", "30")
        assert first.exit_code == 0, first.output
        subjects = sorted(message["Subject"] for message in server.mailbox.messages)
        assert subjects == [
            "Your badge Soldering exam expires on December 1, 2025",
            "Your badge Soldering exam expires on November 11, 2025",
        ]
        text, html = parts(server.mailbox.messages[0])
        for part in (text, html):
            assert "https://harbour-lab.example/renew" in part
        assert "linkedin" not in text.lower()
        assert notify(site, csv, "--expiring-within", "30").output.startswith("Sent no email.")
        wider = notify(site, csv, "--expiring-within", "90")
        assert "Sent 3 emails" in wider.output  # another window: each once more
    with smtp_server() as server:
        with_smtp(site, server.port)
        later = run(
            "notify", "--from-csv", str(csv), "--site", str(site), "--expired",
            SOURCE_DATE_EPOCH=str(int(NOW.timestamp()) + 20 * 86400),
        )  # fmt: skip
        assert later.exit_code == 0, later.output
        (expired,) = server.mailbox.messages
        assert expired["Subject"] == "Your badge Soldering exam has expired"
        assert "expired on November 11, 2025" in parts(expired)[0]
    kinds = sorted(line.split()[1] for line in record_lines(site))
    assert kinds == ["expired"] + ["expiring-30"] * 2 + ["expiring-90"] * 3


def test_the_message_is_in_the_sites_language_and_the_theme_may_override_it(
    site: Path, tmp_path: Path
) -> None:
    csv = sheet(tmp_path, PEOPLE[:1])
    issue(site, csv)
    settings = site / "content/site.yaml"
    settings.write_text(settings.read_text() + "language: de\n")
    out = tmp_path / "mails"
    with_smtp(site, 1)  # never reached
    assert notify(site, csv, "--dry-run", str(out)).exit_code == 0
    (path,) = out.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Ihr Badge von Harbour Lab: Soldering exam"
    assert "Zum LinkedIn-Profil hinzufügen" in parts(message)[1]
    write(site, "templates/email/subject.txt", "{{ badge.name }} ist da\n")
    path.unlink()
    assert notify(site, csv, "--dry-run", str(out)).exit_code == 0
    (path,) = out.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Soldering exam ist da"


# --- the pieces: rate, matching ----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeTransport:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent_at: list[float] = []

    def send(self, message, notice) -> None:
        self.sent_at.append(self.clock.now)
        self.clock.now += 0.5  # each message takes half a second to send

    def close(self) -> None:
        pass


def test_the_rate_limit_spaces_messages_evenly_on_the_clock_given() -> None:
    clock = FakeClock()
    transport = FakeTransport(clock)
    notices = [Notice(f"id-{n}", "awarded", f"p{n}@mail.example") for n in range(5)]
    outcome = send_all(
        notices, lambda notice: None, transport, None, NOW.date(), RateLimit(30, clock)
    )
    assert isinstance(outcome, Outcome) and len(outcome.sent) == 5
    assert [
        round(b - a, 6) for a, b in zip(transport.sent_at, transport.sent_at[1:], strict=False)
    ] == [2.0] * 4
    assert clock.sleeps == [1.5] * 4  # the time sending took is not slept again


def test_salted_matches_hash_each_address_once_per_distinct_salt() -> None:
    addresses = [f"p{n}@mail.example" for n in range(50)]
    entries = [
        (hash_identity(address, f"salt{n}"), f"salt{n}") for n, address in enumerate(addresses)
    ]
    entries += [(hash_identity(addresses[7], "shared"), "shared")]
    entries += [(hash_identity(addresses[9], "shared"), "shared")]
    found = salted_matches([*addresses, "nobody@mail.example"], entries)
    assert found[7] == [7, 50] and found[9] == [9, 51] and found[8] == [8]
    assert found[-1] == []
    assert salted_matches(addresses, entries, processes=2) == found[:-1]


# --- salts derived from the site's key ------------------------------------------------------

SEED = hashlib.sha256(b"a test seed").digest()


def test_a_derived_salt_is_fixed_per_key_and_address_and_random_without_a_key() -> None:
    one, two = SaltKey.from_secret(SEED), SaltKey.from_secret(hashlib.sha256(SEED).digest())
    ada, bo = "ada@mail.example", "bo@mail.example"
    assert one.salt(ada) == SaltKey.from_secret(SEED).salt(ada) == recipient_salt(one, ada)
    salts = [one.salt(ada), one.salt(bo), two.salt(ada), two.salt(bo)]
    assert len(set(salts)) == 4
    # The construction, pinned: awards already published must go on matching.
    subkey = HKDF(hashes.SHA256(), 32, None, b"badgesite recipient salt").derive(SEED)
    tag = hmac.digest(subkey, b"salt tag", "sha256").hex()[:16]
    assert one.salt(ada) == hmac.digest(subkey, ada.encode(), "sha256").hex()[:16] + tag
    random = [recipient_salt(None, ada) for _ in range(3)]
    assert len(set(random)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in [*salts, *random])
    assert subkey.hex() not in repr(one) and str(list(subkey)) not in repr(one)


def scanned_salts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The salts that matching hashes every address with, one by one, as it is called."""
    scanned: list[str] = []
    each_salt = hashing._match_each_salt

    def recording(addresses, by_salt, matched, processes):
        scanned.extend(by_salt)
        each_salt(addresses, by_salt, matched, processes)

    monkeypatch.setattr(hashing, "_match_each_salt", recording)
    return scanned


def test_matching_looks_derived_salts_up_and_scans_only_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current, retired, lost = (SaltKey.from_secret(bytes([n]) * 32) for n in (1, 2, 3))
    addresses = [f"p{n}@mail.example" for n in range(8)]

    def entry(address: str, salt: str) -> tuple[str, str]:
        return hash_identity(address, salt), salt

    entries = [
        *(entry(address, current.salt(address)) for address in addresses[:4]),
        entry(addresses[0], current.salt(addresses[0])),  # a second award: the same salt
        *(entry(address, retired.salt(address)) for address in addresses[4:6]),
        entry(addresses[6], "0123456789abcdef0123456789abcdef"),  # made without a key
        entry(addresses[7], lost.salt(addresses[7])),  # a key no longer at hand
    ]
    scanned = scanned_salts(monkeypatch)
    found = salted_matches([*addresses, "nobody@mail.example"], entries, (current, retired))
    assert found == [[0, 4], [1], [2], [3], [5], [6], [7], [8], []]
    assert sorted(scanned) == sorted([entries[7][1], entries[8][1]])
    scanned.clear()
    assert salted_matches(addresses[:6], entries[:7], (current, retired)) == found[:6]
    assert scanned == []  # every salt was derived by a key at hand: no salt is scanned


def issue_without_a_key(site: Path, csv: Path) -> None:
    """Issue as on a machine without the site's key: the salts are random."""
    kept = site.parent / "kept-keys"
    shutil.move(site / ".badgesite", kept)
    try:
        issue(site, csv)
    finally:
        shutil.move(kept, site / ".badgesite")


def test_an_email_only_sheet_matches_derived_rotated_and_random_salts_and_stores_no_hmac(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bo, cy = (address for _, address, _ in PEOPLE)
    golden = {award.recipient.salt for award in load_site(site).awards.values()}
    first = parse_signing_key((site / ".badgesite/signing-key").read_text())
    issue(site, sheet(tmp_path, PEOPLE[:1], name="first.csv"))
    rotated = run("keys", "rotate", "--site", str(site))
    assert rotated.exit_code == 0, rotated.output
    second = parse_signing_key((site / ".badgesite/signing-key").read_text())
    issue(site, sheet(tmp_path, PEOPLE[1:2], name="second.csv"))
    issue_without_a_key(site, sheet(tmp_path, PEOPLE[2:], name="third.csv"))
    salts = {award.earner.slug: award.recipient.salt for award in load_site(site).awards.values()}
    keys = [SaltKey.from_secret(key.seed) for key in (first, second)]
    assert salts["ada-lovelace"] == keys[0].salt(ada)
    assert salts["bo-brand"] == keys[1].salt(bo)
    assert salts["cy-chen"] not in {key.salt(cy) for key in keys}
    csv = tmp_path / "emails.csv"
    csv.write_text(f"email\n{ada}\n{bo.upper()}\n {cy}\n")
    with_smtp(site, 1)  # never reached
    scanned = scanned_salts(monkeypatch)
    result = notify(site, csv, "--dry-run", str(tmp_path / "mails"))
    assert result.exit_code == 0, result.output
    assert "Wrote 3 messages" in result.output
    # Only the awards salted without a key are scanned: the golden site's and Cy's.
    assert sorted(scanned) == sorted({*golden, salts["cy-chen"]})
    secrets = [key.subkey.hex() for key in keys]
    secrets += [
        hmac.digest(key.subkey, address.encode(), "sha256").hex()
        for key in keys
        for address in (ada, bo, cy)
    ]
    assert_no_address_in(site, [ada, bo, cy, *secrets])


def test_renewal_url_is_checked_as_every_url(site: Path) -> None:
    badge = site / "content/badges/soldering.yaml"
    badge.write_text(badge.read_text() + "renewal_url: ftp://harbour-lab.example/renew\n")
    with pytest.raises(ContentErrors) as failure:
        load_site(site)
    (error,) = failure.value.errors
    assert error.path == "content/badges/soldering.yaml" and error.field == "renewal_url"
    assert "http" in error.message
