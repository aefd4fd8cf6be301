"""Rendering: the Jinja environment (theme chain, i18n, markdown) and every output's bytes."""

from __future__ import annotations

import datetime as dt
import json
import os
import traceback
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus
from xml.sax.saxutils import escape as xml_escape

import jinja2
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from markupsafe import Markup

from badgesite import urls
from badgesite.cache.image_cache import ImageCache
from badgesite.config import SiteConfig
from badgesite.errors import BadgesiteError, BuildError, ContentError, ContentErrors
from badgesite.guards.credentials import Signing
from badgesite.images.outputs import ImageMaker
from badgesite.images.variants import variant_widths
from badgesite.model import Award, BadgeClass, Listings, Pager, Site
from badgesite.openbadges import ob3_contexts
from badgesite.openbadges.bake import (
    CREDENTIAL_KEYWORD,
    KEYWORD,
    MAX_CREDENTIAL_BYTES,
    MAX_FILE_BYTES,
)
from badgesite.openbadges.json_text import MAX_JSON_BYTES, MAX_JSON_DEPTH
from badgesite.outputs import Copy, Document, Image, Listing, Output, Page, Rendered, TextFile
from badgesite.plan import Plan
from badgesite.primitives.svg_document import OPENBADGES_URI, OPENBADGES_V3_URI
from badgesite.publishing import ob2, ob3
from badgesite.templating import qr_codes, sharing
from badgesite.templating.jinja_tuning import (
    CompiledTemplates,
    ConstantTexts,
    DirectCallContext,
    ReusedModules,
    call_directly,
)
from badgesite.templating.markdown_text import FOREIGN_LINK_REL, MarkdownRenderer
from badgesite.templating.themes import (
    FALLBACK_LANGUAGE,
    THEME_PREFIX,
    ThemeChain,
    read_texts,
    resolve_options,
    theme_loader,
    translation_codes,
)
from badgesite.urls import UrlResolver


class Translations:
    """Every user-visible string of the theme chain, in the site's language, English fallback.

    A translation file in error is in errors, and its readable texts are kept: a run with a
    broken file still compiles and checks the templates, reporting everything at once.
    """

    def __init__(self, theme: ThemeChain, language: str) -> None:
        self.language = language
        self.strings: dict[str, str] = {}
        errors: list[ContentError] = []
        for code in translation_codes(language):
            for theme_part in reversed(theme.themes):
                path = theme_part.texts_file(code)
                if path.is_file():
                    self.strings.update(read_texts(path, theme.site_dir, errors))
        self.errors = tuple(sorted(errors))

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self.strings[key]
        except KeyError:
            raise BuildError(
                f"no text for '{key}' in the theme's i18n/{FALLBACK_LANGUAGE}.yaml"
            ) from None
        return text.format(**values) if values else text

    def plural(self, key: str, count: int, **values: Any) -> str:
        """The `<key>_one`, `<key>_few`, ... `<key>_other` text that fits count in this
        language (Unicode CLDR plural rules), with {count} filled in."""
        form = Locale.parse(self.language.replace("-", "_")).plural_form(count)
        chosen = f"{key}_{form}" if f"{key}_{form}" in self.strings else f"{key}_other"
        count_text = format_decimal(count, locale=self.language.replace("-", "_"))
        return self(chosen, count=count_text, **values)


call_directly(Translations)


TEMPLATE_SUFFIX = ".html"  # what a theme's templates/ holds; other files compile when used
PLAIN_TEXT_SUFFIX = ".txt"  # templates of plain text, never HTML-escaped
MAX_MESSAGE_LENGTH = 300
COMPILED_TEMPLATES = "templates"  # the cache root's folder of compiled templates


class TemplateFailed(ContentErrors):
    """A template that does not compile or raised while a page rendered, located in it."""

    def __init__(self, problem: ContentError) -> None:
        super().__init__([problem])
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[ContentError]]:
        return (TemplateFailed, (self.problem,))  # crosses back from a rendering worker


class PageTemplates:
    """The Jinja environment of a theme chain for one site's settings (language, time zone,
    job search). It needs no records, so a run whose records are in error still compiles
    the templates and reports their errors with the others."""

    def __init__(self, theme: ThemeChain, config: SiteConfig) -> None:
        self.theme = theme
        self.config = config
        self.locale = Locale.parse(config.language.replace("-", "_"))
        self.zone = config.zone
        self._formatted_dates: dict[dt.date, str] = {}
        self._formatted_months: dict[tuple[int, int], str] = {}
        self.translations = Translations(theme, config.language)
        self.markdown = MarkdownRenderer()
        self.foreign_markdown = MarkdownRenderer(link_rel=FOREIGN_LINK_REL)
        self.options, self.option_errors = resolve_options(theme, dict(config.theme_options))
        constant_texts = dict(self.translations.strings)
        self.environment = jinja2.Environment(
            loader=theme_loader(theme),
            # Everything is HTML-escaped but the plain-text templates (the text part of the
            # emails of `badgesite notify`, templates/email/*.txt).
            autoescape=jinja2.select_autoescape(
                enabled_extensions=(),
                disabled_extensions=(PLAIN_TEXT_SUFFIX.lstrip("."),),
                default=True,
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # a Renderer lives for one build: no stat per page
            cache_size=-1,  # a plain dict: an LRU takes a lock and reorders on every lookup
            extensions=[ConstantTexts],
            bytecode_cache=CompiledTemplates(constant_texts),
        )
        self.environment.context_class = DirectCallContext
        self.environment.template_class = ReusedModules
        self.environment.constant_texts = constant_texts  # type: ignore[attr-defined]
        self.environment.filters["markdown"] = self.markdown
        # Imported badges' texts: other issuers' markdown, sanitized like ours.
        self.environment.filters["foreign_markdown"] = self.foreign_markdown
        self.environment.filters["date"] = self.format_date
        self.environment.filters["month"] = self.format_month
        self.environment.filters["plain"] = self.markdown.plain
        self.environment.filters["iso"] = ob2.timestamp
        self.environment.filters["number"] = self.format_number
        self.environment.filters["skill_anchor"] = skill_anchor
        self.environment.filters["job_search"] = self.job_search_url
        self.environment.globals["theme_options"] = self.options
        self.compiled: CompiledTemplates = self.environment.bytecode_cache  # type: ignore[assignment]
        self._template_dirs = tuple(os.path.join(path, "") for path in theme.template_dirs)

    def keep_compiled(self, cache: ImageCache | None, signing: Signing | None) -> None:
        """Keep the compiled templates (and the names read from their sources) in the
        cache folder too, beside images/, authenticated with the signing key: only for a
        site that signs with a key of its own, and a cache folder."""
        if signing is not None and not signing.throwaway and cache is not None and cache.folder:
            self.compiled.keep_in(cache.folder.parent / COMPILED_TEMPLATES, signing.key.seed)

    def forget_modules(self) -> None:
        """Drop the imported modules kept for the last renderer's values (ReusedModules):
        they hold its functions, and with them its whole site and plan, which a process
        that builds again and again (`serve`) would otherwise keep, build after build."""
        for template in self.environment.cache.values() if self.environment.cache else ():
            template.__dict__.pop("_modules", None)

    @property
    def errors(self) -> tuple[ContentError, ...]:
        """The theme's translation files and theme options in error, for the report."""
        return (*self.translations.errors, *self.option_errors)

    def format_date(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.zone).date()
        # Pages repeat the same few dates; Babel re-reads its locale data on every call.
        text = self._formatted_dates.get(local)
        if text is None:
            text = babel_format_date(local, format="long", locale=self.locale)
            self._formatted_dates[local] = text
        return text

    def format_month(self, day: dt.date) -> str:
        """The month and year of a day, as the language writes them ("May 2025")."""
        month = (day.year, day.month)
        text = self._formatted_months.get(month)
        if text is None:
            text = format_skeleton("yMMMM", day, locale=self.locale)
            self._formatted_months[month] = text
        return text

    def format_number(self, number: int) -> str:
        return format_decimal(number, locale=self.locale)

    def job_search_url(self, skill: str) -> str:
        """The site's job search for a skill, or "" when site.yaml sets none."""
        template = self.config.job_search_url
        return template.replace("{skill}", quote_plus(skill)) if template else ""

    def compile_all(self) -> list[ContentError]:
        """Compile every template the pages can use (the one that wins of each name), so
        that all their syntax errors are found at once, before anything renders; forked
        rendering workers inherit them compiled."""
        problems = []
        for name in self.environment.list_templates():
            if (
                not name.endswith(TEMPLATE_SUFFIX)
                or THEME_PREFIX in name  # the same file as the one of its plain name
                or any(part.startswith(".") for part in name.split("/"))
            ):
                continue
            try:
                self.environment.get_template(name)
            except Exception as exc:  # whatever a template raises is reported
                problems.append(self.problem(exc, name))
        return problems

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Template name filled in with context; raise TemplateFailed for anything it
        raises, a Jinja error or not (a TypeError in an expression, a missing text)."""
        try:
            return self.environment.get_template(name).render(context)
        except TemplateFailed:
            raise  # a fragment's, located in its own template already
        except Exception as exc:  # a TypeError in an expression too
            raise TemplateFailed(self.problem(exc, name)) from exc

    def problem(self, exc: Exception, name: str) -> ContentError:
        """`templates/x.html:LINE: template: message`, at the innermost template line."""
        if isinstance(exc, jinja2.TemplateSyntaxError):
            filename, line, message = exc.filename, exc.lineno, exc.message or ""
        else:
            filename, line = self._raised_at(exc)
            if isinstance(exc, jinja2.TemplateNotFound):
                message = f"no template '{exc.name}' in the theme chain"
            elif isinstance(exc, (jinja2.TemplateError, BadgesiteError)):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
        message = " ".join(message.split())
        if len(message) > MAX_MESSAGE_LENGTH:
            message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
        shown = self.theme.shown(Path(filename)) if filename else name
        return ContentError(shown, line or 0, "template", message)

    def _raised_at(self, exc: BaseException) -> tuple[str | None, int]:
        """The file and line of the innermost template frame in the traceback (Jinja
        rewrites its frames to point at template lines)."""
        found: tuple[str | None, int] = (None, 0)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(self._template_dirs):
                found = (frame.filename, frame.lineno or 0)
        return found


# The values a fragment is keyed on as they are (anything else by identity: model objects).
_PLAIN = (str, int, float, bool, type(None))


class Fragments:
    """The parts of pages that depend only on what they are given (a badge class, a size),
    each rendered once per build and process for those values and the page's link depth,
    and the same text stitched into every page that shows it.

    A fragment template (`partials/badge_image.html`, ...) sees the globals and exactly what
    it is given, plus `url` (links are relative, and depend only on the depth of the page,
    or absolute on the 404 page), `absolute_url` and `urls`: never the page or its subject,
    so the text cannot depend on them. A theme overrides it like any partial.
    """

    def __init__(self, templates: PageTemplates, absolute: Any) -> None:
        self.templates = templates
        self.absolute = absolute
        self._done: dict[tuple[Any, ...], tuple[Markup, tuple[Any, ...]]] = {}
        self._by_depth: dict[int | None, Any] = {}

    def for_page(self, link: Any, depth: int | None) -> Any:
        """The `fragment(name, **values)` of pages whose links `link` makes: relative ones
        climb depth folders to the root, so they are the same on every page of that depth
        (depth None: absolute links)."""
        made = self._by_depth.get(depth)
        if made is None:
            made = self._by_depth[depth] = self._fragment(link, depth)
        return made

    def _fragment(self, link: Any, depth: int | None) -> Any:
        done, templates, absolute = self._done, self.templates, self.absolute

        def fragment(name: str, **values: Any) -> Markup:
            key = (
                name,
                depth,
                *(
                    (key, value if isinstance(value, _PLAIN) else id(value))
                    for key, value in values.items()
                ),
            )
            found = done.get(key)
            if found is None:
                context = {
                    "url": link,
                    "absolute_url": absolute,
                    "urls": urls,
                    "fragment": fragment,
                    **values,
                }
                # The values are kept with the text: an id is never reused while it is kept.
                found = (Markup(templates.render(name, context)), tuple(values.values()))
                done[key] = found
            return found[0]

        return fragment

    def forget(self) -> None:
        self._done.clear()


class Renderer:
    """Renders each planned output to bytes."""

    def __init__(
        self,
        site: Site,
        plan: Plan,
        theme: ThemeChain,
        now: dt.datetime,
        cache: ImageCache | None = None,
        templates: PageTemplates | None = None,
        signing: Signing | None = None,
    ) -> None:
        self.site = site
        self.plan = plan
        self.now = now
        self.resolver = UrlResolver(site.config.base_url)
        self.signing = signing
        self.credential_of = (
            None if signing is None else ob3.CredentialMaker(site, self.resolver, signing, cache)
        )
        if templates is None:
            templates = PageTemplates(theme, site.config)
            if templates.errors:
                raise ContentErrors(templates.errors)
        self.templates = templates
        templates.forget_modules()
        templates.keep_compiled(cache, signing)
        self.translations = self.templates.translations
        self.format_date = self.templates.format_date
        self.environment = self.templates.environment
        self.listings = Listings.of(plan.listings, site, now)  # the plan's, when it can
        self.image_cache = cache or ImageCache(None)
        self.images = ImageMaker(
            site,
            self.image_cache,
            self.translations,
            self.format_date,
            now,
            self.credential_of,
        )
        self.environment.globals.update(
            t=self.translations,
            site=site,
            config=site.config,
            status=self.status,
            language=site.config.language,
            built_at=now,
            linkedin_add_url=self.linkedin_add_url,
            linkedin_certification=self.linkedin_certification,
            share_links=sharing.share_links,
            verifierplus_url=sharing.verifierplus_url,
            qr_svg=self.qr_svg,
            credential_jsonld=self.credential_jsonld,
            is_published=self.is_published,
            badge_image_variants=badge_image_variants,
            listings=self.listings,
            skill_path=self.skill_path,
            verifier_data=self.verifier_data,
            verifier_texts=self.verifier_texts,
        )
        self.absolute_url = self.resolver.absolute  # one object: pages share it
        self._links: dict[int | None, Callable[[str], str]] = {}
        self.fragments = Fragments(self.templates, self.absolute_url)
        self.site_image = sharing.site_image(site, self.resolver)
        self.jsonld = sharing.CredentialJsonLd(self.resolver)

    def status(self, award: Award) -> str:
        return award.status(self.now)

    def linkedin_certification(self, award: Award) -> sharing.LinkedInCertification:
        page_url = self.resolver.absolute(urls.award_page(award.id))
        return sharing.linkedin_certification(award, page_url, self.site.config.zone)

    def linkedin_add_url(self, award: Award) -> str:
        return sharing.linkedin_add_to_profile(self.linkedin_certification(award))

    def qr_svg(self, text: str, label: str = "") -> Markup:
        """text as an inline SVG QR code, kept with the images in the cache."""
        return qr_codes.qr_svg(text, label, self.image_cache)

    def credential_jsonld(self, subject: BadgeClass | Award) -> Markup:
        return Markup(self.jsonld(subject))

    @cached_property
    def published_paths(self) -> Collection[str]:
        """The URL paths this build writes (publishes() gives them when they are known)."""
        return frozenset(output.url_path for output in self.plan.outputs)

    def publishes(self, published: Mapping[str, int]) -> None:
        """The URL paths this build writes, as the fingerprints counted them (each with how
        many outputs have it): a kept build keeps that count up to date by the parts it
        planned again, where finding them from the plan walks every output."""
        self.__dict__["published_paths"] = published

    def is_published(self, url_path: str) -> bool:
        """Whether this build writes url_path, for links to optional outputs."""
        return url_path in self.published_paths

    def verifier_data(self) -> Markup:
        """What the verifier page knows of this site, as JSON safe inside a <script>: each
        issuer's did:web and every key its DID document lists, every published revoked award
        with its reason, where an award's documents are, and the limits on what it reads.
        With it a file from this site verifies with no request at all (offline too)."""
        site, resolver = self.site, self.resolver
        issuers = []
        for issuer in site.issuers.values():
            entry: dict[str, Any] = {
                "name": issuer.name,
                "profile": resolver.absolute(urls.issuer_json(issuer.slug)),
            }
            if self.signing is not None:
                document = ob3.did_document(issuer, site, resolver, self.signing)
                entry["did"] = document["id"]
                entry["keys"] = {
                    method["id"]: method["publicKeyMultibase"]
                    for method in document["verificationMethod"]
                    if method["id"] in document["assertionMethod"]
                }
                entry["statusList"] = resolver.absolute(urls.issuer_status_list(issuer.slug))
            issuers.append(entry)
        revoked = [
            {
                "assertion": resolver.absolute(urls.award_json(award.id)),
                "credential": resolver.absolute(urls.award_credential(award.id)),
                "reason": award.revocation.reason,
                "date": ob2.timestamp(award.revocation.date) if award.revocation.date else "",
            }
            for awards in site.revoked_awards_by_issuer.values()
            for award in awards
            if award.revocation is not None
        ]
        data = {
            "baseUrl": site.config.base_url,
            "timeZone": site.config.timezone,  # dates are shown as the award pages show them
            "issuers": issuers,
            "revoked": revoked,
            # An award's documents and page, "{id}" standing for its id.
            "award": {
                "assertion": urls.award_json("{id}"),
                "credential": urls.award_credential("{id}"),
                "page": urls.award_page("{id}"),
            },
            # Where a baked image holds the 2.0 assertion and the 3.0 credential.
            "baking": {
                "png": [KEYWORD.decode(), CREDENTIAL_KEYWORD.decode()],
                "svg": [OPENBADGES_URI, OPENBADGES_V3_URI],
            },
            "limits": {
                "file": MAX_FILE_BYTES,
                "json": MAX_JSON_BYTES,
                "credential": MAX_CREDENTIAL_BYTES,
                "depth": MAX_JSON_DEPTH,
            },
        }
        return Markup(_script_json(data))

    def verifier_texts(self) -> Markup:
        """The verifier script's texts (the theme's `verifier_js_*` keys, without the
        prefix) in the site's language, as JSON safe inside a <script>."""
        prefix = "verifier_js_"
        texts = {
            key[len(prefix) :]: text
            for key, text in sorted(self.translations.strings.items())
            if key.startswith(prefix)
        }
        return Markup(_script_json(texts))

    def skill_path(self, skill: str) -> str:
        """Where the skills index shows a skill: its page, and its anchor there."""
        return f"{self.listings.skill_paths[skill]}#{skill_anchor(skill)}"

    def pager(self, output: Output, page: Page) -> Pager | None:
        """The page of its listing that a paginated page shows."""
        if page.listing is None:
            return None
        if page.listing is Listing.EARNERS:
            pages = self.listings.earner_pages
        elif page.listing is Listing.BADGES:
            pages = self.listings.badge_pages
        elif page.listing is Listing.SKILLS:
            pages = self.listings.skill_pages
        elif isinstance(output.subject, BadgeClass):
            pages = self.listings.holder_pages(output.subject.slug)
        else:
            raise BuildError(f"no listing for the pages of '{page.template}'")
        return pages[page.page_number - 1]

    def render_all(self) -> Iterator[Rendered]:
        for output in self.plan.outputs:
            yield self.render(output)

    def render(self, output: Output) -> Rendered:
        recipe = output.recipe
        if isinstance(recipe, Copy):
            return Rendered(output.path, source_file=recipe.source)
        if isinstance(recipe, Document):
            return Rendered(output.path, data=self.document(output, recipe))
        if isinstance(recipe, Image):
            return Rendered(output.path, data=self.images.make(output, recipe))
        if isinstance(recipe, TextFile):
            return Rendered(output.path, data=self.text_file(recipe).encode("utf-8"))
        return Rendered(output.path, data=self.page(output).encode("utf-8"))

    def document(self, output: Output, document: Document) -> bytes:
        subject: Any = output.subject
        signing = self.signing
        if document is Document.CONTEXTS:
            return _json_bytes(ob3_contexts.every_context())
        if document in (Document.DID_DOCUMENT, Document.STATUS_LIST, Document.CREDENTIAL):
            if signing is None or self.credential_of is None:
                raise BuildError(f"{output.path}: an Open Badges 3.0 document needs a signing key")
            if document is Document.CREDENTIAL:
                return self.credential_of(subject)
            if document is Document.STATUS_LIST:
                return ob3.status_list_credential(subject, self.site, self.resolver, signing)
            return _json_bytes(ob3.did_document(subject, self.site, self.resolver, signing))
        if document is Document.ISSUER:
            profile = ob2.issuer_profile(subject, self.resolver)
            if signing is not None:
                profile["related"] = [ob3.ob2_profile_link(subject, self.resolver)]
            return _json_bytes(profile)
        if document is Document.REVOCATIONS:
            return _json_bytes(ob2.revocation_list(subject, self.site, self.resolver))
        if document is Document.BADGE:
            return _json_bytes(ob2.badge_class(subject, self.resolver))
        assertion = ob2.assertion(subject, self.resolver)
        if signing is not None:
            assertion["related"] = [ob3.ob2_assertion_link(subject, self.resolver)]
        return _json_bytes(assertion)

    def page(self, output: Output) -> str:
        page = output.recipe
        if not isinstance(page, Page):
            raise BuildError(f"{output.path} is not a page")
        # The 404 page is served at any missing path, so its links cannot be relative.
        depth = None if output.url_path == urls.NOT_FOUND else output.url_path.count("/")
        link = self._links.get(depth)
        if link is None:
            link = self._links[depth] = self._link(output.url_path, depth)
        context = {
            "fragment": self.fragments.for_page(link, depth),
            "page": output,
            "subject": output.subject,
            "url": link,
            "absolute_url": self.absolute_url,
            "urls": urls,
            "canonical_url": self.resolver.absolute(output.url_path),
            "social_image": sharing.social_image(output.subject, self.site_image, self.resolver),
            "pager": self.pager(output, page),
        }
        return self.templates.render(page.template, context)

    def _link(self, from_page: str, depth: int | None) -> Callable[[str], str]:
        """The links of pages depth folders down (None: absolute, for the 404 page). A
        relative link climbs to the root and down again, so it is the same from every page
        of that depth: pages share one function, and what is made with it (ReusedModules)."""
        if depth is None:
            return self.absolute_url

        def link(url_path: str) -> str:
            return UrlResolver.relative(url_path, from_page)

        return link

    def text_file(self, text_file: TextFile) -> str:
        if text_file is TextFile.ROBOTS:
            return f"User-agent: *\nAllow: /\n\nSitemap: {self.resolver.absolute('sitemap.xml')}\n"
        if text_file is TextFile.SITEMAP:
            entries = "".join(
                f"  <url><loc>{xml_escape(self.resolver.absolute(path))}</loc></url>\n"
                for path in self.plan.sitemap_urls
            )
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{entries}</urlset>\n"
            )
        if text_file is TextFile.NOJEKYLL:
            return ""  # GitHub Pages: serve files and folders that start with _ or .
        return headers_file()


SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def headers_file() -> str:
    """Netlify / Cloudflare Pages header rules, for hosts that read a `_headers` file.

    Open Badges documents and images must be readable by verifiers on other origins (CORS);
    pages and JSON change when an award is revoked, so they are revalidated on every visit.
    The paths are those of the published folder, whatever the path in base_url: these
    hosts read `_headers` only at the root of the folder they publish and serve that folder
    at the root of their own address (a deploy preview, the NAME.netlify.app address, or the
    site a custom domain's `/PATH/` is proxied to), where a `/PATH/` prefix matches nothing.
    """
    badge_folders = ("issuers", "badges", "assertions")
    rules = [
        "/*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: "
        "strict-origin-when-cross-origin\n"
    ]
    for folder in badge_folders:
        rules.append(
            f"/{folder}/*\n  Access-Control-Allow-Origin: *\n"
            "  Cache-Control: public, max-age=0, must-revalidate\n"
        )
    rules.append("/*.json\n  Content-Type: application/ld+json; charset=utf-8\n")
    rules.append("/static/*\n  Cache-Control: public, max-age=3600\n")
    # An SVG opened on its own runs in the site's origin: let it load and run nothing.
    rules.append(f"/*.svg\n  Content-Security-Policy: {SVG_POLICY}\n")
    return (
        "# Written by badgesite build: HTTP headers for Netlify and similar hosts. Paths are\n"
        "# relative to this folder, which such a host serves at the root of its address.\n"
        + "".join(rule + "\n" for rule in rules).rstrip("\n")
        + "\n"
    )


def skill_anchor(skill: str) -> str:
    """A stable fragment id for a skill on the skills index (`skills/#container-security`)."""
    anchor = "".join(ch if ch.isalnum() else "-" for ch in skill.casefold())
    return "skill-" + "-".join(part for part in anchor.split("-") if part)


def badge_image_variants(badge: BadgeClass) -> tuple[tuple[str, int], ...]:
    """(url path, width) of each smaller copy of a badge's image, smallest first, for srcset."""
    return tuple(
        (urls.badge_image_variant(badge.slug, width), width)
        for width in variant_widths(badge.image)
    )


def _script_json(data: Any) -> str:
    """JSON that cannot end or comment out the <script> element holding it."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
