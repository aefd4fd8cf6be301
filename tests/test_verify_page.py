"""The verifier page, /verify/, in real headless Chromium: the example site's baked PNG and SVG
verify (dropped or chosen, offline too, with no request leaving the page's origin), a tampered
credential fails, a revoked award shows revoked with its reason, an expired one expired, the
email box matches only the right address, a host that refuses CORS is named, axe finds
nothing, and the German UI; and, without a browser, what the page is built from.

One example site (with its own signing key) and one German golden site are built for the
module, each served on 127.0.0.1, and one browser context serves every test.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from badgesite import urls
from badgesite.build import build, load_site
from badgesite.openbadges import ob3_contexts
from badgesite.openbadges.bake import unbake_credential
from helpers import FIXED_NOW, GOLDEN_SITE, REPO, install_golden_key
from loopback import serve_folder

AXE = REPO / "tests" / "vendor" / "axe.min.js"
VENDORED = REPO / "themes" / "default" / "static" / "verifier"
BUNDLE_SOURCE = REPO / "scripts" / "verifier-bundle"
VALID_SVG_AWARD = "8bdd8583-176c-4df8-8ec7-14ef27ed97d3"  # cloud-security-practitioner
EXPIRED_AWARD = "f8fea89c-718e-49c2-a8a9-09a0651ca739"  # expired 2025-02-14
REVOKED_AWARD = "6d90fce2-4b74-4224-b978-e16d5dd520c3"  # a PNG badge
RECIPIENTS = {
    entry["award"]: entry["email"]
    for entry in yaml.safe_load((REPO / "tests/fixtures/example_recipients.yaml").read_text())
}


@dataclass
class Site:
    output: Path
    address: str  # where the loopback server serves it
    valid_png: str  # a valid award whose badge is a PNG


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example site with credentials (a local build makes its key), served."""
    folder = tmp_path_factory.mktemp("verify-example")
    shutil.copytree(
        REPO / "content",
        folder / "content",
        ignore=shutil.ignore_patterns("signing-keys.txt", "credential-status.txt"),
    )
    build(folder, folder / "output", now=FIXED_NOW)
    site = load_site(folder)
    valid_png = next(
        award.id
        for award in site.published_awards
        if award.badge.image.extension == "png"
        and award.status(FIXED_NOW) == "valid"
        and award.id in RECIPIENTS
    )
    assert (folder / "output" / urls.award_credential(valid_png)).is_file()
    with serve_folder(folder / "output") as address:
        yield Site(folder / "output", address, valid_png)


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("verify-german") / "site"
    shutil.copytree(GOLDEN_SITE, folder, ignore=shutil.ignore_patterns(".cache", ".badgesite"))
    install_golden_key(folder)
    config = folder / "content" / "site.yaml"
    config.write_text(config.read_text() + "language: de\n")
    report = build(folder, folder / "output", now=FIXED_NOW)
    assert report.warnings == ()  # the German texts are complete
    with serve_folder(folder / "output") as address:
        yield Site(folder / "output", address, "")


@pytest.fixture(scope="module")
def context(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@dataclass
class Verifier:
    page: object
    requests: list[tuple[str, str]]  # method, URL
    errors: list[str]

    def file(self, path: Path) -> dict:
        """Choose a file with the file input and wait for the verdict."""
        self._clear()
        self.page.set_input_files("#verify-file", str(path))
        return self.verdict()

    def drop(self, path: Path, mime: str) -> dict:
        """Drop a file onto the drop zone, as a person dragging it from their desktop would."""
        self._clear()
        self.page.evaluate(
            """([data, name, mime]) => {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name, {type: mime}));
                const zone = document.querySelector('[data-drop]');
                for (const type of ['dragenter', 'dragover', 'drop']) {
                    const init = {dataTransfer: transfer, bubbles: true};
                    zone.dispatchEvent(new DragEvent(type, init));
                }
            }""",
            [base64.b64encode(path.read_bytes()).decode(), path.name, mime],
        )
        return self.verdict()

    def paste(self, text: str) -> dict:
        self._clear()
        self.page.fill("#verify-json", text)
        self.page.click("[data-verify-json] button")
        return self.verdict()

    def url(self, url: str) -> dict:
        self._clear()
        self.page.fill("#verify-url", url)
        self.page.click("[data-verify-url] button")
        return self.verdict()

    def _clear(self) -> None:
        self.page.evaluate("document.querySelector('[data-verdict]').removeAttribute('data-state')")

    def verdict(self) -> dict:
        self.page.wait_for_selector("[data-verdict][data-state]:not([aria-busy])")
        return self.page.evaluate(
            """() => {
                const verdict = document.querySelector('[data-verdict]');
                const facts = {};
                verdict.querySelectorAll('[data-fact]').forEach(row => {
                    facts[row.getAttribute('data-fact')] = row.querySelector('dd').textContent;
                });
                return {
                    state: verdict.getAttribute('data-state'),
                    title: verdict.querySelector('[data-verdict-title]').textContent,
                    detail: verdict.querySelector('[data-verdict-detail]').textContent,
                    facts,
                    checks: [...verdict.querySelectorAll('[data-check]')].map(
                        item => item.getAttribute('data-check') + ' ' + item.textContent),
                    recipient: !verdict.querySelector('[data-verdict-recipient]').hidden,
                };
            }"""
        )

    def email(self, address: str) -> str:
        box = self.page.locator("[data-verdict-recipient]")
        box.locator("input").fill(address)
        box.locator("button").click()
        result = box.locator("[data-recipient-result]")
        result.wait_for(state="visible")
        text = result.inner_text()
        self.page.evaluate("document.querySelector('[data-recipient-result]').textContent = ''")
        return text

    def axe(self) -> list[str]:
        # Loaded from the page's own origin: its Content-Security-Policy allows no inline script.
        own = self.page.url.split("/verify/")[0] + "/axe-for-the-test.js"
        self.page.route(own, lambda route: route.fulfill(path=str(AXE)))
        self.page.add_script_tag(url=own)
        return self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )


def _open(context, site: Site) -> Verifier:
    page = context.new_page()
    page.clock.set_fixed_time(FIXED_NOW)  # expiry is judged by this device's clock
    verifier = Verifier(page, [], [])
    page.on("request", lambda request: verifier.requests.append((request.method, request.url)))
    page.on("console", lambda m: verifier.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: verifier.errors.append(str(error)))
    page.goto(site.address + urls.VERIFY, wait_until="load")
    page.wait_for_selector("[data-verifier]:not([hidden])")
    return verifier


@pytest.fixture(scope="module")
def verifier(context, example: Site) -> Iterator[Verifier]:
    opened = _open(context, example)
    yield opened
    opened.page.close()


def test_baked_png_and_svg_verify_offline_with_no_request_leaving_the_site(
    verifier: Verifier, example: Site, context
) -> None:
    png = verifier.file(example.output / urls.award_image(example.valid_png, "png"))
    assert png["state"] == "valid", png
    assert png["title"] == "Verified"
    assert png["facts"]["standard"] == "Open Badges 3.0 (signed credential)"
    assert png["facts"]["issuer"] and png["facts"]["badge"]
    assert png["facts"]["earner"] != "Not named in the badge"  # read from its own page
    assert any(c.startswith("ok The issuer's signature matches") for c in png["checks"])
    svg = verifier.drop(example.output / urls.award_image(VALID_SVG_AWARD, "svg"), "image/svg+xml")
    assert svg["state"] == "valid", svg
    assert svg["facts"]["badge"] == "Cloud Security Practitioner (2023 programme)"
    assert svg["facts"]["earner"] == "Priya Raghunathan"
    assert svg["facts"]["expires"] == "May 9, 2030"
    own = urlsplit(example.address).netloc
    assert {urlsplit(url).netloc for _, url in verifier.requests} == {own}
    # The files never left: nothing was sent, and the page read no baked image of its own.
    assert {method for method, _ in verifier.requests} == {"GET"}
    assert not [url for _, url in verifier.requests if "/assertions/" in url and "." in url[-5:]]
    context.set_offline(True)
    try:
        offline = verifier.file(example.output / urls.award_image(example.valid_png, "png"))
    finally:
        context.set_offline(False)
    assert offline["state"] == "valid", offline
    assert verifier.errors == []


def test_a_tampered_credential_fails(verifier: Verifier, example: Site) -> None:
    path = example.output / urls.award_credential(VALID_SVG_AWARD)
    credential = json.loads(path.read_text())
    credential["credentialSubject"]["achievement"]["name"] = "Chief Security Officer"
    tampered = verifier.paste(json.dumps(credential))
    assert tampered["state"] == "invalid", tampered
    assert tampered["title"] == "Not verified"
    assert any(c.startswith("bad The signature does not match") for c in tampered["checks"])
    # The same bytes as published verify, pasted.
    assert verifier.paste(path.read_text())["state"] == "valid"
    # A baked image whose credential was edited fails too.
    baked = example.output / urls.award_image(VALID_SVG_AWARD, "svg")
    edited = baked.parent / "edited.svg"
    edited.write_bytes(baked.read_bytes().replace(b"Cloud Security Practitioner", b"Cloud Boss"))
    assert verifier.file(edited)["state"] == "invalid"


def test_revoked_shows_its_reason_and_expired_shows_expired(
    verifier: Verifier, example: Site
) -> None:
    site = load_site(example.output.parent)
    reason = site.awards[REVOKED_AWARD].revocation.reason
    revoked = verifier.file(example.output / urls.award_image(REVOKED_AWARD, "png"))
    assert revoked["state"] == "revoked", revoked
    assert revoked["detail"] == f"The issuer revoked this badge. Reason: {reason}"
    expired = verifier.file(example.output / urls.award_image(EXPIRED_AWARD, "svg"))
    assert expired["state"] == "expired", expired
    assert "expired on February 14, 2025" in expired["detail"]


def test_the_email_box_matches_only_the_recipients_address(
    verifier: Verifier, example: Site
) -> None:
    result = verifier.file(example.output / urls.award_image(example.valid_png, "png"))
    assert result["recipient"]
    right = RECIPIENTS[example.valid_png]
    assert verifier.email("someone.else@example.org").startswith("No:")
    assert verifier.email(right).startswith("Yes:")
    assert verifier.email("  " + right.upper() + " ").startswith("Yes:")  # as typed, trimmed


def test_a_hosted_assertion_on_a_host_without_cors_is_named(
    verifier: Verifier, example: Site, tmp_path: Path
) -> None:
    (tmp_path / "nocors").mkdir()
    assertion = json.loads((example.output / urls.award_json(VALID_SVG_AWARD)).read_text())
    with serve_folder(tmp_path) as other:
        url = other + "nocors/assertion.json"
        assertion["id"] = url
        (tmp_path / "nocors" / "assertion.json").write_text(json.dumps(assertion))
        result = verifier.url(url)
    assert result["state"] == "unknown", result
    host = urlsplit(other).netloc
    assert any(
        check.startswith(f"unknown {host} does not let this page read it (CORS)")
        and f"badgesite verify {url}" in check
        for check in result["checks"]
    )


def test_the_page_passes_axe_in_english_and_german(
    verifier: Verifier, context, german: Site, example: Site
) -> None:
    verifier.file(example.output / urls.award_image(REVOKED_AWARD, "png"))
    assert verifier.axe() == []
    deutsch = _open(context, german)
    try:
        assert deutsch.page.locator("h1").inner_text() == "Badge prüfen"
        award = next(
            path.stem
            for path in sorted((german.output / "assertions").glob("*.svg"))
            if load_site(german.output.parent).awards[path.stem].status(FIXED_NOW) == "valid"
        )
        result = deutsch.file(german.output / urls.award_image(award, "svg"))
        assert result["state"] == "valid", result
        assert result["title"] == "Verifiziert"
        assert result["facts"]["standard"] == "Open Badges 3.0 (signierter Nachweis)"
        assert deutsch.axe() == []
        assert deutsch.errors == []
    finally:
        deutsch.page.close()


# --- Without a browser ---------------------------------------------------------------------


@pytest.mark.slow  # shares the browser tests' build of the example site
def test_every_page_links_the_verifier_and_it_serves_the_pinned_contexts(example: Site) -> None:
    award_page = (example.output / urls.file_path(urls.award_page(VALID_SVG_AWARD))).read_text()
    assert 'href="../../verify/"' in award_page
    home = (example.output / "index.html").read_text()
    assert 'href="verify/"' in home  # the footer
    served = json.loads((example.output / urls.VERIFY_CONTEXTS).read_text())
    assert served == ob3_contexts.every_context()
    page = (example.output / urls.file_path(urls.VERIFY)).read_text()
    assert "Content-Security-Policy" in page and "script-src 'self'" in page
    # No private key, no address: only public keys and revocation reasons.
    assert not any(address in page for address in RECIPIENTS.values())


def test_the_vendored_canonicalizer_is_the_one_the_lockfile_pins() -> None:
    lock = json.loads((BUNDLE_SOURCE / "package-lock.json").read_text())
    licences = (VENDORED / "LICENSES.txt").read_text()
    for name in ("jsonld", "rdf-canonize"):
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"\n{name} {version} (BSD-3-Clause)\n" in licences
    assert (VENDORED / "canon.min.js").stat().st_size < 200_000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_vendored_canonicalizer_agrees_with_badgesites(example: Site) -> None:
    baked = example.output / urls.award_image(example.valid_png, "png")
    credential = json.loads(unbake_credential(baked.read_bytes()))
    del credential["proof"]
    script = (
        "require(process.argv[1]);"
        "const contexts = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));"
        "const loader = async url =>"
        " ({contextUrl: null, documentUrl: url, document: contexts[url]});"
        "let input = ''; process.stdin.on('data', d => input += d).on('end', () =>"
        " globalThis.BadgesiteCanon.canonize(JSON.parse(input), loader)"
        ".then(t => process.stdout.write(t)));"
    )
    result = subprocess.run(
        ["node", "-e", script, VENDORED / "canon.min.js", example.output / urls.VERIFY_CONTEXTS],
        input=json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from badgesite.openbadges.rdf_canon import canonical_nquads

    assert result.stdout == canonical_nquads(credential)
