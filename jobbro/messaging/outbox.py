"""The outbox: `queue()` writes a message in the caller's transaction; the task worker sends it after commit
(messaging/tasks.py). `render()` gives a staff-editable template's subject and text.

    queue(channel="email", to="a@b.dk", subject=..., body=..., dedupe_key="hours:12:2026-W47",
          purpose="hours_reminder", company=company)

- The same dedupe_key never sends twice: the existing message is returned.
- None, and nothing recorded, when the address has opted out of the purpose (or of everything), or when the message
  goes to a citizen (a citizen is given and the address is not a company contact's or a staff user's) who has not
  consented to be contacted on that channel.
- E-mails for a subscription or reminder purpose get an unsubscribe link (signed, no login) at the end of the text
  and in a List-Unsubscribe header.
"""

import base64
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace

from jobbro.messaging import addresses, unsubscribe
from jobbro.messaging.models import Channel, CitizenContactConsent, Message, OptOut
from jobbro.messaging.templates import render  # noqa: F401  (part of the API: outbox.render)

log = logging.getLogger(__name__)


def opted_out(channel, address, purpose):
    address = addresses.normalise(channel, address)
    return OptOut.objects.filter(Q(purpose="") | Q(purpose=purpose), address=address).exists()


def has_consent(citizen, channel):
    newest = CitizenContactConsent.objects.filter(citizen=citizen, channel=channel).order_by("-recorded_at", "-pk")
    row = newest.first()
    return bool(row and row.given)


def _is_someone_else(channel, address):
    """Whether the address is a company contact's or a staff user's (then a citizen's consent is not what counts)."""
    from jobbro.companies.models import CompanyContact

    if channel == Channel.EMAIL:
        return (
            CompanyContact.objects.filter(email__iexact=address).exists()
            or get_user_model().objects.filter(email__iexact=address).exists()
        )
    wanted = addresses.normalise(Channel.SMS, address)
    bare = Replace(Replace(Replace("phone", Value(" "), Value("")), Value("-"), Value("")), Value("."), Value(""))
    phones = (
        CompanyContact.objects.exclude(phone="")
        .annotate(bare=bare)
        .filter(bare__endswith=wanted[-8:])
        .values_list("phone", flat=True)
    )
    return any(addresses.normalise(Channel.SMS, phone) == wanted for phone in phones)


def needs_citizen_consent(citizen, channel, address):
    return citizen is not None and not _is_someone_else(channel, address)


def queue(
    *,
    channel,
    to,
    subject="",
    body,
    dedupe_key,
    citizen=None,
    company=None,
    attachments=(),
    purpose,
    acting_user=None,
):
    """The message for `dedupe_key`, queued now or earlier; None when the recipient may not be sent it."""
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    if not to or not dedupe_key or not purpose:
        raise ValueError("A message needs an address, a dedupe key and a purpose")
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    if opted_out(channel, to, purpose):
        log.info("A %s message (%s) not queued: the recipient opted out", channel, purpose)
        return None
    if needs_citizen_consent(citizen, channel, to) and not has_consent(citizen, channel):
        log.info("A %s message (%s) not queued: the citizen has not consented to the channel", channel, purpose)
        return None
    stored = [
        {
            "filename": name,
            "mimetype": mimetype,
            "content": base64.b64encode(content.encode() if isinstance(content, str) else content).decode(),
        }
        for name, content, mimetype in attachments
    ]
    try:
        with transaction.atomic():
            message = Message.objects.create(
                channel=channel,
                to=to.strip(),
                subject=subject[:250],
                body=body,
                attachments=stored,
                purpose=purpose,
                citizen=citizen,
                company=company,
                dedupe_key=dedupe_key,
                created_by=acting_user,
            )
            if channel == Channel.EMAIL and purpose in unsubscribe.WITH_LINK:
                message.unsubscribe_url = unsubscribe.url(message.pk)
                _footer_subject, footer = render("unsubscribe_footer", {"link": message.unsubscribe_url})
                message.body = body.rstrip("\n") + "\n\n-- \n" + footer
                message.save(update_fields=["unsubscribe_url", "body"])
    except IntegrityError:  # queued at the same moment by another transaction
        return Message.objects.get(dedupe_key=dedupe_key)
    from jobbro.messaging import tasks

    transaction.on_commit(lambda: tasks.enqueue(message.pk))
    return message
