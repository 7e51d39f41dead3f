"""The message log of a citizen or a company: which messages were sent about them, and what a reader may see of each.

Everyone who may open the page sees a message's date, channel, purpose and state. Its recipient, subject and text
are shown only when the message concerns no citizen, or the reader may read case notes (a message's text about a
citizen is a case note, accounts/free_text.py) and may see that citizen."""

from jobbro.accounts.policy import Capability, may
from jobbro.messaging.models import CitizenContactConsent, Message

SHOWN = 25


def messages_about(user, *, citizen=None, company=None, limit=SHOWN):
    from jobbro.people.models import Citizen

    messages = Message.objects.all()
    if citizen is not None:
        messages = messages.filter(citizen=citizen)
    if company is not None:
        messages = messages.filter(company=company)
    rows = list(messages.order_by("-created_at", "-pk")[:limit])
    reads_notes = may(user, Capability.READ_NOTES)
    citizen_ids = {row.citizen_id for row in rows if row.citizen_id}
    visible = {citizen.pk} if citizen is not None else set()  # the citizen page is shown only to those who see them
    if reads_notes and citizen_ids - visible:
        visible = set(Citizen.objects.filter(pk__in=citizen_ids).each_visible_to(user).values_list("pk", flat=True))
    for row in rows:
        row.details_shown = row.citizen_id is None or (reads_notes and row.citizen_id in visible)
    return rows


def consent_state(citizen):
    """{channel: the newest CitizenContactConsent row or None}."""
    newest = {}
    for row in CitizenContactConsent.objects.filter(citizen=citizen).order_by("recorded_at", "pk"):
        newest[row.channel] = row
    return newest
