"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the notify tests: plain, STARTTLS or
implicit TLS, with AUTH, refused recipients and a connection dropped on purpose."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "badges", "s3cret-for-tests"


@dataclass
class Mailbox:
    """What the server received, and how it misbehaves."""

    refused: set[str] = field(default_factory=set)  # answered 550 at RCPT
    drop_after: int | None = None  # close the connection once this many were accepted
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()  # the connection drops, as a server that dies would
            return "421 4.3.0 going away"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


def _authenticator(mailbox: Mailbox):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if (user, password) == (USER, PASSWORD):
                mailbox.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return check


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    port: int
    mailbox: Mailbox


@contextmanager
def smtp_server(
    mailbox: Mailbox | None = None,
    security: str = "none",
    certificate: ssl.SSLContext | None = None,
    auth: bool = False,
) -> Iterator[Server]:
    """A server for one test; security none, starttls (required) or ssl (implicit TLS),
    with the server-side TLS context given; auth: logins required (USER, PASSWORD)."""
    mailbox = mailbox or Mailbox()
    port = _free_port()
    options: dict = {}
    if security == "starttls":
        options.update(tls_context=certificate, require_starttls=True)
    if security == "ssl":
        options.update(ssl_context=certificate)
    if auth:
        options.update(
            authenticator=_authenticator(mailbox),
            auth_required=True,
            # aiosmtpd knows of TLS begun by STARTTLS only: with implicit TLS the
            # connection is encrypted from the first byte all the same.
            auth_require_tls=security == "starttls",
        )
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **options
    )
    controller.start()
    try:
        yield Server(port, mailbox)
    finally:
        controller.stop()
