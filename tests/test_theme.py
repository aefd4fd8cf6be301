"""The default theme's pages and sharing helpers: LinkedIn parameters, share links, meta
tags, JSON-LD, the skills index, languages, and a theme that extends default."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from badgesite import urls
from badgesite.build import build, check, load_site
from badgesite.errors import ContentErrors
from badgesite.guards.lints import CheckFailed
from badgesite.model import Award
from badgesite.plan import Plan, plan_site
from badgesite.render import Renderer, Translations
from badgesite.templating.sharing import (
    credential_jsonld,
    linkedin_add_to_profile,
    linkedin_certification,
    share_links,
)
from badgesite.templating.themes import builtin_themes_dir, resolve_theme_chain
from badgesite.urls import UrlResolver
from helpers import FIXED_NOW, write

BASE = "https://badges.harbour-lab.example/pages/"
SOLDERING_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"
EXPIRED_AWARD = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"
PAGE = f"{BASE}assertions/{SOLDERING_AWARD}/"


def _award(site_dir: Path, award_id: str = SOLDERING_AWARD) -> Award:
    return load_site(site_dir).awards[award_id]


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.timezone.utc)


def test_linkedin_link_has_months_1_to_12_and_drops_empty_parameters(site: Path) -> None:
    award = dataclasses.replace(
        _award(site), issued_on=_utc(2024, 1, 15), expires=_utc(2026, 12, 31, 12)
    )
    link = linkedin_add_to_profile(linkedin_certification(award, PAGE, ZoneInfo("UTC")))
    query = parse_qs(urlsplit(link).query)
    assert query == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Soldering exam"],
        "organizationName": ["Harbour Lab"],
        "issueYear": ["2024"],
        "issueMonth": ["1"],
        "expirationYear": ["2026"],
        "expirationMonth": ["12"],
        "certUrl": [PAGE],
        "certId": [SOLDERING_AWARD],
    }


def test_linkedin_link_prefers_the_organization_id_and_omits_a_missing_expiry(
    site: Path,
) -> None:
    award = _award(site)
    issuer = dataclasses.replace(award.badge.issuer, linkedin_organization_id="1337")
    award = dataclasses.replace(
        award,
        badge=dataclasses.replace(award.badge, issuer=issuer),
        issued_on=_utc(2024, 12, 31, 23, 30),
    )
    url = linkedin_add_to_profile(linkedin_certification(award, PAGE, ZoneInfo("Europe/Berlin")))
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert query["organizationId"] == ["1337"] and "organizationName" not in query
    assert "expirationYear" not in query and "expirationMonth" not in query
    # 23:30 UTC on New Year's Eve is already January in Berlin, where the site lives.
    assert (query["issueYear"], query["issueMonth"]) == (["2025"], ["1"])
    assert "=&" not in url and not url.endswith("=")
    assert url.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&")


def test_share_links_encode_the_page_and_text() -> None:
    links = {link.network: link.url for link in share_links(PAGE, "I earned A & B")}
    assert links["linkedin"] == (
        "https://www.linkedin.com/sharing/share-offsite/?url="
        "https%3A%2F%2Fbadges.harbour-lab.example%2Fpages%2Fassertions%2F"
        f"{SOLDERING_AWARD}%2F"
    )
    assert parse_qs(urlsplit(links["facebook"]).query) == {"u": [PAGE]}
    assert parse_qs(urlsplit(links["x"]).query) == {"url": [PAGE], "text": ["I earned A & B"]}
    assert urlsplit(links["x"]).netloc == "twitter.com"


def test_json_ld_cannot_close_its_script_element(site: Path) -> None:
    award = _award(site)
    hostile = dataclasses.replace(award.badge, name="</script><script>alert(1)</script>")
    text = credential_jsonld(
        dataclasses.replace(award, badge=hostile), UrlResolver("https://x.example/")
    )
    assert "<" not in text and ">" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


class _Head(HTMLParser):
    """Collects meta tags, link rel=canonical and JSON-LD blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.json_ld: list[dict] = []
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[values.get("property") or values["name"]] = values.get("content") or ""
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical = values["href"] or ""
        self._in_json_ld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))
            self._in_json_ld = False


def _head(output: Path, path: str) -> _Head:
    parser = _Head()
    parser.feed((output / path).read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def golden_output(site: Path) -> Path:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    return output


def test_award_page_has_social_meta_canonical_and_json_ld(golden_output: Path) -> None:
    head = _head(golden_output, f"assertions/{SOLDERING_AWARD}/index.html")
    assert head.canonical == PAGE == head.meta["og:url"]
    assert head.meta["og:image"] == f"{PAGE}card.png" == head.meta["twitter:image"]
    assert (head.meta["og:image:width"], head.meta["og:image:height"]) == ("1200", "630")
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:title"] == "Soldering exam awarded to Ada Nkemelu"
    assert "Ada Nkemelu" in head.meta["og:description"]
    [credential] = head.json_ld
    assert credential["@type"] == "EducationalOccupationalCredential"
    assert credential["url"] == PAGE and credential["identifier"] == SOLDERING_AWARD
    assert credential["recognizedBy"]["name"] == "Harbour Lab"
    assert credential["dateCreated"].startswith("2024-03-0")
    assert [skill["name"] for skill in credential["competencyRequired"]] == [
        "Soldering",
        "Electronics safety",
    ]


def test_badge_page_points_at_its_card_and_other_pages_at_absolute_images(
    golden_output: Path,
) -> None:
    badge = _head(golden_output, "badges/soldering/index.html")
    assert badge.meta["og:image"] == f"{BASE}badges/soldering/card.png"
    assert badge.json_ld[0]["url"] == f"{BASE}badges/soldering/"
    home = _head(golden_output, "index.html")
    assert home.canonical == BASE
    assert home.meta["og:image"] == f"{BASE}badges/certified-maker.png"  # the only PNG badge
    assert home.meta["og:image:width"].isdigit() and home.json_ld == []
    for page in ("issuers/harbour-lab/index.html", "earners/ada/index.html", "skills/index.html"):
        head = _head(golden_output, page)
        assert head.canonical.startswith(BASE) and head.meta["og:url"] == head.canonical
        assert head.meta.get("og:image", BASE).startswith(BASE)


def test_award_page_offers_sharing_and_a_recipient_check_but_no_address(
    golden_output: Path,
) -> None:
    page = (golden_output / f"assertions/{SOLDERING_AWARD}/index.html").read_text()
    assert 'data-identity="sha256$1b0a7f6b' in page and 'data-salt="5e1d2c3b"' in page
    assert "linkedin.com/profile/add?" in page
    embed = f'spellcheck="false">&lt;a href=&#34;{PAGE}&#34;'
    assert embed in page
    revoked = golden_output / "assertions/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04/index.html"
    assert "linkedin.com" not in revoked.read_text()
    assert (
        "Harbour Lab revoked the Soldering exam it had awarded to Bo Lindqvist."
        in (
            _head(golden_output, revoked.relative_to(golden_output).as_posix()).meta[
                "og:description"
            ]
        )
    )


def test_live_status_carries_the_dates_the_browser_needs(golden_output: Path) -> None:
    page = (golden_output / f"assertions/{EXPIRED_AWARD}/index.html").read_text()
    assert re.search(
        r'data-live-status data-issued="2024-04-10T18:30:00\+02:00" '
        r'data-expires="2025-04-10T00:00:00\+02:00"',
        page,
    )
    assert "Status as of this page&#39;s last publication." in page
    assert "November 1, 2026" not in page  # no day of the build: the browser judges today
    # Every state the page may turn to is rendered, the build-time one visible.
    assert '<div class="status__body" data-state="expired">' in page
    assert '<div class="status__body" data-state="valid" hidden>' in page


def test_skills_index_lists_badges_public_earners_and_job_searches(site: Path) -> None:
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + "job_search_url: https://jobs.example/?q={skill}\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / "skills/index.html").read_text()
    section = page[page.index('id="skill-electronics-safety"') :]
    section = section[: section.index("</li>\n  <li")]
    assert "Soldering exam" in section and "Ada Nkemelu" in section
    assert 'href="https://jobs.example/?q=Electronics+safety"' in section
    assert "Bo Lindqvist" not in page and "Cy Private" not in page
    badge_page = (output / "badges/soldering/index.html").read_text()
    assert 'href="../../skills/#skill-electronics-safety"' in badge_page
    sitemap = (output / "sitemap.xml").read_text()
    assert f"<loc>{BASE}skills/</loc>" in sitemap and "404" not in sitemap


def test_skills_index_has_no_job_links_without_a_template(golden_output: Path) -> None:
    assert "jobs.example" not in (golden_output / "skills/index.html").read_text()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jobs.example/?q={skill}", "not an absolute http(s) URL"),
        ("https://jobs.example/search", "must hold '{skill}' exactly once"),
        ("https://jobs.example/{skill}/{where}", "must hold '{skill}' exactly once"),
    ],
)
def test_job_search_url_must_be_a_url_template(site: Path, value: str, message: str) -> None:
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + f"job_search_url: '{value}'\n")
    with pytest.raises(ContentErrors) as raised:
        load_site(site)
    assert message in str(raised.value) and "job_search_url" in str(raised.value)


def test_badge_page_counts_holders_without_private_or_revoked_ones(golden_output: Path) -> None:
    # soldering: Ada (shown), Bo (revoked), Cy (private): one holder.
    page = (golden_output / "badges/soldering/index.html").read_text()
    assert "Held by 1 person." in page


def test_german_is_complete_and_dates_are_german(site: Path) -> None:
    english = yaml.safe_load((builtin_themes_dir() / "default/i18n/en.yaml").read_text())
    german = yaml.safe_load((builtin_themes_dir() / "default/i18n/de.yaml").read_text())
    assert set(german) == set(english)
    for key, text in english.items():
        assert set(re.findall(r"{\w+}", german[key])) == set(re.findall(r"{\w+}", text)), key
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + "language: de\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / f"assertions/{EXPIRED_AWARD}/index.html").read_text()
    assert '<html lang="de">' in page
    assert "Dieses Badge ist am 10. April 2025 abgelaufen." in page
    assert "1 Person besitzt es." in (output / "badges/soldering/index.html").read_text()


def test_plural_forms_follow_the_language(site: Path) -> None:
    chain = resolve_theme_chain("default", site)
    english = Translations(chain, "en")
    assert english.plural("badge_earned_count", 1) == "Earned by 1 person."
    assert english.plural("badge_earned_count", 1200) == "Earned by 1,200 people."
    assert Translations(chain, "de").plural("badge_earned_count", 1200) == (
        "Von 1.200 Personen erworben."
    )


def test_compact_theme_extends_default(site: Path) -> None:
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + "theme: compact\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / f"assertions/{SOLDERING_AWARD}/index.html").read_text()
    # default's templates and stylesheet, then compact's own on top.
    assert page.index("static/style.css") < page.index("static/compact.css")
    assert (output / "static/compact.css").is_file() and (output / "static/style.css").is_file()
    assert "data-live-status" in page
    chain = resolve_theme_chain("compact", site)
    assert [theme.name for theme in chain.themes] == ["compact", "default"]
    # The site's own templates still come first.
    write(site, "templates/theme_head.html", "<!-- site head -->\n")
    build(site, output, now=FIXED_NOW)
    page = (output / f"assertions/{SOLDERING_AWARD}/index.html").read_text()
    assert "<!-- site head -->" in page and "compact.css" not in page


def test_award_page_links_the_baked_image_only_when_the_build_writes_it(site: Path) -> None:
    loaded = load_site(site)
    chain = resolve_theme_chain("default", site)
    plan = plan_site(loaded, chain, FIXED_NOW)
    award = loaded.awards[SOLDERING_AWARD]
    page = next(output for output in plan.outputs if output.subject is award)
    baked = urls.award_image(award.id, award.badge.image.extension)
    assert any(output.path == baked for output in plan.outputs)
    without_baked = Plan(tuple(output for output in plan.outputs if output.path != baked))
    without = Renderer(loaded, without_baked, chain, FIXED_NOW).page(page)
    assert baked not in without
    rendered = Renderer(loaded, plan, chain, FIXED_NOW).page(page)
    assert f'href="../../assertions/{SOLDERING_AWARD}.svg" download' in rendered


def _use_theme(site_dir: Path, name: str, language: str = "") -> None:
    config = (site_dir / "content/site.yaml").read_text()
    extra = f"theme: {name}\n" + (f"language: {language}\n" if language else "")
    write(site_dir, "content/site.yaml", config + extra)


def _errors(site_dir: Path) -> list[str]:
    with pytest.raises(CheckFailed) as failure:
        check(site_dir, now=FIXED_NOW)
    return [str(error) for error in failure.value.errors]


@pytest.mark.parametrize("extends", ["../../outside", "/tmp/outside", "Fancy", "mine/../x"])
def test_extends_must_name_a_theme_never_a_path(site: Path, extends: str) -> None:
    # A theme outside the site, whose static file a build would otherwise publish.
    outside = site.parent / "outside"
    write(outside, "static/secret.txt", "not part of the site")
    write(site, "themes/mine/theme.yaml", f"description: mine\nextends: '{extends}'\n")
    _use_theme(site, "mine")
    assert _errors(site) == [
        f"themes/mine/theme.yaml:2: extends: '{extends}' is not a theme name: name a folder "
        "of themes/ or a built-in theme (lowercase letters, digits and hyphens; no paths)"
    ]
    assert not (site / "output").exists()


@pytest.mark.parametrize("name", ["../outside", "/tmp/outside", "default/../compact"])
def test_theme_names_are_checked_where_they_enter(site: Path, name: str) -> None:
    write(site.parent, "outside/theme.yaml", "description: outside\n")
    with pytest.raises(ContentErrors, match="is not a theme name"):
        resolve_theme_chain(name, site)


def test_a_theme_folder_linked_from_outside_the_site_is_refused(site: Path) -> None:
    outside = site.parent / "elsewhere"
    write(outside, "theme.yaml", "description: lives elsewhere\n")
    (site / "themes").mkdir()
    (site / "themes/linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ContentErrors) as failure:
        resolve_theme_chain("linked", site)
    assert [str(error) for error in failure.value.errors] == [
        f"content/site.yaml:1: theme: theme 'linked': themes/linked leads outside the site "
        f"(to {outside.resolve()}); refused: themes must live inside the site's themes/ "
        "folder or be built in"
    ]
    # Also when the whole themes/ folder is a link out of the site.
    (site / "themes/linked").unlink()
    (site / "themes").rmdir()
    write(site.parent, "shared-themes/linked/theme.yaml", "description: shared\n")
    (site / "themes").symlink_to(site.parent / "shared-themes", target_is_directory=True)
    with pytest.raises(ContentErrors, match="leads outside the site"):
        resolve_theme_chain("linked", site)


def test_a_theme_folder_linked_inside_the_site_is_fine(site: Path) -> None:
    write(site, "theme-sources/plain/theme.yaml", "description: plain\n")
    (site / "themes").mkdir()
    (site / "themes/plain").symlink_to(site / "theme-sources/plain", target_is_directory=True)
    chain = resolve_theme_chain("plain", site)
    assert [theme.name for theme in chain.themes] == ["plain", "default"]


def test_themes_that_extend_each_other_in_a_cycle_are_an_error(site: Path) -> None:
    write(site, "themes/first/theme.yaml", "extends: second\n")
    write(site, "themes/second/theme.yaml", "description: two\nextends: first\n")
    _use_theme(site, "first")
    assert _errors(site) == [
        "themes/second/theme.yaml:2: extends: themes extend each other in a cycle: "
        "first -> second -> first"
    ]


def test_a_theme_name_in_capitals_suggests_the_theme_meant(site: Path) -> None:
    write(site, "themes/mine/theme.yaml", "description: mine\n")
    _use_theme(site, "Mine")
    assert _errors(site) == [
        "content/site.yaml:6: theme: 'Mine' is not a theme name: name a folder of themes/ or "
        "a built-in theme (lowercase letters, digits and hyphens; no paths) (did you mean "
        "'mine'?)"
    ]


def test_theme_settings_are_checked_with_lines(site: Path) -> None:
    write(site, "themes/mine/theme.yaml", "description: mine\nextend: compact\n")
    write(site, "themes/other/theme.yaml", "extends: [compact\n")
    _use_theme(site, "mine")
    assert _errors(site) == [
        "themes/mine/theme.yaml:2: extend: unknown field (did you mean 'extends'?)"
    ]
    write(site, "themes/mine/theme.yaml", "extends: other\n")
    assert _errors(site) == [
        "themes/other/theme.yaml:1: invalid YAML: did not find expected ',' or ']'"
    ]


def test_every_shipped_language_has_exactly_the_english_keys_and_placeholders() -> None:
    for theme in sorted(builtin_themes_dir().iterdir()):
        folder = theme / "i18n"
        if not folder.is_dir():
            continue
        english = yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.yaml")):
            texts = yaml.safe_load(path.read_text(encoding="utf-8"))
            assert set(texts) == set(english), (path.name, set(texts) ^ set(english))
            for key, text in english.items():
                assert isinstance(texts[key], str) and texts[key].strip(), (path.name, key)
                placeholders = sorted(re.findall(r"{\w+}", texts[key]))
                assert placeholders == sorted(re.findall(r"{\w+}", text)), (path.name, key)
    shipped = {path.stem for path in (builtin_themes_dir() / "default/i18n").glob("*.yaml")}
    assert {"en", "de", "fr", "es", "pt"} <= shipped


@pytest.mark.parametrize(
    ("language", "expired", "holders", "skip"),
    [
        ("fr", "Ce badge a expiré le 10 avril 2025.", "Détenu par 1 personne.", "Aller au contenu"),
        (
            "es",
            "Esta insignia caducó el 10 de abril de 2025.",
            "La tiene 1 persona.",
            "Saltar al contenido",
        ),
        (
            "pt",
            "Este badge expirou em 10 de abril de 2025.",
            "Em posse de 1 pessoa.",
            "Ir para o conteúdo",
        ),
    ],
)
def test_french_spanish_and_portuguese_pages_have_no_english_left(
    site: Path, language: str, expired: str, holders: str, skip: str
) -> None:
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + f"language: {language}\n")
    output = site / "output"
    report = build(site, output, now=FIXED_NOW)
    assert report.warnings == ()
    page = (output / f"assertions/{EXPIRED_AWARD}/index.html").read_text()
    assert f'<html lang="{language}">' in page
    assert expired in page and skip in page
    assert "Skip to content" not in page and "Verification status" not in page
    assert holders in (output / "badges/soldering/index.html").read_text()


def test_a_language_without_a_full_translation_is_a_warning(site: Path) -> None:
    write(site, "themes/plain/i18n/en.yaml", "plain_hello: Hello\nplain_bye: Goodbye\n")
    write(site, "themes/plain/i18n/fr.yaml", "plain_hello: Bonjour\n")
    _use_theme(site, "plain", "fr")
    warnings = [str(warning) for warning in check(site, now=FIXED_NOW)]
    assert warnings == [
        "themes/plain/i18n/fr.yaml: warning: no 'fr' translation for 1 of 2 texts, shown in "
        "English: plain_bye"
    ]
    # Portuguese of Brazil reads pt.yaml and pt-BR.yaml: the theme has neither.
    text = (site / "content/site.yaml").read_text().replace("language: fr", "language: pt-BR")
    write(site, "content/site.yaml", text)
    assert [str(warning) for warning in check(site, now=FIXED_NOW)] == [
        "themes/plain/i18n/pt.yaml: warning: no 'pt-BR' translation for 2 of 2 texts, shown "
        "in English: plain_bye, plain_hello"
    ]


def test_a_language_no_theme_translates_gets_one_warning(site: Path) -> None:
    _use_theme(site, "compact", "it")
    warnings = [str(warning) for warning in check(site, now=FIXED_NOW)]
    assert warnings == [
        "content/site.yaml:7: warning: language: no translation for 'it' in the theme "
        '(i18n/it.yaml in compact, default): pages say lang="it" but their text is English'
    ]
    text = (site / "content/site.yaml").read_text().replace("language: it", "language: en-GB")
    write(site, "content/site.yaml", text)
    assert check(site, now=FIXED_NOW) == ()


def test_translation_files_are_checked_with_lines(site: Path) -> None:
    write(site, "themes/plain/i18n/en.yaml", "plain_hello: Hello\nplain_list:\n  - a\n")
    write(site, "themes/plain/i18n/fr.yaml", "plain_hello: [Bonjour\n")
    _use_theme(site, "plain", "fr")
    assert _errors(site) == [
        "themes/plain/i18n/en.yaml:2: plain_list: expected a text",
        "themes/plain/i18n/fr.yaml:1: invalid YAML: did not find expected ',' or ']'",
    ]


def _broken_theme(site_dir: Path) -> None:
    """A theme with a template error, a site template with another, and Italian pages."""
    write(site_dir, "themes/mine/theme.yaml", "extends: default\n")
    write(site_dir, "themes/mine/templates/badge.html", '{{ t("x") }\n')
    write(site_dir, "templates/award.html", "{% if x %}\n")


TEMPLATE_ERRORS = [
    "templates/award.html:1: template: Unexpected end of template. Jinja was looking for the "
    "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed "
    "is 'if'.",
    "themes/mine/templates/badge.html:1: template: unexpected '}'",
]


@pytest.mark.parametrize(
    ("texts", "problem"),
    [
        ("a: [1, 2]\nhello: Hello\n", "themes/mine/i18n/en.yaml:1: a: expected a text"),
        (
            "hello: Hello\nx: [1\n",
            "themes/mine/i18n/en.yaml:2: invalid YAML: did not find expected ',' or ']'",
        ),
    ],
)
def test_a_broken_translation_file_does_not_hide_the_template_errors(
    site: Path, texts: str, problem: str
) -> None:
    _broken_theme(site)
    write(site, "themes/mine/i18n/en.yaml", texts)
    _use_theme(site, "mine", "it")
    with pytest.raises(CheckFailed) as failure:
        check(site, now=FIXED_NOW)
    assert [str(error) for error in failure.value.errors] == sorted([problem, *TEMPLATE_ERRORS])
    assert [str(warning) for warning in failure.value.warnings] == [
        "content/site.yaml:7: warning: language: no translation for 'it' in the theme "
        '(i18n/it.yaml in mine, default): pages say lang="it" but their text is English'
    ]


@pytest.mark.parametrize(
    ("mistake", "problem"),
    [
        ("bio: [x\n", "content/site.yaml:8: invalid YAML: did not find expected ',' or ']'"),
        ("title: again\n", "content/site.yaml:8: title: duplicate key (first on line 1)"),
    ],
)
def test_a_site_yaml_that_cannot_be_parsed_still_has_its_theme_checked(
    site: Path, mistake: str, problem: str
) -> None:
    _broken_theme(site)
    _use_theme(site, "mine", "it")
    settings = site / "content/site.yaml"
    write(site, "content/site.yaml", settings.read_text() + mistake)
    assert _errors(site) == [problem, *TEMPLATE_ERRORS]
    # Without a plain `theme:` line, the default chain (and the site's templates/) is.
    text = settings.read_text().replace("theme: mine\n", "theme: [mine]\n")
    write(site, "content/site.yaml", text)
    assert _errors(site) == [problem, TEMPLATE_ERRORS[0]]


def test_a_long_list_of_missing_texts_is_shortened(site: Path) -> None:
    keys = [f"plain_text_{number:02}" for number in range(15)]
    write(site, "themes/plain/i18n/en.yaml", "".join(f"{key}: Text\n" for key in keys))
    _use_theme(site, "plain", "es")
    (warning,) = check(site, now=FIXED_NOW)
    assert str(warning) == (
        "themes/plain/i18n/es.yaml: warning: no 'es' translation for 15 of 15 texts, shown in "
        f"English: {', '.join(keys[:12])} and 3 more"
    )
