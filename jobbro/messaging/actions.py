"""Writes of the messaging app: opt-outs, consent to be contacted, subscriptions, template edits."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jobbro.accounts.policy import Capability, may
from jobbro.companies.models import CompanyContact
from jobbro.messaging import addresses, templates
from jobbro.messaging.models import Channel, CitizenContactConsent, OptOut, Subscription


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
    return row


def record_contact_consent(*, acting_user, citizen, channel, given):
    if channel not in Channel.values:
        raise ValueError(channel)
    return CitizenContactConsent.objects.create(citizen=citizen, channel=channel, given=given, recorded_by=acting_user)


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
        return Subscription.objects.create(programme=programme, email=email, contact=contact, created_by=acting_user)


def end_subscription(*, subscription, acting_user=None):
    Subscription.objects.filter(pk=subscription.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def edit_template(*, acting_user, template, subject, body):
    """Change a template's text after checking that it renders (ValidationError naming the field otherwise)."""
    if not may(acting_user, Capability.MANAGE_MESSAGES):
        raise PermissionDenied
    templates.check(template.key, subject, body)
    template.subject = subject
    template.body = body
    template.updated_by = acting_user
    template.save()
    return template
