"""Sending the notices of `badgesite notify`: SMTP (smtplib, certificates verified) or .eml
files for a dry run, at a steady rate, each email recorded as soon as it is accepted."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from badgesite.authoring.notified import NotifiedLog
from badgesite.authoring.notify_messages import Notice
from badgesite.errors import BadgesiteError
from badgesite.guards.addresses import EMAIL_IN_TEXT
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.shown_text import shown
from badgesite.schema.site import SMTP_PASSWORD_VARIABLE, SmtpSettings

TIMEOUT_SECONDS = 60.0
DEFAULT_PER_MINUTE = 60


class NotifyFailed(BadgesiteError):
    """Nothing could be sent: the server could not be reached, or refused the login."""


class Refused(Exception):
    """The server refused this one message (its recipient, mostly): the batch goes on."""


class ConnectionLost(Exception):
    """The connection broke: the batch stops, and what was sent stays recorded."""


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RateLimit:
    """At most per_minute messages a minute, evenly spaced (a provider's limit is kept
    even by a batch that runs for hours); the clock is given, so a test needs no sleep."""

    def __init__(self, per_minute: int, clock: Clock | None = None) -> None:
        self.interval = 60.0 / per_minute
        self.clock = clock or SystemClock()
        self.next_at: float | None = None

    def wait(self) -> None:
        now = self.clock.monotonic()
        if self.next_at is not None and now < self.next_at:
            self.clock.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


class Transport(Protocol):
    def send(self, message: EmailMessage, notice: Notice) -> None: ...

    def close(self) -> None: ...


def _said(error: smtplib.SMTPResponseException | tuple[int, bytes | str]) -> str:
    """What the server said, one line, addresses masked (it often repeats the recipient)."""
    if isinstance(error, tuple):
        code, text = error
    else:
        code, text = error.smtp_code, error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = EMAIL_IN_TEXT.sub("<address>", " ".join(str(text).split()))
    return f"{code} {shown(text)}".strip()


class SmtpTransport:
    """One connection for the whole batch: STARTTLS, implicit TLS or plain, logged in when
    the settings name a user. TLS certificates are verified (the system's trust store, or
    the context given)."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        context = ssl_context or ssl.create_default_context()
        where = f"smtp: {settings.host}:{settings.port}"
        local_name = socket.gethostname() or "localhost"
        try:
            if settings.security == "ssl":
                self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    local_hostname=local_name,
                    timeout=timeout,
                    context=context,
                )
            else:
                self.smtp = smtplib.SMTP(
                    settings.host, settings.port, local_hostname=local_name, timeout=timeout
                )
            self.smtp.ehlo()
            if settings.security == "starttls":
                if not self.smtp.has_extn("starttls"):
                    self.smtp.close()
                    raise NotifyFailed(
                        f"{where}: the server does not offer STARTTLS, and nothing is sent "
                        "unencrypted: check the port, or set `security: ssl` for port 465"
                    )
                self.smtp.starttls(context=context)
                self.smtp.ehlo()
            if settings.username:
                self.smtp.login(settings.username, password)
        except ssl.SSLCertVerificationError as error:
            raise NotifyFailed(
                f"{where}: its TLS certificate is not trusted ({error.verify_message}); "
                "nothing was sent"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise NotifyFailed(
                f"{where}: the server refused the login of smtp.username ({_said(error)}): "
                f"check it and {SMTP_PASSWORD_VARIABLE}; nothing was sent"
            ) from None
        except smtplib.SMTPNotSupportedError:
            self.close()
            raise NotifyFailed(
                f"{where}: the server offers no login (AUTH) on this connection; nothing was sent"
            ) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            raise NotifyFailed(
                f"{where}: the server said {_said(error)}; nothing was sent"
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise NotifyFailed(
                f"{where}: cannot connect ({shown(str(error)) or type(error).__name__}); "
                "nothing was sent"
            ) from None

    def send(self, message: EmailMessage, notice: Notice) -> None:
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            said = "; ".join(_said(answer) for answer in error.recipients.values())
            raise Refused(f"the server refused the address ({said})") from None
        except smtplib.SMTPNotSupportedError:
            raise Refused(
                "the address is not ASCII, and the server does not take such addresses (SMTPUTF8)"
            ) from None
        except smtplib.SMTPServerDisconnected as error:
            raise ConnectionLost(
                f"the server closed the connection ({error or 'no reason'})"
            ) from None
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600 and not isinstance(error, smtplib.SMTPSenderRefused):
                raise Refused(f"the server refused the message ({_said(error)})") from None
            raise ConnectionLost(f"the server said {_said(error)}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionLost(f"the connection failed ({shown(str(error))})") from None

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


class DryRunTransport:
    """Writes each message to folder as <award id>-<kind>.eml, and sends nothing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, notice: Notice) -> None:
        write_atomic(self.folder / f"{notice.award_id}-{notice.kind}.eml", message.as_bytes())

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Failed:
    notice: Notice
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What a batch did: the notices sent (and recorded), refused, and why it stopped
    early (empty when it went through)."""

    sent: tuple[Notice, ...]
    refused: tuple[Failed, ...]
    stopped: str = ""


def send_all(
    notices: Sequence[Notice],
    make: Callable[[Notice], EmailMessage],
    transport: Transport,
    log: NotifiedLog | None,
    today: dt.date,
    rate: RateLimit | None = None,
) -> Outcome:
    """Send each notice in turn; each one accepted is recorded before the next is sent
    (log None: a dry run records nothing). A refused message is noted and the batch goes
    on; a broken connection stops it."""
    sent: list[Notice] = []
    refused: list[Failed] = []
    stopped = ""
    try:
        for notice in notices:
            message = make(notice)
            if rate is not None:
                rate.wait()
            try:
                transport.send(message, notice)
            except Refused as problem:
                refused.append(Failed(notice, str(problem)))
                continue
            except ConnectionLost as problem:
                stopped = str(problem)
                break
            if log is not None:
                log.add(notice.award_id, notice.kind, today)
            sent.append(notice)
    finally:
        transport.close()
    return Outcome(tuple(sent), tuple(refused), stopped)
