"""Listings: a badge's holders (each once, only while their award is valid), the indexes of
public earners and of badges, and every listing split into pages with stable URLs past
`paginate`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from badgesite.build import build, load_site
from badgesite.errors import ContentErrors
from badgesite.model import Listings
from helpers import FIXED_NOW, tree_bytes, write

BASE = "https://badges.harbour-lab.example/pages/"
ADA_SOLDERING = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"
ADA_LASER = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"  # expired on 2025-04-10


def add_award(
    site: Path,
    number: int,
    earner: str,
    badge: str = "soldering",
    issued_on: str = "2024-09-01",
    extra: str = "",
) -> str:
    """An award of `badge` to `earner` in its own file; returns its id."""
    digits = hashlib.sha256(f"award {number}".encode()).hexdigest()
    award_id = f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:32]}"
    write(
        site,
        f"content/awards/extra-{number}.yaml",
        f"id: {award_id}\nbadge: {badge}\nearner: {earner}\n"
        f"recipient:\n  identity: sha256${digits}\n  salt: s{number}\n"
        f"issued_on: {issued_on}\n{extra}",
    )
    return award_id


def add_earner(site: Path, slug: str, name: str, extra: str = "") -> None:
    write(site, f"content/earners/{slug}.yaml", f"name: {name}\n{extra}")


def set_paginate(site: Path, size: int) -> None:
    config = site / "content/site.yaml"
    config.write_text(config.read_text() + f"paginate: {size}\n")


def _holders_panel(page: str) -> str:
    return page[
        page.index('<h2 id="holders">') : page.index("</section>", page.index('id="holders"'))
    ]


def _skill_section(page: str, anchor: str) -> str:
    section = page[page.index(f'id="skill-{anchor}"') :]
    end = section.find('<li class="skill"')
    return section if end < 0 else section[:end]


def _visible_holders(html: str) -> list[str]:
    """Names of holder lines shown without the script (hidden ones carry `hidden`)."""
    return re.findall(r'<span data-state="valid"><a href="[^"]*">([^<]+)</a>', html)


def test_a_badge_lists_each_holder_once_and_counts_people(site: Path) -> None:
    # Ada earns the soldering exam twice more: she is still one person holding it.
    newest_lasting = add_award(site, 1, "ada", issued_on="2025-01-05")
    add_award(site, 2, "ada", issued_on="2025-06-05", extra="expires: 2030-01-01\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / "badges/soldering/index.html").read_text()
    assert _visible_holders(_holders_panel(page)) == ["Ada Nkemelu"]
    assert "Held by 1 person." in page
    # The award shown is her valid one that lasts longest (no expiry), the newer of two.
    assert f"assertions/{newest_lasting}/" in _holders_panel(page)
    assert f"assertions/{ADA_SOLDERING}/" not in _holders_panel(page)
    section = _skill_section((output / "skills/index.html").read_text(), "soldering")
    # Under the skill: the soldering exam and the certification, Ada once under each.
    assert _visible_holders(section) == ["Ada Nkemelu", "Ada Nkemelu"]


def test_listings_show_holders_only_while_their_award_is_valid(site: Path) -> None:
    add_earner(site, "dee", "Dee Future")
    add_earner(site, "eve", "Eve Pending", "auto_accept: false\n")
    future = add_award(site, 1, "dee", issued_on="2027-03-01")
    add_award(site, 2, "eve")  # not accepted: shown nowhere but at its own URL
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    laser = (output / "badges/laser-cutting/index.html").read_text()
    # Ada's laser cutting exam has expired, Bo's was never accepted: nobody holds it.
    assert "Ada Nkemelu" not in _holders_panel(laser) and "Nobody holds it at the moment." in laser
    soldering = (output / "badges/soldering/index.html").read_text()
    panel = _holders_panel(soldering)
    assert _visible_holders(panel) == ["Ada Nkemelu"] and "Held by 1 person." in soldering
    assert "Eve Pending" not in soldering
    # Dee's award is valid from 2027: listed hidden, with the dates the browser judges by.
    assert re.search(
        r'<li data-live-status data-issued="2027-03-01T00:00:00\+01:00" data-expires="">'
        r'<span data-state="valid" hidden><a href="../../earners/dee/">Dee Future</a>',
        panel,
    )
    assert f"assertions/{future}/" in panel
    skills = (output / "skills/index.html").read_text()
    assert set(_visible_holders(skills)) == {"Ada Nkemelu"} and "Eve Pending" not in skills
    laser_skill = _skill_section(skills, "laser-cutting")
    assert laser_skill.count("Ada Nkemelu") == 1  # for the certification, not the expired exam
    assert '<span data-state="valid" hidden><a href="../earners/dee/">Dee Future' in skills
    # Once the build is past Dee's date, she holds it.
    later = build(site, output, now=FIXED_NOW.replace(year=2027, month=6))
    assert later.incremental
    soldering = (output / "badges/soldering/index.html").read_text()
    assert _visible_holders(_holders_panel(soldering)) == ["Dee Future", "Ada Nkemelu"]
    assert "Held by 2 people." in soldering


def test_the_count_and_the_lists_leave_out_unlisted_and_private_earners(site: Path) -> None:
    add_award(site, 1, "bo")  # Bo is unlisted
    add_award(site, 2, "cy")  # Cy is private
    build(site, site / "output", now=FIXED_NOW)
    page = (site / "output/badges/soldering/index.html").read_text()
    assert "Held by 1 person." in page
    assert "Bo Lindqvist" not in page and "Cy Private" not in page


def _public_earners(site: Path, count: int) -> list[str]:
    slugs = []
    for number in range(count):
        slug = f"maker-{number:02d}"
        add_earner(site, slug, f"Maker {number:02d}")
        add_award(site, 100 + number, slug, issued_on=f"2024-10-{number + 1:02d}")
        slugs.append(slug)
    return slugs


def _links(page: str, rel: str) -> list[str]:
    return re.findall(rf'<link rel="{rel}" href="([^"]+)">', page)


def test_listings_past_the_page_size_are_split_into_pages(site: Path) -> None:
    _public_earners(site, 4)  # with Ada: 5 public earners, 5 holders of the soldering exam
    set_paginate(site, 2)
    output = site / "output"
    build(site, output, now=FIXED_NOW)

    home = (output / "index.html").read_text()
    home_earners = home[home.index('<section id="earners">') :]
    home_earners = home_earners[: home_earners.index("</section>")]
    assert re.findall(r'class="card__title" href="earners/([^/]+)/"', home_earners) == [
        "ada",
        "maker-00",
    ]
    assert '<span class="count">5</span>' in home_earners
    assert 'href="earners/"' in home_earners

    first = (output / "earners/index.html").read_text()
    second = (output / "earners/page/2/index.html").read_text()
    third = (output / "earners/page/3/index.html").read_text()
    assert not (output / "earners/page/1").exists() and not (output / "earners/page/4").exists()
    assert f'<link rel="canonical" href="{BASE}earners/page/2/">' in second
    assert _links(first, "prev") == [] and _links(first, "next") == [f"{BASE}earners/page/2/"]
    assert _links(second, "prev") == [f"{BASE}earners/"]
    assert _links(second, "next") == [f"{BASE}earners/page/3/"]
    assert _links(third, "next") == []
    assert 'href="../../" rel="prev"' not in second and 'href="../../../earners/" rel="prev"' in (
        second
    )
    listed = [
        slug
        for page in (first, second, third)
        for slug in re.findall(r'class="card__title" href="[./]*earners/([^/]+)/"', page)
    ]
    assert listed == ["ada", "maker-00", "maker-01", "maker-02", "maker-03"]
    assert '<span aria-current="page">2</span>' in second and "Page 2 of 3" in second

    badge = (output / "badges/soldering/index.html").read_text()
    holders_2 = (output / "badges/soldering/earners/page/2/index.html").read_text()
    holders_3 = (output / "badges/soldering/earners/page/3/index.html").read_text()
    assert _visible_holders(_holders_panel(badge)) == ["Maker 03", "Maker 02"]  # newest first
    assert _visible_holders(holders_2) == ["Maker 01", "Maker 00"]
    assert _visible_holders(holders_3) == ["Ada Nkemelu"]
    assert "Held by 5 people." in badge and "Held by 5 people." in holders_3
    assert _links(badge, "next") == [f"{BASE}badges/soldering/earners/page/2/"]
    assert _links(holders_2, "prev") == [f"{BASE}badges/soldering/"]
    assert f'<link rel="canonical" href="{BASE}badges/soldering/earners/page/3/">' in holders_3
    assert not (output / "badges/laser-cutting/earners").exists()

    home_badges = home[home.index('<section id="badges">') :]
    home_badges = home_badges[: home_badges.index("</section>")]
    assert re.findall(r'class="card__title" href="badges/([^/]+)/"', home_badges) == [
        "certified-maker",
        "laser-cutting",
    ]
    assert '<span class="count">3</span>' in home_badges and 'href="badges/"' in home_badges
    badges_2 = (output / "badges/page/2/index.html").read_text()
    assert re.findall(r'class="card__title" href="../../../badges/([^/]+)/"', badges_2) == [
        "soldering"
    ]
    assert _links(badges_2, "prev") == [f"{BASE}badges/"]

    sitemap = (output / "sitemap.xml").read_text()
    for path in (
        "badges/",
        "badges/page/2/",
        "earners/",
        "earners/page/2/",
        "earners/page/3/",
        "badges/soldering/earners/page/2/",
        "badges/soldering/earners/page/3/",
    ):
        assert f"<loc>{BASE}{path}</loc>" in sitemap


def test_the_skills_index_is_split_by_skill_and_links_find_each_skill(site: Path) -> None:
    set_paginate(site, 1)  # three skills: Electronics safety, Laser cutting, Soldering
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    first = (output / "skills/index.html").read_text()
    third = (output / "skills/page/3/index.html").read_text()
    assert 'id="skill-electronics-safety"' in first and 'id="skill-soldering"' not in first
    assert 'id="skill-soldering"' in third and 'id="skill-electronics-safety"' not in third
    assert not (output / "skills/page/4").exists()
    badge = (output / "badges/soldering/index.html").read_text()
    assert 'href="../../skills/#skill-electronics-safety"' in badge
    assert 'href="../../skills/page/3/#skill-soldering"' in badge
    assert 'href="../skills/page/3/#skill-soldering"' in first  # the jump list reaches all
    assert 'href="#skill-electronics-safety"' in first  # on the same page: no reload
    assert 'href="../../../skills/#skill-electronics-safety"' in third


def test_the_skills_index_names_a_few_holders_and_links_the_rest(site: Path) -> None:
    _public_earners(site, 12)
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    section = _skill_section((output / "skills/index.html").read_text(), "electronics-safety")
    assert len(_visible_holders(section)) == 10
    assert '<a href="../badges/soldering/#holders">and 3 more</a>' in section


def test_listings_agree_with_the_model_when_paginated(site: Path) -> None:
    _public_earners(site, 3)
    set_paginate(site, 3)
    listings = Listings(load_site(site), FIXED_NOW)
    [first, second] = listings.holder_pages("soldering")
    assert (first.number, first.count, first.total) == (1, 2, 4)
    assert first.paths == ("badges/soldering/", "badges/soldering/earners/page/2/")
    assert len(first.entries) == 3 and len(second.entries) == 1
    assert (first.previous_path, first.next_path) == ("", "badges/soldering/earners/page/2/")
    assert listings.holder_count("soldering") == 4


def test_paginate_defaults_to_100_and_takes_a_whole_number(site: Path) -> None:
    assert load_site(site).config.paginate == 100
    set_paginate(site, 7)
    assert load_site(site).config.paginate == 7


@pytest.mark.parametrize("value", ["0", "-3", "lots", "10001"])
def test_paginate_must_be_a_sensible_whole_number(site: Path, value: str) -> None:
    set_paginate(site, value)  # type: ignore[arg-type]
    with pytest.raises(ContentErrors) as raised:
        load_site(site)
    assert str(raised.value).startswith("content/site.yaml:6: paginate: ")


def test_an_incremental_rebuild_of_paginated_listings_equals_a_clean_build(
    site: Path, tmp_path: Path
) -> None:
    _public_earners(site, 3)
    set_paginate(site, 1)
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    steps = [
        lambda: add_award(site, 50, "ada", issued_on="2025-02-02"),  # Ada's again: no new page
        lambda: add_award(site, 51, "bo"),  # unlisted: no new page
        lambda: write(
            site, "content/earners/maker-01.yaml", "name: Maker 01\nvisibility: unlisted\n"
        ),
        lambda: (site / "content/awards/extra-100.yaml").write_text(
            (site / "content/awards/extra-100.yaml").read_text()
            + "revoked:\n  date: 2025-01-01\n  reason: Mistake.\n"
        ),
        lambda: add_award(site, 52, "maker-02", badge="laser-cutting"),
    ]
    for step, edit in enumerate(steps):
        edit()
        assert build(site, output, now=FIXED_NOW).incremental
        reference = tmp_path / f"reference-{step}"
        shutil.copytree(site, reference, ignore=shutil.ignore_patterns("output", ".cache"))
        build(reference, reference / "output", now=FIXED_NOW)
        assert tree_bytes(output) == tree_bytes(reference / "output"), step
    assert not (output / "badges/soldering/earners/page/4").exists()


def _every_listing(listings: Listings) -> dict[str, object]:
    """What the listings say of each badge, as the pages show it."""
    return {
        slug: (
            listings.holders(slug),
            listings.holder_count(slug),
            listings.holder_pages(slug),
            listings.skill_holders_not_shown(slug),
        )
        for slug in listings.site.badges
    }


def _status_changes(site) -> list[dt.datetime]:
    """Every moment an award of the site changes status, and a moment on each side of it."""
    second = dt.timedelta(seconds=1)
    changes = {
        moment
        for award in site.awards.values()
        for change in (award.issued_on, award.expires)
        if change is not None
        for moment in (change - second, change, change + second)
    }
    return sorted(changes | {FIXED_NOW})


def _badges_choosing_holders(monkeypatch) -> list[str]:
    """The badge of each set of awards whose holders are chosen (again), as they are."""
    chosen: list[str] = []
    real = Listings._choose_holders
    monkeypatch.setattr(
        Listings,
        "_choose_holders",
        lambda self, awards: (
            chosen.append(awards[0].badge.slug if awards else "") or real(self, awards)
        ),
    )
    return chosen


def test_listings_made_from_the_last_ones_say_what_new_ones_say(site: Path, monkeypatch) -> None:
    """Holders are kept from the previous listings only for badges whose awards are the
    same objects, at a moment at which none of them has another status: at every moment
    around the awards' changes of status, listings made from those of any other moment say
    what listings made afresh say."""
    _public_earners(site, 3)
    add_earner(site, "zed", "Zed")
    add_award(site, 60, "zed", badge="laser-cutting", issued_on="2027-03-01")  # not yet valid
    add_award(site, 61, "zed", extra="expires: 2026-12-01\n")  # valid at FIXED_NOW
    set_paginate(site, 2)
    loaded = load_site(site)
    moments = _status_changes(loaded)
    fresh = {moment: _every_listing(Listings(loaded, moment)) for moment in moments}
    chosen = _badges_choosing_holders(monkeypatch)
    for then in moments:
        previous = Listings(loaded, then)
        _every_listing(previous)
        for now in moments:
            chosen.clear()
            again = Listings(loaded, now, previous)
            assert _every_listing(again) == fresh[now], (then, now)
            if then == now:
                assert chosen == []  # nothing chosen again
    # Other objects (another load of the site) are chosen again: here an award revoked
    # since, which leaves as many awards of its badge, one fewer holder.
    previous = Listings(loaded, FIXED_NOW)
    _every_listing(previous)
    extra = site / "content/awards/extra-61.yaml"
    extra.write_text(extra.read_text() + "revoked:\n  date: 2026-10-01\n  reason: Mistake.\n")
    edited = load_site(site)
    expected = _every_listing(Listings(edited, FIXED_NOW))
    chosen.clear()
    assert _every_listing(Listings(edited, FIXED_NOW, previous)) == expected
    assert expected != fresh[FIXED_NOW]
    assert sorted(chosen) == sorted(
        slug for slug, awards in loaded.listed_awards_by_badge.items() if awards
    )


def test_an_expiry_between_two_listings_chooses_that_badge_again(site: Path, monkeypatch) -> None:
    loaded = load_site(site)
    laser = loaded.awards[ADA_LASER]
    before, after = laser.expires - dt.timedelta(days=1), laser.expires
    previous = Listings(loaded, before)
    _every_listing(previous)
    expected = _every_listing(Listings(loaded, after))
    chosen = _badges_choosing_holders(monkeypatch)
    again = Listings(loaded, after, previous)
    assert _every_listing(again) == expected
    assert chosen == [laser.badge.slug]


def test_a_build_computes_each_listing_once(site: Path, monkeypatch) -> None:
    """The plan, the fingerprints and the renderer of a build share one Listings."""
    made: list[Listings] = []
    real = Listings.__init__
    monkeypatch.setattr(
        Listings, "__init__", lambda self, *a, **k: made.append(self) or real(self, *a, **k)
    )
    build(site, site / "output", now=FIXED_NOW)
    assert len(made) == 1
