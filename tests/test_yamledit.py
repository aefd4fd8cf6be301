"""revoke and accept on every YAML form the loader accepts: only the intended key changes."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from badgesite.authoring.edits import AuthoringError, accept, revoke
from badgesite.authoring.yamledit import EditProblem, set_key
from badgesite.build import load_site
from helpers import tree_bytes, write

AWARD_ID = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
OTHER_ID = "6e7f8091-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
HASH = "sha256$" + "c" * 64
REASON = "Issued in error: wrong course #2 - it's 'fixed' now"
REVOKED_ON = dt.date(2025, 5, 1)
HEAD = f"id: {AWARD_ID}\nbadge: soldering\nearner: pat\n"
RECIPIENT = f"recipient:\n  identity: {HASH}\n  salt: s1\n"
BASE = HEAD + RECIPIENT + "issued_on: 2024-01-01\n"

# Each form is an award file holding the award AWARD_ID (earner pat, who does not
# auto-accept, so accept always has something to do).
FORMS: dict[str, str] = {
    "plain": BASE,
    "no-final-newline": BASE.removesuffix("\n"),
    "comments-everywhere": (
        "# Pat's award.\n"
        + HEAD
        + "# the recipient, hashed\n"
        + RECIPIENT
        + "issued_on: 2024-01-01  # a Monday\n\n# trailing comment\n"
    ),
    "literal-clip-trailing-blank-lines": BASE + "narrative: |\n  Line one.\n\n  Line two.\n\n\n",
    "literal-keep-trailing-blank-lines": BASE + "narrative: |+\n  Line one.\n\n  Line two.\n\n\n",
    "literal-keep-then-comment": BASE + "narrative: |+\n  Kept.\n\n# a comment\n",
    "literal-strip": BASE + "narrative: |-\n  Stripped.\n\n",
    "folded-clip": BASE + "narrative: >\n  Folded\n  text.\n\n  More.\n",
    "folded-keep": BASE + "narrative: >+\n  Folded, kept.\n\n\n",
    "literal-indent-indicator-keep": BASE + "narrative: |2+ # kept\n    indented\n\n",
    "literal-clip-no-final-newline": BASE + "narrative: |\n  The last line.",
    "literal-keep-no-final-newline": BASE + "narrative: |+\n  The last line.",
    "literal-strip-no-final-newline": BASE + "narrative: |-\n  The last line.",
    "double-quoted-multiline": BASE + 'narrative: "A quoted\n  value over\n\n  lines"\n',
    "single-quoted": BASE + "narrative: 'It''s done: # not a comment'\n",
    "plain-multiline": BASE + "narrative: A plain value\n  that goes on\n  over lines\n",
    "empty-value-last": BASE + "narrative:\n",
    "empty-value-with-comment": BASE + "narrative:   # to do\n",
    "evidence-list-last": (
        BASE + "evidence:\n  - url: https://pat.example/a\n  - narrative: |+\n      Kept.\n\n"
    ),
    "nested-mapping-last": HEAD + "issued_on: 2024-01-01\n" + RECIPIENT,
    "four-space-indent": (
        f"id: {AWARD_ID}\nbadge: soldering\nearner: pat\nrecipient:\n"
        f"    identity: {HASH}\n    salt: s1\nissued_on: 2024-01-01\n"
    ),
    "document-markers": "---\n" + BASE + "...\n",
    "byte-order-mark": "\ufeff" + BASE,
    "quoted-keys": BASE.replace("badge:", '"badge":').replace("issued_on:", "'issued_on':"),
    "flow-mapping": (
        f"{{id: {AWARD_ID}, badge: soldering, earner: pat, "
        f"recipient: {{identity: '{HASH}', salt: s1}}, issued_on: 2024-01-01}}\n"
    ),
    "flow-mapping-multiline": (
        f"{{ id: {AWARD_ID},  # the id\n  badge: soldering,\n  earner: pat,\n"
        f"  recipient: {{identity: '{HASH}', salt: s1}},\n  issued_on: 2024-01-01,\n}}\n"
    ),
    "flow-mapping-no-final-newline": (
        f"{{id: {AWARD_ID}, badge: soldering, earner: pat, "
        f"recipient: {{identity: '{HASH}', salt: s1}}, issued_on: 2024-01-01}}"
    ),
    "list-middle-item": (
        "# Several awards.\n"
        + f"- id: {OTHER_ID}\n  badge: soldering\n  earner: bo\n  recipient:\n"
        + f"    identity: {HASH}\n    salt: s2\n  issued_on: 2024-02-01\n\n"
        + "# Pat's:\n"
        + f"- id: {AWARD_ID}\n  badge: soldering\n  earner: pat\n  recipient:\n"
        + f"    identity: {HASH}\n    salt: s1\n  issued_on: 2024-01-01\n"
        + "  narrative: |+\n    Kept.\n\n"
        + "- id: 7f809102-1a2b-4c3d-8e9f-0a1b2c3d4e5f\n  badge: soldering\n  earner: cy\n"
        + f"  recipient: {{identity: '{HASH}', salt: s3}}\n  issued_on: 2024-03-01\n"
    ),
    "list-item-key-on-next-line": (
        f"-\n  id: {AWARD_ID}\n  badge: soldering\n  earner: pat\n  recipient:\n"
        f"    identity: {HASH}\n    salt: s1\n  issued_on: 2024-01-01\n"
    ),
    "list-of-flow-mappings": (
        f"- {{id: {OTHER_ID}, badge: soldering, earner: bo, issued_on: 2024-02-01,\n"
        f"   recipient: {{identity: '{HASH}', salt: s2}}}}\n"
        f"- {{id: {AWARD_ID}, badge: soldering, earner: pat, issued_on: 2024-01-01,\n"
        f"   recipient: {{identity: '{HASH}', salt: s1}}}}  # flow\n"
    ),
    "flow-sequence": (
        f"[{{id: {AWARD_ID}, badge: soldering, earner: pat, issued_on: 2024-01-01, "
        f"recipient: {{identity: '{HASH}', salt: s1}}}}]\n"
    ),
    "accepted-empty": BASE + "accepted:\nnarrative: Done.\n",
    "accepted-empty-last-no-final-newline": BASE + "accepted:",
    "accepted-false-with-comment": BASE + "accepted: false   # until Pat says yes\n",
    "accepted-false-on-next-line": BASE + "accepted:\n  false\nnarrative: Done.\n",
    "accepted-false-tagged-multiline": BASE + 'accepted: !!bool\n  "false"\nnarrative: x\n',
    "accepted-null": BASE + "accepted: ~\n",
    "accepted-in-flow": (
        f"{{id: {AWARD_ID}, badge: soldering, earner: pat, accepted: false,\n"
        f" recipient: {{identity: '{HASH}', salt: s1}}, issued_on: 2024-01-01}}\n"
    ),
    "revoked-empty": BASE + "revoked:\n",
}
FORMS.update(
    {
        f"crlf-{name}": FORMS[name].replace("\n", "\r\n")
        for name in (
            "plain",
            "no-final-newline",
            "literal-keep-trailing-blank-lines",
            "literal-clip-no-final-newline",
            "flow-mapping-multiline",
            "list-middle-item",
            "accepted-empty",
            "accepted-false-with-comment",
        )
    }
)


def revocation() -> dict[str, Any]:
    return {"date": REVOKED_ON, "reason": REASON}


def expected_data(original: Any, key: str, value: Any) -> Any:
    data = copy.deepcopy(original)
    for award in data if isinstance(data, list) else [data]:
        if award["id"] == AWARD_ID:
            award[key] = value
    return data


def changed_span(before: str, after: str) -> tuple[int, int, str]:
    """(start, end, new text): after is before with before[start:end] replaced."""
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(before), len(after)) - prefix and before[-1 - suffix] == after[-1 - suffix]
    ):
        suffix += 1
    return prefix, len(before) - suffix, after[prefix : len(after) - suffix]


def value_span(text: str, key: str) -> tuple[int, int] | None:
    """Where key's value stands in the award AWARD_ID of text, if the award has key."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    nodes = root.value if isinstance(root, yaml.SequenceNode) else [root]
    for node in nodes:
        pairs = {k.value: v for k, v in node.value}
        if pairs["id"].value == AWARD_ID and key in pairs:
            return pairs[key].start_mark.index, pairs[key].end_mark.index
    return None


@pytest.fixture(scope="module")
def checked_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden site's images as its checks leave them in a site's cache, made once: these
    tests are about the text of edits, not about checking images again for each of them."""
    from badgesite.cache.image_cache import ImageCache
    from badgesite.cache.store import images_folder
    from helpers import GOLDEN_SITE

    folder = images_folder(tmp_path_factory.mktemp("checked-images"))
    load_site(GOLDEN_SITE, cache=ImageCache(folder))
    return folder


def _load(site: Path) -> Any:
    from badgesite.cache.image_cache import ImageCache
    from badgesite.cache.store import images_folder

    return load_site(site, cache=ImageCache(images_folder(site)))


@pytest.fixture
def pat_site(site: Path, checked_images: Path) -> Path:
    import shutil

    from badgesite.cache.store import images_folder

    write(site, "content/earners/pat.yaml", "name: Pat Doe\nauto_accept: false\n")
    shutil.copytree(checked_images, images_folder(site))  # the edits' own checks use it
    return site


@pytest.mark.parametrize("command", ["revoke", "accept"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_edit_changes_only_its_own_key(pat_site: Path, form: str, command: str) -> None:
    original = FORMS[form]
    path = pat_site / "content/awards/form.yaml"
    path.write_bytes(original.encode("utf-8"))
    before_award = _load(pat_site).awards[AWARD_ID]
    assert before_award.revocation is None and not before_award.accepted
    key, value = ("revoked", revocation()) if command == "revoke" else ("accepted", True)
    existing = value_span(original, key)

    if command == "revoke":
        revoke(pat_site, AWARD_ID, REASON, REVOKED_ON)
    else:
        accept(pat_site, AWARD_ID)

    edited = path.read_bytes().decode("utf-8")
    # The data: the original plus exactly the intended change.
    assert yaml.safe_load(edited) == expected_data(yaml.safe_load(original), key, value)
    # The text: one contiguous change, and only where the key's value stood (or one
    # insertion when the key was new), so every other byte, comments included, is kept.
    start, end, new_text = changed_span(original, edited)
    if existing is None:
        assert start == end, f"{form}: removed {original[start:end]!r}"
        assert key in new_text
    else:
        value_start, value_end = existing
        assert value_start <= start <= end <= value_end
    if "\r\n" in original:
        assert "\n" not in edited.replace("\r\n", "")
    assert edited.endswith("\n") == original.endswith("\n")
    # The loader takes the result, with the change made.
    after_award = _load(pat_site).awards[AWARD_ID]
    if command == "revoke":
        assert after_award.revocation is not None
        assert after_award.revocation.reason == REASON
        assert after_award.accepted == before_award.accepted
    else:
        assert after_award.accepted
        assert after_award.revocation is None
    assert after_award.narrative == before_award.narrative


def test_the_insertion_goes_after_the_last_key_at_its_indentation() -> None:
    text = FORMS["list-middle-item"]
    edited = set_key(text, AWARD_ID, "accepted", True)
    assert edited == text.replace("    Kept.\n\n", "    Kept.\n\n  accepted: true\n")
    clipped = BASE + "narrative: |\n  Text.\n\n\n# end\n"
    assert set_key(clipped, AWARD_ID, "accepted", True) == clipped.replace(
        "  Text.\n", "  Text.\naccepted: true\n"
    )
    flow = FORMS["flow-mapping"]
    assert set_key(flow, AWARD_ID, "accepted", True) == flow.replace(
        "2024-01-01}", "2024-01-01, accepted: true}"
    )


def test_a_block_scalar_ending_the_file_gets_the_new_key_before_it() -> None:
    # After it, the scalar would gain a line break it never had.
    text = BASE + "narrative: |\n  The last line."
    edited = set_key(text, AWARD_ID, "accepted", True)
    assert edited == text.replace(
        "issued_on: 2024-01-01\n", "issued_on: 2024-01-01\naccepted: true\n"
    )


def test_a_form_that_cannot_be_edited_safely_is_refused(pat_site: Path) -> None:
    # Explicit keys (`? key`): no line at the mapping's indentation can hold a new key.
    text = (
        f"? id\n: {AWARD_ID}\n? badge\n: soldering\n? earner\n: pat\n? recipient\n"
        f": {{identity: '{HASH}', salt: s1}}\n? issued_on\n: 2024-01-01\n"
    )
    with pytest.raises(EditProblem, match="edit it by hand: set `accepted: true`"):
        set_key(text, AWARD_ID, "accepted", True)
    path = write(pat_site, "content/awards/explicit.yaml", text)
    assert not _load(pat_site).awards[AWARD_ID].accepted
    before = tree_bytes(pat_site)
    with pytest.raises(AuthoringError) as refused:
        revoke(pat_site, AWARD_ID, "Duplicate", REVOKED_ON)
    assert str(refused.value) == (
        f"content/awards/explicit.yaml: award '{AWARD_ID}' is written in a form this edit "
        "cannot change without touching other values; edit it by hand: set "
        "`revoked: {date: 2025-05-01, reason: Duplicate}`"
    )
    assert tree_bytes(pat_site) == before
    assert path.read_text() == text


def test_a_nested_value_follows_the_files_indentation() -> None:
    edited = set_key(FORMS["four-space-indent"], AWARD_ID, "revoked", revocation())
    assert edited.endswith(
        "issued_on: 2024-01-01\nrevoked:\n    date: 2025-05-01\n"
        "    reason: 'Issued in error: wrong course #2 - it''s ''fixed'' now'\n"
    )


def test_an_id_is_found_as_the_model_reads_it() -> None:
    # The model takes a number as text and trims spaces; so does the edit.
    numeric = BASE.replace(f"id: {AWARD_ID}", "id: 20240101")
    assert set_key(numeric, "20240101", "accepted", True) == numeric + "accepted: true\n"
    spaced = BASE.replace(f"id: {AWARD_ID}", "id: '  spaced-1 '")
    assert set_key(spaced, "spaced-1", "accepted", True) == spaced + "accepted: true\n"
    items = f"- just a note\n- {BASE.replace(chr(10), chr(10) + '  ').rstrip()}\n"
    assert set_key(items, AWARD_ID, "accepted", True) == items + "  accepted: true\n"
    with pytest.raises(EditProblem, match="no award 'other-1' in this file"):
        set_key(BASE, "other-1", "accepted", True)


BLOCK_HEADERS = ("|", "|+", "|-", ">", ">+", ">-", "|2", "|+ # kept")
LAST_VALUES = st.one_of(
    st.tuples(st.sampled_from(BLOCK_HEADERS), st.integers(0, 3)).map(
        lambda form: f"narrative: {form[0]}\n  One.\n\n  Two.\n" + "\n" * form[1]
    ),
    st.sampled_from(
        [
            'narrative: "Quoted,\n  over lines"\n',
            "narrative: 'single: quoted'\n",
            "narrative: plain text\n  on two lines\n",
            "narrative:\n",
            "narrative: ~  # nothing yet\n",
            "evidence:\n  - url: https://pat.example/a\n    narrative: |+\n      Kept.\n\n",
            "evidence: [{url: 'https://pat.example/a'}]\n",
            "nested:\n  inner:\n    text: |+\n      Kept.\n\n",  # the edit checks no fields
        ]
    ),
)
ACCEPTED_FORMS = ("", "accepted:\n", "accepted: false\n", "accepted: ~  # later\n")


@settings(max_examples=150, deadline=None)
@given(
    last=LAST_VALUES,
    accepted=st.sampled_from(ACCEPTED_FORMS),
    comment=st.booleans(),
    in_list=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    key=st.sampled_from(["revoked", "accepted"]),
)
def test_any_combination_of_forms_is_edited_in_place(
    last: str,
    accepted: str,
    comment: bool,
    in_list: bool,
    newline: str,
    final_newline: bool,
    key: str,
) -> None:
    body = HEAD + RECIPIENT + accepted + ("# a comment\n" if comment else "")
    body += "issued_on: 2024-01-01\n" + last
    if in_list:
        other = f"- id: {OTHER_ID}\n  badge: soldering\n  earner: bo\n  issued_on: 2024-02-01\n"
        body = other + "".join(
            ("- " if number == 0 else "  ") + line if line.strip() else line
            for number, line in enumerate(body.splitlines(keepends=True))
        )
    text = body.replace("\n", newline)
    if not final_newline:
        text = text.rstrip("\r\n")
    value = revocation() if key == "revoked" else True
    edited = set_key(text, AWARD_ID, key, value)  # refuses any result but the intended one
    assert yaml.safe_load(edited) == expected_data(yaml.safe_load(text), key, value)
    start, end, _ = changed_span(text, edited)
    existing = value_span(text, key)
    if existing is None:
        assert start == end
    else:
        assert existing[0] <= start <= end <= existing[1]
    if newline == "\r\n":
        assert "\n" not in edited.replace("\r\n", "")
