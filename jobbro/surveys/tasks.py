"""Sending a questionnaire's links by message runs on the task worker (`manage.py db_worker`), never in a request.

`send` (surveys/actions.py) makes the invitations and their tokens in the request and queues one task with the
(invitation, token) pairs, encrypted (`sealed`); the worker writes one message per recipient with an address into the outbox
(jobbro/messaging/outbox.py), which sends it. The outbox skips a citizen who has not consented to be contacted on the
channel and every address that opted out of questionnaires; those recipients are handed their link by staff (the page
of links). A message is queued once per invitation (its dedupe key), so a task run twice sends nothing twice.
"""

import json
import logging

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from jobbro.messaging import addresses, outbox
from jobbro.messaging.models import Channel, Purpose
from jobbro.people import cpr
from jobbro.surveys import links
from jobbro.surveys.models import Invitation, Questionnaire

log = logging.getLogger(__name__)

PURPOSE = Purpose.QUESTIONNAIRE
TEMPLATE = "questionnaire_invitation"
TEMPLATE_SMS = "questionnaire_invitation_sms"
# The Danish default texts; coordinators change them on the messages page like any other template.
DEFAULT = (
    "Spørgeskema: {{ title }}",
    "Hej {{ name }}\n\n"
    "Vil du svare på nogle få spørgsmål om {{ programme }}? Det tager få minutter.\n\n"
    "{{ link }}\n\n"
    "Linket virker til {{ expires }} og kan bruges én gang.\n\n"
    "Venlig hilsen\n{{ programme }}",
)
DEFAULT_SMS = (
    "",
    "Hej {{ name }}. Vil du svare på nogle få spørgsmål om {{ programme }}? {{ link }} (virker til {{ expires }}).",
)


def sealed(pairs):
    """The (invitation, token) pairs encrypted for the task's row (the CPR keys' MultiFernet, as imports/storage.py
    encrypts an uploaded file): the task table never holds a usable link in clear."""
    return cpr._fernet(tuple(settings.CPR_KEYS)).encrypt(json.dumps([list(pair) for pair in pairs]).encode()).decode()


def unsealed(token):
    return json.loads(cpr._fernet(tuple(settings.CPR_KEYS)).decrypt(token.encode()))


def enqueue(questionnaire, pairs, base_url=None):
    """Queue the messages of a sending: the database backend writes the task in the caller's transaction."""
    if pairs:
        queue_messages.enqueue(questionnaire.pk, sealed(pairs), base_url or "")


@task()
def queue_messages(questionnaire_id, pairs, base_url):
    with translation.override(settings.LANGUAGE_CODE):
        return execute(questionnaire_id, unsealed(pairs), base_url)


def address_of(invitation):
    """(channel, address, citizen, company) of the recipient, or None without an address: e-mail first, else SMS."""
    if invitation.enrolment_id:
        person, citizen, company = invitation.enrolment.citizen, invitation.enrolment.citizen, None
    elif invitation.contact_id:
        person, citizen, company = invitation.contact, None, invitation.contact.company
    else:
        person, citizen, company = invitation.user, None, None
    email = (getattr(person, "email", "") or "").strip()
    phone = (getattr(person, "phone", "") or "").strip()
    if email:
        return Channel.EMAIL, email, citizen, company
    if phone and addresses.normalise(Channel.SMS, phone):
        return Channel.SMS, phone, citizen, company
    return None


def name_of(invitation):
    if invitation.enrolment_id:
        return invitation.enrolment.citizen.first_name
    if invitation.contact_id:
        return invitation.contact.name
    return invitation.user.first_name or invitation.user.get_username()


def execute(questionnaire_id, pairs, base_url):
    questionnaire = Questionnaire.objects.select_related("programme").get(pk=questionnaire_id)
    tokens = {int(pk): token for pk, token in pairs}
    invitations = Invitation.objects.filter(pk__in=tokens, answered_at__isnull=True).select_related(
        "enrolment__citizen", "contact__company", "user"
    )
    queued = []
    for invitation in invitations:
        found = address_of(invitation)
        if found is None:
            continue
        channel, to, citizen, company = found
        context = {
            "name": name_of(invitation),
            "title": questionnaire.title,
            "programme": questionnaire.programme.name,
            "link": links.url_for(tokens[invitation.pk], base_url or None),
            "expires": f"{timezone.localtime(invitation.expires_at):%d.%m.%Y}",
        }
        if channel == Channel.EMAIL:
            subject, body = outbox.render(TEMPLATE, context, default=DEFAULT)
        else:
            subject, body = outbox.render(TEMPLATE_SMS, context, default=DEFAULT_SMS)
        message = outbox.queue(
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            dedupe_key=f"questionnaire:{invitation.pk}",
            citizen=citizen,
            company=company,
            purpose=PURPOSE,
            acting_user=questionnaire.created_by,
        )
        if message is not None:
            queued.append(invitation.pk)
    # The worker's own record of what it queued (as messaging/tasks.py keeps a message's state): no one's change.
    Invitation.objects.filter(pk__in=queued, sent_at__isnull=True).update(sent_at=timezone.now())
    log.info("Questionnaire %s: %s of %s messages queued", questionnaire_id, len(queued), len(tokens))
    return len(queued)
