"""Themes with room to override: partials and page blocks a child theme replaces one file
at a time, and theme options declared in theme.yaml that site.yaml sets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from badgesite.build import build, check
from badgesite.guards.lints import CheckFailed
from badgesite.templating.theme_options import contrast_ratio
from badgesite.templating.themes import builtin_themes_dir, resolve_theme_chain
from helpers import FIXED_NOW, tree_bytes, write
from loopback import serve_folder
from test_browser import SCREENSHOTS, VIEWPORTS, _serious_violations

SOLDERING_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"
AWARD_PAGE = f"assertions/{SOLDERING_AWARD}/index.html"
HEADER = re.compile(r'<header class="site-header">.*?</header>\n', re.DOTALL)
NEW_HEADER = '<header class="site-header"><p class="brand">Harbour Lab</p></header>\n'
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
    '<circle cx="16" cy="16" r="15"/></svg>\n'
)


def _settings(site_dir: Path, extra: str) -> None:
    config = (site_dir / "content/site.yaml").read_text()
    write(site_dir, "content/site.yaml", config + extra)


def _child_theme(site_dir: Path, theme_yaml: str = "extends: default\n") -> None:
    write(site_dir, "themes/mine/theme.yaml", theme_yaml)
    _settings(site_dir, "theme: mine\n")


def _build(site_dir: Path, name: str) -> dict[str, bytes]:
    output = site_dir.parent / name
    build(site_dir, output, now=FIXED_NOW, cache_dir=site_dir.parent / f"{name}-cache")
    return tree_bytes(output)


def _errors(site_dir: Path) -> list[str]:
    with pytest.raises(CheckFailed) as failure:
        check(site_dir, now=FIXED_NOW)
    return [str(error) for error in failure.value.errors]


def _award_page(site_dir: Path) -> str:
    return _build(site_dir, "output")[AWARD_PAGE].decode()


def test_a_child_theme_with_only_a_header_partial_changes_only_the_header(site: Path) -> None:
    before = _build(site, "before")
    _child_theme(site)
    write(site, "themes/mine/templates/partials/header.html", NEW_HEADER)
    after = _build(site, "after")
    assert sorted(after) == sorted(before)
    pages = [path for path in before if path.endswith(".html")]
    assert len(pages) > 10
    for path in pages:
        old, new = before[path].decode(), after[path].decode()
        assert len(HEADER.findall(old)) == 1, path
        assert NEW_HEADER in new, path
        assert HEADER.sub(lambda _: NEW_HEADER, old) == new, path
    # Everything else (JSON, images, the stylesheet) is byte for byte the same.
    assert all(after[path] == data for path, data in before.items() if path not in pages)


def test_a_child_theme_overrides_the_navigation_and_footer_partials_alone(site: Path) -> None:
    _child_theme(site)
    write(site, "themes/mine/templates/partials/nav.html", '    <nav aria-label="Site">x</nav>\n')
    write(site, "themes/mine/templates/partials/footer.html", "<footer>Ours</footer>\n")
    page = _award_page(site)
    assert '<a class="site-title" href="../../">Harbour Lab badges</a>' in page
    assert '    <nav aria-label="Site">x</nav>\n  </div>\n</header>' in page
    assert page.endswith("</main>\n<footer>Ours</footer>\n</body>\n</html>\n")
    assert 'property="og:title"' in page  # the head partial is still default's


def test_a_child_theme_replaces_one_section_of_a_page_by_extending_it(site: Path) -> None:
    default_page = _award_page(site)
    assert "data-recipient-check" in default_page
    _child_theme(site)
    write(
        site,
        "themes/mine/templates/award.html",
        '{% extends "default:award.html" %}\n'
        '{% block recipient_check %}<p class="ours">Ask us.</p>\n{% endblock %}\n',
    )
    page = _award_page(site)
    assert "data-recipient-check" not in page
    section = re.compile(r"<section class=\"panel recipient-check\".*?</section>\n", re.DOTALL)
    assert section.sub('<p class="ours">Ask us.</p>\n', default_page) == page


def test_theme_options_change_the_pages(site: Path) -> None:
    _child_theme(site)
    write(site, "themes/mine/static/mark.svg", SVG)
    _settings(
        site,
        "theme_options:\n"
        '  accent_color: "#0B6E4F"\n'
        "  logo: mark.svg\n"
        "  footer_text: Harbour Lab e.V. <Imprint>\n"
        "  show_share_buttons: false\n",
    )
    page = _award_page(site)
    assert (
        ":root { --accent: #0b6e4f; --accent-bg: color-mix(in srgb, #0b6e4f 10%, #fff); }" in page
    )
    assert '<img class="site-logo" src="../../static/mark.svg" alt="">Harbour Lab badges' in page
    assert "<p>Harbour Lab e.V. &lt;Imprint&gt;</p>" in page
    assert "data-share=" not in page and "linkedin.com" not in page
    assert 'id="embed-code"' in page  # the snippets stay
    default_page = _award_page_of_default(site)
    assert "<style>" not in default_page and "site-logo" not in default_page
    assert 'data-share="linkedin-add"' in default_page


def _award_page_of_default(site_dir: Path) -> str:
    text = (site_dir / "content/site.yaml").read_text()
    write(site_dir, "content/site.yaml", text[: text.index("theme: mine")])
    return _award_page(site_dir)


def test_theme_option_mistakes_are_located_all_at_once_with_other_errors(site: Path) -> None:
    _settings(
        site,
        "timezone_: UTC\n"
        "theme_options:\n"
        '  accent_colour: "#0b6e4f"\n'
        '  show_share_buttons: "false"\n'
        "  accent_color: teal\n"
        "  logo: mark.png\n"
        "  footer_text: [a, b]\n",
    )
    assert _errors(site) == [
        "content/site.yaml:6: timezone_: unknown field (did you mean 'timezone'?)",
        "content/site.yaml:8: theme_options.accent_colour: theme 'default' has no option "
        "'accent_colour' (did you mean 'accent_color'?)",
        "content/site.yaml:9: theme_options.show_share_buttons: expected true or false, found "
        "the quoted text 'false': remove the quotes",
        "content/site.yaml:10: theme_options.accent_color: 'teal' is not a colour: write it as "
        "#rgb or #rrggbb",
        "content/site.yaml:11: theme_options.logo: no file 'mark.png' in the static/ folder of "
        "any theme of the chain",
        "content/site.yaml:12: theme_options.footer_text: expected one value (true/false, a "
        "text or a colour)",
    ]
    assert not (site / "output").exists()


def test_a_colour_too_light_to_read_is_refused(site: Path) -> None:
    _settings(site, 'theme_options:\n  accent_color: "#9ab"\n')
    assert _errors(site) == [
        "content/site.yaml:7: theme_options.accent_color: #9ab on #f5f7fa has a contrast of "
        "2.2:1; text needs 4.5:1 to be readable (WCAG AA): choose a darker colour"
    ]


def test_a_child_theme_changes_a_default_and_declares_options_of_its_own(site: Path) -> None:
    _child_theme(
        site,
        "extends: default\n"
        "options:\n"
        "  show_share_buttons:\n"
        "    default: false\n"
        "  tagline:\n"
        "    type: text\n"
        "    default: Made in the harbour\n"
        "    description: A line under the site title.\n",
    )
    write(
        site,
        "themes/mine/templates/partials/footer.html",
        "<footer><p>{{ theme_options.tagline }}</p></footer>\n",
    )
    chain = resolve_theme_chain("mine", site)
    options = {option.name: option for option in chain.options}
    assert options["show_share_buttons"].default is False
    assert options["show_share_buttons"].type == "boolean"
    assert options["tagline"].theme == "mine"
    page = _award_page(site)
    assert "<footer><p>Made in the harbour</p></footer>" in page
    assert "data-share=" not in page
    _settings(site, "theme_options:\n  tagline: Ahoy\n  show_share_buttons: true\n")
    page = _award_page(site)
    assert "<footer><p>Ahoy</p></footer>" in page and "data-share=" in page


def test_option_declarations_are_checked_with_lines(site: Path) -> None:
    _child_theme(
        site,
        "extends: default\n"
        "options:\n"
        "  show_share_button:\n"
        "    default: false\n"
        "  footer_text:\n"
        "    type: text\n"
        "  accent_color:\n"
        "    default: '#999'\n"
        "  Big-Name:\n"
        "    type: text\n"
        "  size:\n"
        "    type: number\n"
        "  banner:\n"
        "    type: image\n"
        "    default: banner.png\n",
    )
    assert _errors(site) == [
        "themes/mine/theme.yaml:3: options.show_share_button: required field 'type' is "
        "missing: no theme it extends has this option (did you mean 'show_share_buttons'?)",
        "themes/mine/theme.yaml:5: options.footer_text: theme 'default' declares this option "
        "already: give only a new default (and description), without type",
        "themes/mine/theme.yaml:8: options.accent_color.default: #999 on #f5f7fa has a "
        "contrast of 2.7:1; text needs 4.5:1 to be readable (WCAG AA): choose a darker colour",
        "themes/mine/theme.yaml:9: options.Big-Name: 'Big-Name' is not an option name: "
        "lowercase letters, digits and underscores, starting with a letter",
        "themes/mine/theme.yaml:12: options.size.type: 'number' is not one of: boolean, text, "
        "color, image",
        "themes/mine/theme.yaml:13: options.banner.default: no file 'banner.png' in the "
        "static/ folder of any theme of the chain",
    ]


def test_the_default_themes_options_are_declared_and_its_accent_is_readable(
    tmp_path: Path,
) -> None:
    chain = resolve_theme_chain("compact", tmp_path)
    options = {option.name: option for option in chain.options}
    assert {name: option.type for name, option in options.items()} == {
        "accent_color": "color",
        "logo": "image",
        "footer_text": "text",
        "show_share_buttons": "boolean",
    }
    assert all(option.description for option in options.values())
    stylesheet = (builtin_themes_dir() / "default/static/style.css").read_text()
    accent = re.search(r"--accent: (#[0-9a-f]{6});", stylesheet)
    assert accent is not None and accent[1] in options["accent_color"].description
    assert contrast_ratio(accent[1], options["accent_color"].readable_on) >= 4.5


def test_theme_options_pass_axe_and_show_in_chromium(browser, site: Path) -> None:
    _child_theme(site)
    write(site, "themes/mine/static/mark.svg", SVG)
    _settings(
        site,
        "theme_options:\n"
        '  accent_color: "#0b6e4f"\n'
        "  logo: mark.svg\n"
        "  footer_text: Harbour Lab e.V., Hafenstraße 1\n",
    )
    build(site, site / "output", now=FIXED_NOW)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    problems = []
    with serve_folder(site / "output") as base:
        for name, path in (("options-home", ""), ("options-award", AWARD_PAGE)):
            page.goto(base + path.removesuffix("index.html"))
            page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
            problems += [f"{name}: {violation}" for violation in _serious_violations(page)]
            logo = page.locator(".site-title img.site-logo")
            assert logo.is_visible() and logo.bounding_box()["height"] == 32
            assert page.locator(".site-title").inner_text() == "Harbour Lab badges"
            colour = page.eval_on_selector("main a", "link => getComputedStyle(link).color")
            assert colour == "rgb(11, 110, 79)"
            footer = page.locator(".site-footer p").first.inner_text()
            assert footer == "Harbour Lab e.V., Hafenstraße 1"
    context.close()
    assert problems == []


def test_a_theme_yaml_in_error_reports_its_option_mistakes_too(site: Path) -> None:
    _child_theme(
        site,
        "extends: default\ndescripton: mine\noptions:\n  size:\n    type: number\n",
    )
    assert _errors(site) == [
        "themes/mine/theme.yaml:2: descripton: unknown field (did you mean 'description'?)",
        "themes/mine/theme.yaml:5: options.size.type: 'number' is not one of: boolean, text, "
        "color, image",
    ]


def test_a_child_theme_overrides_a_fragment_partial_on_every_page_that_shows_it(
    site: Path,
) -> None:
    """partials/badge_image.html is rendered once per badge class and size (a fragment):
    a theme's own shows on award, badge and earner pages alike, with its links."""
    _child_theme(site)
    write(
        site,
        "themes/mine/templates/partials/badge_image.html",
        '<img class="mine" src="{{ url(urls.badge_image(badge.slug, badge.image.extension)) }}"'
        ' width="{{ size }}">',
    )
    output = _build(site, "output")
    award = output[AWARD_PAGE].decode()
    assert '<img class="mine" src="../../badges/' in award and 'width="160"' in award
    assert 'class="badge-image"' not in award
    badge_pages = [
        path for path in output if path.startswith("badges/") and path.endswith("/index.html")
    ]
    assert all('<img class="mine"' in output[path].decode() for path in badge_pages)
    earner_pages = [path for path in output if path.startswith("earners/") and path.count("/") == 2]
    assert any(
        '<img class="mine"' in output[path].decode() and 'width="72"' in output[path].decode()
        for path in earner_pages
    )
