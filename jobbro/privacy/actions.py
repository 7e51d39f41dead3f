"""Every write of the citizen's rights: legal holds, retention periods, erasure on request and by retention, and the
logged export (prepared by the task worker, export_tasks.py). Each action checks who may (the role table and the
citizen's scope), validates first, writes its rows and a change-log row in one transaction.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobbro import days, textlimits
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.people.models import Citizen
from jobbro.privacy import erasure, export_tasks, retention
from jobbro.privacy.models import DataExport, ErasedKind, ErasureReceipt, LegalHold, RecordKind, RetentionPeriod

# What the user types to confirm an erasure on request (the page asks for it in capitals).
CONFIRMATION_WORD = "SLET"
MAX_MONTHS = 1200


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_in_scope(user, citizen):
    _require(Citizen.objects.filter(pk=citizen.pk).each_visible_to(user).exists())


def active_hold(citizen):
    return LegalHold.objects.filter(citizen=citizen, lifted_at__isnull=True).first()


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give the reason.")})
    if len(reason) > textlimits.NOTE:
        raise ValidationError({field: _("The reason is too long.")})
    return reason


# --- Legal hold ----------------------------------------------------------------------------------------------------


@transaction.atomic
def set_legal_hold(*, acting_user, citizen, reason):
    """Hold the citizen's records from erasure (by retention and on request) until the hold is lifted."""
    _require(may(acting_user, Capability.SET_LEGAL_HOLD))
    _require_in_scope(acting_user, citizen)
    reason = _reason(reason)
    if citizen.is_erased:
        raise ValidationError(_("The citizen's data has been erased: there is nothing left to hold."))
    if active_hold(citizen) is not None:
        raise ValidationError(_("The citizen's records are already held."))
    hold = LegalHold.objects.create(citizen=citizen, reason=reason, set_by=acting_user)
    log_change(user=acting_user, action=Action.SET_LEGAL_HOLD, obj=hold, citizen_pk=citizen.pk)
    return hold


@transaction.atomic
def lift_legal_hold(*, acting_user, citizen, reason):
    _require(may(acting_user, Capability.SET_LEGAL_HOLD))
    _require_in_scope(acting_user, citizen)
    reason = _reason(reason, "lift_reason")
    hold = LegalHold.objects.select_for_update().filter(citizen=citizen, lifted_at__isnull=True).first()
    if hold is None:
        raise ValidationError(_("The citizen's records are not held."))
    hold.lifted_at = timezone.now()
    hold.lifted_by = acting_user
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    log_change(user=acting_user, action=Action.LIFT_LEGAL_HOLD, obj=hold, citizen_pk=citizen.pk)
    return hold


# --- Retention periods ---------------------------------------------------------------------------------------------


@transaction.atomic
def set_retention_periods(*, acting_user, months):
    """Set the periods ({kind: months after exit}); the identity's must be at least every other kind's."""
    _require(may(acting_user, Capability.MANAGE_RETENTION))
    errors = {}
    for kind, value in months.items():
        if kind not in RecordKind.values:
            raise ValidationError(_("Unknown kind of record."))
        if value is None or not 1 <= int(value) <= MAX_MONTHS:
            errors[kind] = _("Give a number of months from 1 to %(most)d.") % {"most": MAX_MONTHS}
    if errors:
        raise ValidationError(errors)
    wanted = {**retention.periods(), **{kind: int(value) for kind, value in months.items()}}
    longer = [kind for kind, value in wanted.items() if value > wanted[RecordKind.IDENTITY]]
    if longer:
        raise ValidationError(
            {
                RecordKind.IDENTITY: _(
                    "The identity is erased with everything else, so its period must be at least as long as every "
                    "other kind's."
                )
            }
        )
    changed = {}
    current = retention.periods()
    for kind, value in months.items():
        value = int(value)
        if current[kind] == value and RetentionPeriod.objects.filter(kind=kind).exists():
            continue
        RetentionPeriod.objects.update_or_create(kind=kind, defaults={"months": value, "changed_by": acting_user})
        if current[kind] != value:
            changed[kind] = value
    if changed:
        first = RetentionPeriod.objects.get(kind=next(iter(changed)))
        log_change(user=acting_user, action=Action.SET_RETENTION_PERIODS, obj=first, changes=changed)
    return changed


# --- Erasure -------------------------------------------------------------------------------------------------------


def _new_reference():
    while True:
        reference = f"SL-{days.today():%Y%m%d}-{secrets.token_hex(3).upper()}"
        if not ErasureReceipt.objects.filter(reference=reference).exists():
            return reference


def _receipt(*, citizen, lines, kinds, cause, acting_user, exit_on):
    kinds = erasure.kinds_for(kinds)
    receipt = ErasureReceipt.objects.create(
        reference=_new_reference(),
        citizen=citizen,
        pseudonym=erasure.pseudonym(citizen.pk),
        cause=cause,
        erased_by=acting_user,
        complete=RecordKind.IDENTITY in kinds,
        exit_on=exit_on,
        counts=erasure.counts_of(lines),
    )
    done = set(ErasedKind.objects.filter(citizen=citizen).values_list("kind", flat=True))
    ErasedKind.objects.bulk_create(
        [ErasedKind(citizen=citizen, kind=kind, receipt=receipt) for kind in RecordKind.values if kind in kinds - done]
    )
    return receipt


def refusal(citizen):
    """Why the citizen's data cannot be erased now (a sentence for the user), or None."""
    if citizen.is_erased:
        return _("The citizen's data has already been erased.")
    hold = active_hold(citizen)
    if hold is not None:
        return _(
            "The citizen's records are under a legal hold (set %(date)s) and cannot be erased until the hold is lifted."
        ) % {"date": f"{timezone.localtime(hold.set_at):%d.%m.%Y}"}
    if citizen.enrolments.filter(ended_on__isnull=True).exists():
        return _("The citizen still has an open enrolment: fill in the end form before the data is erased.")
    return None


@transaction.atomic
def erase_on_request(*, acting_user, citizen, confirmation):
    """Erase all of the citizen's data at their request (the same machinery as retention); returns the receipt."""
    _require(may(acting_user, Capability.ERASE_CITIZEN_DATA))
    _require_in_scope(acting_user, citizen)
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    if (confirmation or "").strip().upper() != CONFIRMATION_WORD:
        raise ValidationError({"confirmation": _("Type %(word)s to confirm.") % {"word": CONFIRMATION_WORD}})
    why_not = refusal(citizen)
    if why_not:
        raise ValidationError(why_not)
    exit_on = retention.exits([citizen.pk]).get(citizen.pk)
    lines = erasure.apply(citizen)
    receipt = _receipt(
        citizen=citizen,
        lines=lines,
        kinds=RecordKind.values,
        cause=ErasureReceipt.Cause.REQUEST,
        acting_user=acting_user,
        exit_on=exit_on,
    )
    log_change(
        user=acting_user,
        action=Action.ERASE_CITIZEN_DATA,
        obj=receipt,
        citizen_pk=citizen.pk,
        changes={"reference": receipt.reference, "rows": sum(line.rows for line in lines)},
    )
    return receipt


def apply_retention(*, citizen_pk, on=None):
    """Erase one citizen's kinds of record that are due (the worker's job, no user), in a transaction of its own.
    None when nothing is due (any more): a second run changes nothing."""
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().filter(pk=citizen_pk).first()
        if citizen is None or citizen.is_erased:
            return None
        kinds = retention.due_kinds(citizen_pk, on)
        if not kinds or active_hold(citizen) is not None:
            return None
        exit_on = retention.exits([citizen_pk]).get(citizen_pk)
        lines = erasure.apply(citizen, kinds)
        receipt = _receipt(
            citizen=citizen,
            lines=lines,
            kinds=set(kinds),
            cause=ErasureReceipt.Cause.RETENTION,
            acting_user=None,
            exit_on=exit_on,
        )
        log_change(
            user=None,
            action=Action.APPLY_RETENTION,
            obj=receipt,
            citizen_pk=citizen_pk,
            changes={"reference": receipt.reference, "kinds": sorted(erasure.kinds_for(kinds))},
        )
        return receipt


# --- Export --------------------------------------------------------------------------------------------------------


@transaction.atomic
def request_export(*, acting_user, citizen, reveal_cpr=False):
    """Ask for the citizen's data as a ZIP of JSON and PDF (export.py), prepared by the task worker (export_tasks.py)
    once this transaction commits; returns the queued DataExport. Logged: a change-log row now; the read and, when
    the number is in clear (only for users who may reveal it), the CPR reveal when the ZIP is downloaded."""
    _require(may(acting_user, Capability.EXPORT_CITIZEN_DATA))
    _require_in_scope(acting_user, citizen)
    reveal = bool(reveal_cpr) and may(acting_user, Capability.REVEAL_CPR) and not citizen.is_erased
    data_export = DataExport.objects.create(
        citizen=citizen,
        requested_by=acting_user,
        reveal_cpr=reveal,
        expires_at=timezone.now() + datetime.timedelta(days=settings.PRIVACY_EXPORT_DAYS),
    )
    log_change(
        user=acting_user,
        action=Action.EXPORT_CITIZEN_DATA,
        obj=citizen,
        citizen_pk=citizen.pk,
        changes={"requested": data_export.pk, "cpr_in_clear": reveal},
    )
    export_tasks.queue_export_on_commit(data_export)
    return data_export


def downloadable_export(*, acting_user, citizen, pk):
    """The ready export `pk` (None: the newest ready one) of the citizen for the user who requested it (nobody else: it may hold the CPR number
    they chose to reveal), with its ZIP decrypted; logs the CPR reveal when the number is in clear. PermissionDenied
    for anyone else, or when it is not ready or has expired."""
    from jobbro.people import actions as people_actions

    _require(may(acting_user, Capability.EXPORT_CITIZEN_DATA))
    _require_in_scope(acting_user, citizen)
    ready = DataExport.objects.filter(
        citizen=citizen, requested_by=acting_user, status=DataExport.Status.DONE, content__isnull=False
    )
    data_export = (ready.filter(pk=pk) if pk is not None else ready).first()  # newest first
    _require(data_export is not None and data_export.expires_at > timezone.now())
    if data_export.reveal_cpr:  # logged exactly as the export in the request logged it
        people_actions.reveal_cpr(acting_user=acting_user, citizen=citizen, view="export_citizen_data")
    return data_export, export_tasks.decrypt(data_export.content)
