"""Writes a deterministic synthetic badgesite site, and an equivalent Hugo project, for benchmarks.

    python bench/generate.py N DIR

DIR/ gets a complete badgesite site (content/) with N awards, N/10 earners and N/100 badge
classes (at least one each), and DIR/hugo/ a Hugo project that builds the equivalent pages
from the same records: one HTML page and one JSON file per award, a page per earner and per
badge class.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
from pathlib import Path

from PIL import Image, ImageDraw

WORDS = [
    "cloud",
    "data",
    "secure",
    "network",
    "python",
    "kubernetes",
    "design",
    "research",
    "teaching",
    "safety",
    "leadership",
    "analytics",
    "testing",
    "mentoring",
    "writing",
    "ops",
    "platform",
    "incident",
    "review",
    "quality",
]
FIRST = [
    "Ada",
    "Bo",
    "Chen",
    "Dimitra",
    "Emil",
    "Farah",
    "Gita",
    "Hugo",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
]
LAST = [
    "Ahmed",
    "Brennan",
    "Costa",
    "Duarte",
    "Eriksen",
    "Fischer",
    "Gonzalez",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
]


def _badge_image(path: Path) -> None:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=(31, 95, 191, 255))
    draw.rectangle((88, 88, 168, 168), fill=(255, 255, 255, 255))
    image.save(path)


def generate(awards: int, target: Path) -> None:
    rng = random.Random(awards)  # the same N always gives the same site
    earners = max(1, awards // 10)
    badges = max(1, awards // 100)
    if target.exists():
        shutil.rmtree(target)
    content = target / "content"
    for folder in ("issuers", "badges", "earners", "awards", "images"):
        (content / folder).mkdir(parents=True)
    (content / "site.yaml").write_text(
        "title: Benchmark badges\nbase_url: https://bench.example/\n"
        "default_issuer: bench-academy\ntimezone: UTC\n"
    )
    (content / "issuers/bench-academy.yaml").write_text(
        "name: Bench Academy\nurl: https://academy.example/\nemail: badges@academy.example\n"
    )
    _badge_image(content / "images/badge.png")
    hugo = target / "hugo"
    _hugo_skeleton(hugo)
    badge_slugs = []
    for index in range(badges):
        slug = f"badge-{index:05d}"
        badge_slugs.append(slug)
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {index}"
        description = (
            f"Awarded for {rng.choice(WORDS)} and {rng.choice(WORDS)} work, level {index % 5}."
        )
        (content / f"badges/{slug}.yaml").write_text(
            f"name: {name}\nkind: badge\ndescription: {description}\nimage: images/badge.png\n"
            f"criteria: |\n  - Complete the {rng.choice(WORDS)} module\n  - Pass the review\n"
            f"skills: [{rng.choice(WORDS).title()}, {rng.choice(WORDS).title()}]\n"
        )
        _hugo_page(
            hugo / f"content/badges/{slug}.md",
            {"title": name, "description": description, "type": "badge"},
        )
    earner_slugs = []
    for index in range(earners):
        slug = f"earner-{index:06d}"
        earner_slugs.append(slug)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        (content / f"earners/{slug}.yaml").write_text(
            f"name: {name}\nheadline: {rng.choice(WORDS).title()} engineer\n"
            f"bio: Works on *{rng.choice(WORDS)}* and {rng.choice(WORDS)}.\n"
        )
        _hugo_page(hugo / f"content/earners/{slug}.md", {"title": name, "type": "earner"})
    per_earner: dict[str, list[str]] = {slug: [] for slug in earner_slugs}
    for index in range(awards):
        earner = earner_slugs[index % earners]
        badge = badge_slugs[rng.randrange(badges)]
        award_id = _uuid(rng)
        salt = f"{rng.getrandbits(64):016x}"
        identity = hashlib.sha256(f"{earner}@example.com{salt}".encode()).hexdigest()
        day = 1 + index % 28
        month = 1 + (index // 28) % 12
        per_earner[earner].append(
            f"- id: {award_id}\n  badge: {badge}\n  earner: {earner}\n"
            f"  recipient:\n    identity: sha256${identity}\n    salt: '{salt}'\n"
            f"  issued_on: 2025-{month:02d}-{day:02d}\n"
            f"  narrative: Completed the {rng.choice(WORDS)} project.\n"
        )
        _hugo_page(
            hugo / f"content/assertions/{award_id}.md",
            {
                "title": award_id,
                "type": "assertion",
                "badge": badge,
                "earner": earner,
                "identity": f"sha256${identity}",
                "salt": salt,
                "issued_on": f"2025-{month:02d}-{day:02d}T00:00:00Z",
                "outputs": ["html", "json"],
            },
        )
    for earner, items in per_earner.items():
        if items:
            (content / f"awards/{earner}.yaml").write_text("".join(items))


def _uuid(rng: random.Random) -> str:
    value = f"{rng.getrandbits(128):032x}"
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:32]}"


def _hugo_page(path: Path, front: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["---"]
    for key, value in front.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(value)}]")
        else:
            lines.append(f'{key}: "{value}"')
    lines.append("---")
    path.write_text("\n".join(lines) + "\n")


def _hugo_skeleton(hugo: Path) -> None:
    (hugo / "layouts/_default").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(
        'baseURL = "https://bench.example/"\ntitle = "Benchmark badges"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
        "[outputs]\n  page = ['html']\n  home = ['html']\n  section = ['html']\n"
    )
    base = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}</title>"
        '<link rel=stylesheet href=/static/style.css></head><body><main>{{ block "main" . }}'
        "{{ end }}</main></body></html>\n"
    )
    (hugo / "layouts/_default/baseof.html").write_text(base)
    (hugo / "layouts/_default/single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>'
        '{{ with .Params.badge }}{{ $b := site.GetPage (printf "/badges/%s" .) }}'
        "<p>{{ $b.Title }}: {{ $b.Params.description }}</p>{{ end }}"
        '{{ with .Params.earner }}{{ $e := site.GetPage (printf "/earners/%s" .) }}'
        '<p>Earned by <a href="{{ $e.RelPermalink }}">{{ $e.Title }}</a></p>{{ end }}'
        "<p>Issued {{ .Params.issued_on }}</p><p>{{ .Params.identity }}</p>{{ end }}\n"
    )
    (hugo / "layouts/_default/single.json").write_text(
        '{"@context":"https://w3id.org/openbadges/v2","type":"Assertion",'
        '"id":"{{ .Permalink }}","recipient":{"type":"email","hashed":true,'
        '"salt":"{{ .Params.salt }}","identity":"{{ .Params.identity }}"},'
        '"badge":"{{ absURL (printf "badges/%s.json" .Params.badge) }}",'
        '"verification":{"type":"hosted"},"issuedOn":"{{ .Params.issued_on }}"}\n'
    )
    (hugo / "layouts/_default/list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    generate(int(sys.argv[1]), Path(sys.argv[2]))
