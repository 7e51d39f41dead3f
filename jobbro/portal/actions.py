"""The writes of the portal: a small job proposed through a company's link, and the coordinator's decision on it.

Approving turns the proposal into an Opening through the companies app's own action (companies.actions.add_opening),
so the small job is checked and logged as any other; the proposal keeps the opening it became.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases import rules
from jobbro.companies import actions as company_actions
from jobbro.days import today
from jobbro.portal.models import COMPANY_AUDIENCES, PendingOpening


def _require(condition):
    if not condition:
        raise PermissionDenied


@transaction.atomic
def propose_opening(*, link, title, description, weekly_hours, starts_on, now=None):
    """A company contact or buddy proposes a small job through their link; it waits for the coordinator."""
    now = now or timezone.now()
    _require(link is not None and link.is_live(now) and link.audience in COMPANY_AUDIENCES)
    errors = {}
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = _("Write a title.")
    if not description:
        errors["description"] = _("Describe the tasks.")
    try:
        hours = rules.parse_hours(weekly_hours)
    except ValidationError as error:
        errors["weekly_hours"] = error.messages
    else:
        if hours is None:
            errors["weekly_hours"] = _("Write the hours a week.")
    if starts_on is None:
        errors["starts_on"] = _("Give the start date.")
    elif starts_on < timezone.localdate(now):
        errors["starts_on"] = _("The start cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    pending = PendingOpening(
        link=link,
        company=link.contact.company,
        programme=link.programme,
        title=title,
        description=description,
        weekly_hours=hours,
        starts_on=starts_on,
        proposed_at=now,
    )
    too_long = textlimits.length_errors(pending)
    if too_long:
        raise ValidationError(too_long)
    pending.full_clean(exclude=["link", "company", "programme"])
    pending.save()
    log_change(
        user=None,
        action=Action.PROPOSE_OPENING_BY_LINK,
        obj=pending,
        changes={"link": link.pk, "company": pending.company_id, "title": title, "weekly_hours": str(hours)},
    )
    return pending


def visible_pending(user):
    """The proposals waiting in the user's programmes (coordinators and administrators only)."""
    if not may(user, Capability.MANAGE_NETWORK):
        return PendingOpening.objects.none()
    return PendingOpening.objects.filter(
        status=PendingOpening.Status.PENDING, programme__in=access.visible_programmes(user)
    )


def _decidable(user, pending):
    _require(may(user, Capability.MANAGE_NETWORK))
    _require(access.visible_programmes(user).filter(pk=pending.programme_id).exists())
    pending = PendingOpening.objects.select_for_update().select_related("company", "programme").get(pk=pending.pk)
    if pending.status != PendingOpening.Status.PENDING:
        raise ValidationError(_("This small job has already been decided."))
    return pending


@transaction.atomic
def approve_proposed_opening(*, acting_user, pending, now=None):
    """Post the proposed small job on the board (companies.actions.add_opening) and mark the proposal approved."""
    pending = _decidable(acting_user, pending)
    opening = company_actions.add_opening(
        acting_user=acting_user,
        company=pending.company,
        programme=pending.programme,
        title=pending.title,
        tasks=pending.description,
        weekly_hours=pending.weekly_hours,
        posted_on=today(),
        buddy=pending.link.contact if pending.link.audience == "buddy" else None,
    )
    pending.status = PendingOpening.Status.APPROVED
    pending.decided_by = acting_user
    pending.decided_at = now or timezone.now()
    pending.opening = opening
    pending.save(update_fields=["status", "decided_by", "decided_at", "opening"])
    log_change(
        user=acting_user,
        action=Action.APPROVE_PROPOSED_OPENING,
        obj=pending,
        changes={"opening": opening.pk, "company": pending.company_id},
    )
    return opening


@transaction.atomic
def reject_proposed_opening(*, acting_user, pending, now=None):
    pending = _decidable(acting_user, pending)
    pending.status = PendingOpening.Status.REJECTED
    pending.decided_by = acting_user
    pending.decided_at = now or timezone.now()
    pending.save(update_fields=["status", "decided_by", "decided_at"])
    log_change(
        user=acting_user,
        action=Action.REJECT_PROPOSED_OPENING,
        obj=pending,
        changes={"company": pending.company_id, "title": pending.title},
    )
    return pending
