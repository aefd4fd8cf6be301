"""The emails of `badgesite notify`: one multipart message (text and HTML) per notice, in
the site's language, from the theme's templates/email/ and i18n texts."""

from __future__ import annotations

import datetime as dt
import email.policy
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from badgesite import urls
from badgesite.authoring.notified import EXPIRING_PREFIX
from badgesite.errors import ContentErrors
from badgesite.model import Award, Site
from badgesite.publishing.ob3 import publishes_credentials
from badgesite.render import PageTemplates
from badgesite.schema.site import SmtpSettings
from badgesite.templating import sharing
from badgesite.templating.themes import ThemeChain
from badgesite.urls import UrlResolver

SUBJECT_TEMPLATE = "email/subject.txt"
TEXT_TEMPLATE = "email/notice.txt"
HTML_TEMPLATE = "email/notice.html"
MAX_SUBJECT_CHARACTERS = 250
# Lines end in CRLF, as SMTP wants them, and header lines are folded at 78 characters.
POLICY = email.policy.SMTP
UTF8_POLICY = email.policy.SMTPUTF8


@dataclass(frozen=True)
class Notice:
    """One email to send: which award, which kind (notified.AWARDED, expiring-<days>,
    EXPIRED), the address it goes to, which lives here only, never in a file, and the row
    of the CSV it came from (0: an address given on the command line)."""

    award_id: str
    kind: str
    address: str = field(repr=False)
    row: int = 0

    @property
    def template_kind(self) -> str:
        """awarded, expiring or expired: what the templates and texts are chosen by."""
        return "expiring" if self.kind.startswith(EXPIRING_PREFIX) else self.kind


class MessageMaker:
    """Makes the message of each notice of one site, with its theme's email templates."""

    def __init__(self, site: Site, theme: ThemeChain, smtp: SmtpSettings, now: dt.datetime):
        self.site = site
        self.smtp = smtp
        self.now = now
        self.templates = PageTemplates(theme, site.config)
        if self.templates.errors:
            raise ContentErrors(self.templates.errors)
        self.templates.environment.globals.update(
            t=self.templates.translations, language=site.config.language, config=site.config
        )
        self.resolver = UrlResolver(site.config.base_url)
        self.credentials = not publishes_credentials(site.config)

    def context(self, award: Award, kind: str) -> dict[str, Any]:
        """What the templates are given: the award's records, dates as the site writes
        them, and the absolute URLs the message links to."""
        absolute = self.resolver.absolute
        page_url = absolute(urls.award_page(award.id))
        badge = award.badge
        return {
            "kind": kind,
            "award": award,
            "badge": badge,
            "issuer": badge.issuer,
            "earner": award.earner,
            "issued": self.templates.format_date(award.issued_on),
            "expires": self.templates.format_date(award.expires),
            "page_url": page_url,
            "card_url": absolute(urls.award_card(award.id)),
            "image_url": absolute(urls.award_image(award.id, badge.image.extension)),
            "credential_url": absolute(urls.award_credential(award.id)) if self.credentials else "",
            "linkedin_add_url": sharing.linkedin_add_to_profile(
                sharing.linkedin_certification(award, page_url, self.site.config.zone)
            ),
            "linkedin_share_url": sharing.share_links(page_url, badge.name)[0].url,
            "renewal_url": badge.renewal_url,
        }

    def make(self, notice: Notice) -> EmailMessage:
        """The message of one notice; raises TemplateFailed (a ContentErrors) when a
        template of the theme fails."""
        award = self.site.awards[notice.award_id]
        context = self.context(award, notice.template_kind)
        subject = " ".join(self.templates.render(SUBJECT_TEMPLATE, context).split())
        context["subject"] = subject[:MAX_SUBJECT_CHARACTERS]
        # An address beyond ASCII needs a server that speaks SMTPUTF8 (RFC 6531).
        message = EmailMessage(policy=POLICY if notice.address.isascii() else UTF8_POLICY)
        message["Subject"] = context["subject"]
        message["From"] = Address(self.site.config.title, addr_spec=self.smtp.sender)
        message["To"] = Address(award.earner.name, addr_spec=notice.address)
        issuer = award.badge.issuer
        message["Reply-To"] = Address(issuer.name, addr_spec=self.smtp.reply_to or issuer.email)
        message["Date"] = format_datetime(self.now)
        message["Message-ID"] = make_msgid("badgesite", domain=self.smtp.sender.split("@")[-1])
        # RFC 3834: sent by a program, so vacation responders stay quiet.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Badgesite-Notice"] = f"{notice.kind} {award.id}"
        message.set_content(self.templates.render(TEXT_TEMPLATE, context))
        message.add_alternative(self.templates.render(HTML_TEMPLATE, context), subtype="html")
        # After the parts: setting the content clears the Content-* headers.
        message["Content-Language"] = self.site.config.language
        return message
