"""Writes of the messaging app: opt-outs, consent to be contacted, subscriptions, template edits."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.companies.models import CompanyContact
from jobbro.messaging import addresses, templates
from jobbro.messaging.models import Channel, CitizenContactConsent, OptOut, Subscription
from jobbro.people.models import Citizen


def opt_out(*, address, purpose="", via=OptOut.Via.LINK, acting_user=None):
    """Record that the address wants no more messages of the purpose (blank: none at all); a subscription to the
    small-jobs list (of every programme) ends with it."""
    channel = addresses.channel_of(address)
    normal = addresses.normalise(channel, address)
    with transaction.atomic():
        row, _created = OptOut.objects.get_or_create(
            address=normal, purpose=purpose, defaults={"via": via, "created_by": acting_user}
        )
        if channel == Channel.EMAIL and purpose in ("", "small_jobs_list"):
            Subscription.objects.filter(email__iexact=normal, ended_at__isnull=True).update(ended_at=timezone.now())
        # The change log names the opt-out row and how it came, never the address.
        log_change(
            user=acting_user, action=Action.OPT_OUT_OF_MESSAGES, obj=row, changes={"purpose": purpose, "via": row.via}
        )
    return row


@transaction.atomic
def record_contact_consent(*, acting_user, citizen, channel, given):
    """A citizen's consent (or its withdrawal) to be contacted on a channel: a new history row, never an edit. By
    staff who do the case work and can see the citizen."""
    if channel not in Channel.values:
        raise ValueError(channel)
    if (
        not may(acting_user, Capability.CASE_WORK)
        or not Citizen.objects.visible_to(acting_user).filter(pk=citizen.pk).exists()
    ):
        raise PermissionDenied
    row = CitizenContactConsent.objects.create(citizen=citizen, channel=channel, given=given, recorded_by=acting_user)
    log_change(
        user=acting_user,
        action=Action.RECORD_CONTACT_CONSENT,
        obj=row,
        citizen_pk=citizen.pk,
        changes={"channel": channel, "given": given},
    )
    return row


def subscribe(*, acting_user, programme, email="", contact=None):
    """Put an address (or a company contact's e-mail) on the programme's small-jobs list; the active subscription when
    it is on it already. An address of a contact person in the programme's network is linked to them (the list
    greets them by name and the message log of their company shows it). Subscribing again lifts an earlier opt-out
    of the list."""
    email = (email or (contact.email if contact else "")).strip().lower()
    if not email:
        raise ValueError("A subscription needs an e-mail address")
    if contact is None:  # an address of a contact person in the programme's network is theirs
        contact = (
            CompanyContact.objects.filter(email__iexact=email, company__agreements__programme=programme)
            .order_by("pk")
            .first()
        )
    with transaction.atomic():
        existing = Subscription.objects.filter(programme=programme, email=email, ended_at__isnull=True).first()
        if existing:
            return existing
        OptOut.objects.filter(address=email, purpose="small_jobs_list").delete()
        row = Subscription.objects.create(programme=programme, email=email, contact=contact, created_by=acting_user)
        log_change(
            user=acting_user, action=Action.SUBSCRIBE_SMALL_JOBS_LIST, obj=row, changes={"programme": programme.pk}
        )
        return row


@transaction.atomic
def end_subscription(*, subscription, acting_user=None):
    if Subscription.objects.filter(pk=subscription.pk, ended_at__isnull=True).update(ended_at=timezone.now()):
        log_change(user=acting_user, action=Action.END_SMALL_JOBS_SUBSCRIPTION, obj=subscription)


def edit_template(*, acting_user, template, subject, body):
    """Change a template's text after checking that it renders (ValidationError naming the field otherwise)."""
    if not may(acting_user, Capability.MANAGE_MESSAGES):
        raise PermissionDenied
    templates.check(template.key, subject, body)
    template.subject = subject
    template.body = body
    template.updated_by = acting_user
    with transaction.atomic():
        template.save()
        log_change(user=acting_user, action=Action.EDIT_MESSAGE_TEMPLATE, obj=template, changes={"key": template.key})
    return template
