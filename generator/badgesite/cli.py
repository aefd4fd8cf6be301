"""The command line: parses options, calls the library, prints. No logic of its own."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from badgesite import __version__
from badgesite.errors import BadgesiteError, BuildError, ContentErrors, Finding
from badgesite.report import counted
from badgesite.urls import PLACEHOLDER_BASE_URL

if TYPE_CHECKING:
    from badgesite.serve import DevAddress

# Each command imports what it runs when it runs: a no-op build then loads no templates,
# images or Open Badges code, and the CLI stays a thin layer over the library.


def _report_warnings(warnings: tuple[Finding, ...]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def _report_errors(
    errors: ContentErrors, consequence: str = " in the content; nothing was written"
) -> None:
    """Every error, and the warnings found with them, sorted by file and line, then one
    line that counts them."""
    from badgesite.errors import ERROR
    from badgesite.guards.lints import CheckFailed

    warnings = errors.warnings if isinstance(errors, CheckFailed) else ()
    findings = [*warnings, *(Finding(ERROR, error) for error in errors.errors)]
    for finding in sorted(findings, key=lambda finding: (finding.problem, finding.severity)):
        click.echo(str(finding), err=True)
    count, warned = len(errors.errors), len(warnings)
    text = counted(count, "error")
    if warned:
        text += f" and {counted(warned, 'warning')}"
    click.echo(f"{text}{consequence}.", err=True)


def _build_time() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH pins 'now' (the moment statuses such as 'expired' are judged at)."""
    from badgesite.primitives.moments import RANGE_TEXT, moment_from_epoch

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    digits = epoch.strip()
    moment = moment_from_epoch(digits) if digits.isascii() and digits.isdigit() else None
    if moment is None:
        shown = epoch if len(epoch) <= 40 else epoch[:39] + "…"
        raise click.ClickException(
            f"SOURCE_DATE_EPOCH={shown!r} is not a whole number of seconds since 1970 "
            f"({RANGE_TEXT})"
        )
    return moment


# -h beside --help on every command: the context settings are inherited by subcommands.
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="badgesite")
def main() -> None:
    """badgesite: Open Badges sites on URLs you own."""


def _in_ci() -> bool:
    """CI services (GitHub Actions, Netlify, GitLab, ...) set CI=true."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


_frozen_option = click.option(
    "--frozen",
    is_flag=True,
    help="Check content/published-awards.txt, never rewrite it (implied by CI=true).",
)


_drafts_option = click.option(
    "--drafts",
    is_flag=True,
    help="Also build the drafts, marked DRAFT (a preview: never recorded as published).",
)


_site_option = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding content/).",
)


@main.command()
@_site_option
@click.option(
    "--output",
    "-o",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site [default: SITE/output].",
)
@click.option("--base-url", default=None, help="Publish under this URL instead of base_url.")
@_frozen_option
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the caches are kept (images, parsed records, build state) "
    "[default: SITE/.cache/badgesite].",
)
@click.option(
    "--clean",
    is_flag=True,
    help="Ignore the build cache: render everything and write a fresh output folder.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that render a large build [default: one per core].",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too, writing nothing.")
@_drafts_option
def build(
    site_dir: Path,
    output_dir: Path | None,
    base_url: str | None,
    frozen: bool,
    cache_dir: Path | None,
    clean: bool,
    jobs: int | None,
    strict: bool,
    drafts: bool,
) -> None:
    """Build the site into output/; a rebuild makes only what changed."""
    from badgesite.cache import source_stamp

    now = _build_time()
    # Asked here before the pipeline is even imported: a no-op build then loads none of it.
    fresh = clean or drafts
    report = (
        None
        if fresh
        else source_stamp.reuse(site_dir, output_dir, base_url, now, cache_dir=cache_dir)
    )
    if report is not None and strict and report.warnings:
        _failed_strict(report.warnings)
    if report is None:
        from badgesite.build import StrictFailure
        from badgesite.build import build as build_site

        bar = _ProgressBar() if sys.stderr.isatty() else None
        try:
            report = build_site(
                site_dir,
                output_dir,
                base_url=base_url,
                now=now,
                frozen=frozen or _in_ci(),
                cache_dir=cache_dir,
                clean=clean,
                processes=jobs,
                progress=bar.update if bar else None,
                strict=strict,
                drafts=drafts,
            )
        except StrictFailure as failure:
            _finish(bar)
            _failed_strict(failure.warnings)
        except ContentErrors as errors:
            _finish(bar)
            _report_errors(errors)
            sys.exit(1)
        except BuildError as error:
            _finish(bar)
            click.echo(f"error: {error}", err=True)
            click.echo("Nothing was written.", err=True)
            sys.exit(1)
        _finish(bar)
    _report_warnings(report.warnings)
    click.echo(report.summary())


def _failed_strict(warnings: tuple[Finding, ...]) -> None:
    _report_warnings(warnings)
    click.echo(
        f"{counted(len(warnings), 'warning')}; failing because of --strict. Nothing was written.",
        err=True,
    )
    sys.exit(1)


class _ProgressBar:
    """A progress bar on the terminal for builds that render many outputs; none in CI."""

    def __init__(self) -> None:
        self._bar = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < 500:
                return
            self._bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _finish(bar: _ProgressBar | None) -> None:
    if bar is not None:
        bar.finish()


def _dev_address(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> DevAddress | None:
    from badgesite.serve import DevAddress

    if value is None:
        return None
    try:
        return DevAddress.parse(value)
    except ValueError as problem:
        raise click.BadParameter(str(problem)) from None


@main.command()
@_site_option
@click.option(
    "--dev-addr",
    "address",
    callback=_dev_address,
    metavar="HOST:PORT",
    help="Where to serve [default: 127.0.0.1:8000]. Any other host than this machine's "
    "loopback makes the site reachable from the network.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve on 127.0.0.1:PORT (the same as --dev-addr 127.0.0.1:PORT).",
)
@click.option(
    "--open", "open_browser", is_flag=True, help="Open the site in the web browser once served."
)
def serve(site_dir: Path, address: DevAddress | None, port: int | None, open_browser: bool) -> None:
    """Serve the site on 127.0.0.1, rebuilding and reloading the browser on every save."""
    from badgesite.serve import DEFAULT_HOST, DEFAULT_PORT, DevAddress, ServeError
    from badgesite.serve import serve as serve_site  # livereload is only needed here

    if address is not None and port is not None:
        raise click.UsageError("give --dev-addr or --port, not both")
    if address is None:
        address = DevAddress(DEFAULT_HOST, port or DEFAULT_PORT)
    try:
        serve_site(site_dir, address, open_browser)
    except ServeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@main.command()
@_site_option
@click.option("--base-url", default=None, help="Check as if published under this URL.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@_frozen_option
@click.option(
    "--drafts", is_flag=True, help="Also render the drafts' pages (drafts are checked anyway)."
)
def check(site_dir: Path, base_url: str | None, strict: bool, frozen: bool, drafts: bool) -> None:
    """Check everything a build would, and common mistakes; write nothing."""
    from badgesite.build import check as check_site

    try:
        warnings = check_site(
            site_dir, base_url, now=_build_time(), frozen=frozen or _in_ci(), drafts=drafts
        )
    except ContentErrors as errors:
        _report_errors(errors, consequence="")
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    _report_warnings(warnings)
    count = len(warnings)
    if not count:
        click.echo("No problems found.")
        return
    click.echo(f"{counted(count, 'warning')}.", err=True)
    if strict:
        click.echo("Failing because of --strict.", err=True)
        sys.exit(1)


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)", param_hint=name) from None


def _today() -> dt.date | None:
    """The date new records carry: today, unless SOURCE_DATE_EPOCH pins the moment."""
    moment = _build_time()
    return moment.date() if moment else None


def _authoring_failed(error: BadgesiteError) -> None:
    if isinstance(error, ContentErrors):
        for problem in error.errors:
            click.echo(str(problem), err=True)
    else:
        click.echo(f"error: {error}", err=True)
    click.echo("Nothing was written.", err=True)
    sys.exit(1)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--title", default="My Badges", show_default=True, help="The site's title.")
@click.option(
    "--base-url",
    default=PLACEHOLDER_BASE_URL,
    show_default=True,
    help="Where the site will be published (https://OWNER.github.io/REPO/ on GitHub Pages).",
)
@click.option(
    "--badgesite-requirement",
    "requirement",
    default=None,
    help="The requirements.txt line deploys install badgesite with [default: this badgesite, "
    "as it was installed].",
)
def new(directory: Path, title: str, base_url: str, requirement: str | None) -> None:
    """Create a new site in DIRECTORY that builds at once."""
    from badgesite.authoring.install_source import checked_override
    from badgesite.authoring.scaffold import new_site

    try:
        chosen = checked_override(requirement) if requirement is not None else None
        created = new_site(
            directory, title=title, base_url=base_url, today=_today(), requirement=chosen
        )
    except BadgesiteError as error:
        _authoring_failed(error)
    if created.requirement.warning:
        click.echo(f"warning: {created.requirement.warning}", err=True)
    click.echo(f"Created a site in {created.root} ({counted(len(created.files), 'file')}).")
    click.echo(f"Next: cd {created.root} && badgesite build   (then read README.md)")


@main.command()
@click.argument("badge", required=False)
@_site_option
@click.option("--earner", help="The earner's slug (content/earners/SLUG.yaml).")
@click.option("--email", help="The recipient's address: only its salted hash is stored.")
@click.option("--issued-on", help="Date of the award, YYYY-MM-DD [default: today].")
@click.option("--expires", help="Expiry date, YYYY-MM-DD.")
@click.option("--evidence", multiple=True, help="URL of evidence (repeatable).")
@click.option("--narrative", default="", help="How the earner met the criteria (markdown).")
@click.option(
    "--from-csv",
    "csv_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Issue one award per row: name, email, badge [, earner, evidence, issued_on, expires, "
    "narrative, visibility].",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Issue a badge again to an address that already got it the same day.",
)
def award(
    badge: str | None,
    site_dir: Path,
    earner: str | None,
    email: str | None,
    issued_on: str | None,
    expires: str | None,
    evidence: tuple[str, ...],
    narrative: str,
    csv_file: Path | None,
    allow_duplicates: bool,
) -> None:
    """Issue BADGE to an earner, or a whole CSV file of awards (all or nothing)."""
    from badgesite.authoring.bulk import award_from_csv
    from badgesite.authoring.edits import AwardRequest, unpublished_note
    from badgesite.authoring.edits import award as award_one

    if csv_file is not None:
        if badge or earner or email:
            raise click.UsageError("--from-csv takes the badge, earner and email from the file")
        try:
            batch = award_from_csv(
                site_dir, csv_file, today=_today(), allow_duplicates=allow_duplicates
            )
        except BadgesiteError as error:
            _authoring_failed(error)
        for warning in batch.warnings:
            click.echo(str(warning), err=True)
        for created in batch.new_earners:
            click.echo(f"New earner: content/earners/{created}.yaml")
        files = ", ".join(batch.awards_files)
        click.echo(f"Wrote {counted(len(batch.issued), 'award')} to {files}:")
        for issued in batch.issued:
            click.echo(f"{issued.url}{unpublished_note(issued)}")
        if batch.csv_inside_site:
            click.echo(
                f"warning: {csv_file} holds plain email addresses and is inside the site: "
                "move it out of the repository",
                err=True,
            )
        return
    if not (badge and earner and email):
        raise click.UsageError("give BADGE, --earner and --email (or --from-csv FILE)")
    request = AwardRequest(
        badge=badge,
        earner=earner,
        email=email,
        issued_on=_date_option(issued_on, "--issued-on"),
        expires=_date_option(expires, "--expires"),
        evidence=evidence,
        narrative=narrative,
    )
    try:
        issued = award_one(site_dir, request, today=_today(), allow_duplicates=allow_duplicates)
    except BadgesiteError as error:
        _authoring_failed(error)
    for warning in issued.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Wrote {issued.file}")
    click.echo(f"{issued.url}{unpublished_note(issued)}")


@main.command()
@click.argument("award_id", metavar="ID")
@click.option("--reason", required=True, help="Why: verifiers are shown it.")
@click.option(
    "--date",
    "revoked_on",
    help="Date of the revocation, YYYY-MM-DD, not before the award's date nor in the future "
    "[default: today].",
)
@_site_option
def revoke(award_id: str, reason: str, revoked_on: str | None, site_dir: Path) -> None:
    """Revoke award ID: its page and JSON stay, saying it is revoked and why.

    ID is the award's id or its first characters (at least 4; `badgesite list` shows them).
    """
    from badgesite.authoring.edits import revoke as revoke_award

    try:
        edited = revoke_award(
            site_dir, award_id, reason, _date_option(revoked_on, "--date"), today=_today()
        )
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(f"Revoked {edited.award_id} in {edited.file}\n{edited.url}")


@main.command()
@click.argument("award_id", metavar="ID")
@_site_option
def accept(award_id: str, site_dir: Path) -> None:
    """Mark award ID accepted by its earner, so their profile shows it.

    ID is the award's id or its first characters (at least 4; `badgesite list` shows them).
    """
    from badgesite.authoring.edits import accept as accept_award

    try:
        edited = accept_award(site_dir, award_id)
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(f"Accepted {edited.award_id} in {edited.file}\n{edited.url}")


@main.command()
@click.argument("award_id", metavar="ID")
@click.option("--reason", required=True, help="Why it is withdrawn; kept in the record.")
@_site_option
def withdraw(award_id: str, reason: str, site_dir: Path) -> None:
    """Record that published award ID is withdrawn on purpose (its URL will stop working).

    ID is the award's id or its first characters (at least 4).
    """
    from badgesite.authoring.edits import withdraw as withdraw_award

    try:
        withdrawn = withdraw_award(site_dir, award_id, reason, _today())
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(
        f"Recorded the withdrawal of {withdrawn.award_id} in {withdrawn.file}. "
        f"{withdrawn.next_step}"
    )


@main.command("list")
@_site_option
@click.option("--earner", default=None, help="Only this earner's awards (an earner slug).")
@click.option("--badge", default=None, help="Only awards of this badge (a badge slug).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    # listing.STATUSES, written out: importing it here would load the model for every command.
    type=click.Choice(["valid", "expired", "revoked", "not-yet-valid", "unaccepted"]),
    help="Only awards with this status now (repeatable: any of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the awards as JSON.")
def list_command(
    site_dir: Path,
    earner: str | None,
    badge: str | None,
    statuses: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the site's awards with their ids, oldest first; ID prefixes work in commands."""
    from badgesite.authoring.listing import as_json as listing_json
    from badgesite.authoring.listing import list_awards, table
    from badgesite.build import load_site

    try:
        site = load_site(site_dir)
        rows = list_awards(
            site,
            _build_time() or dt.datetime.now(dt.timezone.utc),
            earner=earner,
            badge=badge,
            statuses=statuses,
        )
    except ContentErrors as errors:
        _report_errors(errors, consequence=" in the content")
        sys.exit(1)
    except BadgesiteError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(listing_json(site, rows), indent=2, ensure_ascii=False))
    elif rows:
        click.echo(table(rows))
    else:
        click.echo("No awards match.", err=True)


_allow_private_hosts_option = click.option(
    "--allow-private-hosts",
    is_flag=True,
    help="Also fetch from loopback, private and link-local addresses (an intranet issuer).",
)


@main.command("import")
@click.argument("source", required=False)
@click.option("--earner", default=None, help="Slug of the earner the badge belongs to.")
@_site_option
@click.option("--refresh", is_flag=True, help="Re-fetch every snapshot and report changes.")
@click.option(
    "--unverified", is_flag=True, help="Keep a badge that does not verify, marked unverified."
)
@_allow_private_hosts_option
def import_command(
    source: str | None,
    earner: str | None,
    site_dir: Path,
    refresh: bool,
    unverified: bool,
    allow_private_hosts: bool,
) -> None:
    """Import a badge from another issuer: a hosted assertion URL, a JSON file or a baked image."""
    from badgesite.openbadges.fetch import Fetcher
    from badgesite.openbadges.snapshot import ImportProblem, import_badge, refresh_all

    fetcher = Fetcher(allow_private_hosts=allow_private_hosts)
    if refresh:
        if source or earner:
            raise click.UsageError("--refresh takes no SOURCE or --earner")
        results = refresh_all(site_dir, fetcher, now=_build_time())
        for result in results:
            change = f"{result.before} -> {result.after}" if result.changed else result.after
            click.echo(f"{result.key}: {change} ({result.detail})")
        changed = sum(result.changed for result in results)
        click.echo(f"Refreshed {counted(len(results), 'imported badge')}; {changed} changed.")
        return
    if not source or not earner:
        raise click.UsageError("give a SOURCE and --earner SLUG (or --refresh)")
    try:
        result = import_badge(
            site_dir, source, earner, fetcher, now=_build_time(), allow_unverified=unverified
        )
    except ImportProblem as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    assertion = result.report.assertion
    click.echo(
        f"Imported '{assertion.badge.name}' from {assertion.badge.issuer.name} for {earner} "
        f"({result.status}) into {result.path}"
    )


@main.command()
@click.argument("source")
@click.option("--email", default=None, help="Also check the badge was issued to this address.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_allow_private_hosts_option
def verify(source: str, email: str | None, as_json: bool, allow_private_hosts: bool) -> None:
    """Verify a hosted Open Badges assertion (URL, JSON file or baked image); exit 0 if valid."""
    from badgesite.openbadges.fetch import Fetcher, FetchProblem
    from badgesite.openbadges.verify import format_report, unreachable_json, verify_source

    fetcher = Fetcher(allow_private_hosts=allow_private_hosts)
    try:
        report = verify_source(source, fetcher, now=_build_time(), email=email)
    except FetchProblem as problem:
        if as_json:
            click.echo(json.dumps(unreachable_json(source, str(problem), _build_time()), indent=2))
        else:
            click.echo(f"INVALID: {problem}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report.valid else 1)


def _http_url_argument(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    from badgesite.schema.fields import is_http_url

    if not is_http_url(value):
        raise click.BadParameter(f"'{value}' is not an absolute http(s) URL")
    return value


@main.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("url", callback=_http_url_argument)
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the baked image (.png or .svg, as IMAGE).",
)
def bake(image: Path, url: str, target: Path) -> None:
    """Bake an assertion URL into a PNG or SVG badge image."""
    from badgesite.openbadges.bake import BakeError, bake_file

    try:
        bake_file(image, url, target)
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Baked {url} into {target}")


@main.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
def unbake(image: Path) -> None:
    """Print the assertion baked into a PNG or SVG badge image."""
    from badgesite.openbadges.bake import BakeError, unbake_file

    try:
        click.echo(unbake_file(image))
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
