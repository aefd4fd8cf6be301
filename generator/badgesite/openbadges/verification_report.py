"""What a verification found, and how it is shown: as JSON, and as the text `verify` prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from badgesite.openbadges.reader import ForeignAssertion
from badgesite.openbadges.recipient_check import (
    MATCHED,
    NOT_CHECKED,
    OPTION_OF_TYPE,
    UNCHECKED,
    RecipientResult,
)
from badgesite.primitives.moments import timestamp

# The same words as badgesite.errors' severities, which the standard's code may not import.
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CheckResult:
    """One rule's verdict on a foreign assertion; errors.Finding is a located content problem."""

    level: str  # ERROR or WARNING
    check: str  # short name of the rule: id, origin, dates, revocation...
    message: str


@dataclass(frozen=True)
class VerificationReport:
    source: str
    version: str
    verification_url: str
    checked_at: dt.datetime
    findings: tuple[CheckResult, ...]
    assertion: ForeignAssertion
    # What an Open Badges 3.0 verification established (proof, key, status...), in order.
    details: tuple[tuple[str, str], ...] = ()
    recipient: RecipientResult = UNCHECKED

    @property
    def errors(self) -> tuple[CheckResult, ...]:
        return tuple(finding for finding in self.findings if finding.level == ERROR)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(finding for finding in self.findings if finding.level == WARNING)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        """valid, revoked, expired or invalid: the word a profile page shows."""
        checks = {finding.check for finding in self.errors}
        if not checks:
            return "valid"
        if "revocation" in checks:
            return "revoked"
        if checks == {"expiry"}:
            return "expired"
        return "invalid"

    def as_json(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "source": self.source,
            "valid": self.valid,
            "status": self.status,
            "version": self.version,
            "verificationUrl": self.verification_url,
            "checkedAt": timestamp(self.checked_at),
            "badge": self.assertion.badge.name,
            "issuer": self.assertion.badge.issuer.name,
            "recipient": self.recipient.as_json(),
            "errors": [{"check": f.check, "message": f.message} for f in self.errors],
            "warnings": [{"check": f.check, "message": f.message} for f in self.warnings],
        }
        if self.details:
            report["details"] = dict(self.details)
        return report


def unreachable_json(source: str, problem: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The JSON report when the assertion itself could not be retrieved."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    return {
        "source": source,
        "valid": False,
        "status": "unreachable",
        "version": "",
        "verificationUrl": "",
        "checkedAt": timestamp(moment),
        "badge": "",
        "issuer": "",
        "recipient": UNCHECKED.as_json(),
        "errors": [{"check": "fetch", "message": problem}],
        "warnings": [],
    }


def format_report(report: VerificationReport) -> str:
    """The readable report `badgesite verify` prints."""
    badge = report.assertion.badge
    lines = [
        f"{'VALID' if report.valid else 'INVALID'} ({report.status}): "
        f"{badge.name or '(no name)'} from {badge.issuer.name or '(unknown issuer)'}",
        f"  Open Badges {report.version}, verified at {report.verification_url or '(nowhere)'}",
        f"  recipient: {_recipient_line(report.recipient)}",
    ]
    lines += [  # the verification method is the "verified at" line already
        f"  {name}: {value}" for name, value in report.details if value != report.verification_url
    ]
    lines += [f"  error   [{f.check}] {f.message}" for f in report.errors]
    lines += [f"  warning [{f.check}] {f.message}" for f in report.warnings]
    return "\n".join(_printable(line) for line in lines)


def _recipient_line(result: RecipientResult) -> str:
    """matched (email, sha256), not matched (...) or not checked, with the option to use."""
    kind = result.type[:40] or "no type"
    how = f"{kind}, {result.hash or 'unknown hash'}"
    if result.result == NOT_CHECKED:
        option = OPTION_OF_TYPE.get(result.type or "email")
        then = f"give {option} to check it" if option else "which badgesite cannot check"
        return f"{NOT_CHECKED} (identified by {how}; {then})"
    if result.result == MATCHED:
        return f"{MATCHED} ({how})"
    return f"{result.result} ({how})"


def _printable(line: str) -> str:
    """Foreign text reaches a terminal too: no escape sequences or control characters."""
    return "".join(char if char.isprintable() else "?" for char in line)
