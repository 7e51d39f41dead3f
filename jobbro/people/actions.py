"""Writes and sensitive reads on the citizen record.

Consents: given and withdrawn as history rows (give_consent, withdraw_consent; the rule that reads them is
people/consent.py).

Step 1 (clarification): job wishes and goals, the CV, the competence card,
restrictions and parallel efforts. Each write runs in one transaction, checks
that the acting user does case work on a citizen they can see, validates before
it writes, keeps history (a goal adjusted closes the old row and adds a new one,
a competence assessed again is a new row, a restriction or effort is ended with
a date, never deleted) and writes its change-log row with it. Free text (the
citizen's words, descriptions, comments) never goes into the change log.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro import codes
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change, log_read
from jobbro.audit.models import AccessLog, Action
from jobbro.days import today
from jobbro.people.models import (
    DOCUMENT_REFERENCE,
    Citizen,
    CompetenceAssessment,
    Consent,
    ConsentKind,
    ConsentManner,
    CVEntry,
    JobGoal,
    ParallelEffort,
    Restriction,
)


def reveal_cpr(*, acting_user, citizen, view="reveal_cpr"):
    """Return the CPR number in clear for one authorised user, and log that it was shown."""
    if not may(acting_user, Capability.REVEAL_CPR) or citizen.is_erased:  # an erased citizen has no number left
        log_read(
            user=acting_user, citizen_pk=citizen.pk, view=view, status_code=403, action=AccessLog.Action.REVEAL_CPR
        )
        raise PermissionDenied
    log_read(user=acting_user, citizen_pk=citizen.pk, view=view, status_code=200, action=AccessLog.Action.REVEAL_CPR)
    return citizen.reveal_cpr()


# --- Shared checks --------------------------------------------------------------------------


def _require_case_work(acting_user, citizen):
    """Only case-work roles write step 1, and only on citizens they can see."""
    if not may(acting_user, Capability.CASE_WORK):
        raise PermissionDenied
    if not Citizen.objects.visible_to(acting_user).filter(pk=citizen.pk).exists():
        raise PermissionDenied


def _not_in_future(errors, field, value):
    if value is not None and value > today():
        errors.setdefault(field, []).append(_("The date cannot be in the future."))


def _end_not_before_start(errors, field, starts_on, ends_on):
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors.setdefault(field, []).append(_("The end date cannot be before the start date."))


def _required_date(errors, field, value):
    if value is None:
        errors.setdefault(field, []).append(_("Enter a date."))


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _check_occupation(errors, occupation_code):
    if occupation_code:
        try:
            codes.validate_occupation_code(occupation_code)
        except ValidationError as error:
            errors.setdefault("occupation_code", []).extend(error.messages)


def _check_text(errors, field, value, *, required, max_length):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("Write at most %(limit)d characters (it has %(count)d).") % {"limit": max_length, "count": len(value)}
        )
    return value


# --- Job wishes and job goals ---------------------------------------------------------------


def _add_goal(*, acting_user, citizen, kind, occupation_code, text, set_on, action, replaces=None):
    errors = {}
    occupation_code = (occupation_code or "").strip()
    _check_occupation(errors, occupation_code)
    text = _check_text(errors, "text", text, required=True, max_length=JobGoal._meta.get_field("text").max_length)
    _required_date(errors, "set_on", set_on)
    _not_in_future(errors, "set_on", set_on)
    if replaces is not None and set_on is not None and set_on < replaces.set_on:
        errors.setdefault("set_on", []).append(_("The date cannot be before the date the earlier goal was set."))
    _raise(errors)
    goal = JobGoal.objects.create(citizen=citizen, kind=kind, occupation_code=occupation_code, text=text, set_on=set_on)
    changes = {"kind": kind, "occupation_code": occupation_code, "set_on": set_on.isoformat()}
    if replaces is not None:
        changes["replaces"] = replaces.pk
    log_change(user=acting_user, action=action, obj=goal, citizen_pk=citizen.pk, changes=changes)
    return goal


@transaction.atomic
def set_job_goal(*, acting_user, citizen, text, set_on, occupation_code=""):
    """Add a job goal (jobmål): a DISCO-08 occupation and the citizen's own words."""
    _require_case_work(acting_user, citizen)
    return _add_goal(
        acting_user=acting_user,
        citizen=citizen,
        kind=JobGoal.Kind.GOAL,
        occupation_code=occupation_code,
        text=text,
        set_on=set_on,
        action=Action.SET_JOB_GOAL,
    )


@transaction.atomic
def add_job_wish(*, acting_user, citizen, text, set_on, occupation_code=""):
    """Add a job wish (jobønske), the citizen's own wish before it becomes a goal."""
    _require_case_work(acting_user, citizen)
    return _add_goal(
        acting_user=acting_user,
        citizen=citizen,
        kind=JobGoal.Kind.WISH,
        occupation_code=occupation_code,
        text=text,
        set_on=set_on,
        action=Action.ADD_JOB_WISH,
    )


def _current_goal(goal):
    """Lock the goal's row and make sure it is still current."""
    goal = JobGoal.objects.select_for_update().get(pk=goal.pk)
    if goal.replaced_on is not None:
        raise ValidationError(_("This job goal has already been replaced or closed."))
    return goal


@transaction.atomic
def adjust_job_goal(*, acting_user, goal, text, set_on, occupation_code="", kind=None):
    """Adjust a wish or goal: the current row is closed on `set_on` and a new one added, so the history is kept.

    `kind` turns a wish into a goal (or back); by default the new row is of the same kind.
    """
    _require_case_work(acting_user, goal.citizen)
    goal = _current_goal(goal)
    kind = kind or goal.kind
    if kind not in JobGoal.Kind.values:
        raise ValidationError({"kind": _("Choose a job wish or a job goal.")})
    new = _add_goal(
        acting_user=acting_user,
        citizen=goal.citizen,
        kind=kind,
        occupation_code=occupation_code,
        text=text,
        set_on=set_on,
        action=Action.ADJUST_JOB_GOAL,
        replaces=goal,
    )
    goal.replaced_on = set_on
    goal.save(update_fields=["replaced_on"])
    return new


@transaction.atomic
def close_job_goal(*, acting_user, goal, on):
    """A wish or goal no longer applies and nothing replaces it: it is closed on `on`, never deleted."""
    _require_case_work(acting_user, goal.citizen)
    goal = _current_goal(goal)
    errors = {}
    _required_date(errors, "on", on)
    _not_in_future(errors, "on", on)
    if on is not None and on < goal.set_on:
        errors.setdefault("on", []).append(_("The date cannot be before the date the goal was set."))
    _raise(errors)
    goal.replaced_on = on
    goal.save(update_fields=["replaced_on"])
    log_change(
        user=acting_user,
        action=Action.CLOSE_JOB_GOAL,
        obj=goal,
        citizen_pk=goal.citizen_id,
        changes={"replaced_on": on.isoformat()},
    )
    return goal


# --- The CV ---------------------------------------------------------------------------------


def _clean_cv_entry(*, kind, title, organisation, starts_on, ends_on, description):
    errors = {}
    if kind not in CVEntry.Kind.values:
        errors["kind"] = [_("Choose what kind of line this is.")]
    title = _check_text(errors, "title", title, required=True, max_length=CVEntry._meta.get_field("title").max_length)
    organisation = _check_text(
        errors,
        "organisation",
        organisation,
        required=False,
        max_length=CVEntry._meta.get_field("organisation").max_length,
    )
    description = _check_text(
        errors, "description", description, required=False, max_length=CVEntry._meta.get_field("description").max_length
    )
    _not_in_future(errors, "starts_on", starts_on)
    _not_in_future(errors, "ends_on", ends_on)
    _end_not_before_start(errors, "ends_on", starts_on, ends_on)
    _raise(errors)
    return {
        "kind": kind,
        "title": title,
        "organisation": organisation,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "description": description,
    }


def _cv_changes(entry):
    return {
        "kind": entry.kind,
        "starts_on": entry.starts_on and entry.starts_on.isoformat(),
        "ends_on": entry.ends_on and entry.ends_on.isoformat(),
    }


@transaction.atomic
def add_cv_entry(
    *,
    acting_user,
    citizen,
    kind,
    title,
    organisation="",
    starts_on=None,
    ends_on=None,
    description="",
    recorded_on=None,
):
    """Add a line to the CV the job broker and the citizen write together.

    Dates are optional (a language or a skill has none); an ongoing job has a start and no end.
    """
    _require_case_work(acting_user, citizen)
    values = _clean_cv_entry(
        kind=kind, title=title, organisation=organisation, starts_on=starts_on, ends_on=ends_on, description=description
    )
    entry = CVEntry.objects.create(citizen=citizen, recorded_on=recorded_on or today(), **values)
    log_change(
        user=acting_user, action=Action.ADD_CV_ENTRY, obj=entry, citizen_pk=citizen.pk, changes=_cv_changes(entry)
    )
    return entry


@transaction.atomic
def update_cv_entry(*, acting_user, entry, kind, title, organisation="", starts_on=None, ends_on=None, description=""):
    """Rewrite a line of the CV. Its `recorded_on` becomes today: the date the line was last written."""
    _require_case_work(acting_user, entry.citizen)
    values = _clean_cv_entry(
        kind=kind, title=title, organisation=organisation, starts_on=starts_on, ends_on=ends_on, description=description
    )
    entry = CVEntry.objects.select_for_update().get(pk=entry.pk)
    changed = sorted(field for field, value in values.items() if getattr(entry, field) != value)
    for field, value in values.items():
        setattr(entry, field, value)
    entry.recorded_on = today()
    entry.save()
    log_change(
        user=acting_user,
        action=Action.UPDATE_CV_ENTRY,
        obj=entry,
        citizen_pk=entry.citizen_id,
        changes={**_cv_changes(entry), "fields": changed},
    )
    return entry


@transaction.atomic
def remove_cv_entry(*, acting_user, entry):
    """Delete a line of the CV (a CV is a document, not a history); the change log keeps that it was there."""
    _require_case_work(acting_user, entry.citizen)
    log_change(
        user=acting_user,
        action=Action.REMOVE_CV_ENTRY,
        obj=entry,
        citizen_pk=entry.citizen_id,
        changes={**_cv_changes(entry), "recorded_on": entry.recorded_on.isoformat()},
    )
    entry.delete()


# --- The competence card --------------------------------------------------------------------


@transaction.atomic
def assess_competence(*, acting_user, citizen, area, level, assessed_on, comment="", co_assessor=None):
    """Assess one area of the competence card. Each assessment is a new row, so change over time is kept.

    `co_assessor` is a company that took part in the assessment (the card is filled in with the company).
    """
    _require_case_work(acting_user, citizen)
    errors = {}
    if area not in CompetenceAssessment.Area.values:
        errors["area"] = [_("Choose one of the four areas.")]
    if isinstance(level, str) and level.strip() in {"1", "2", "3", "4", "5"}:
        level = int(level.strip())
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        errors["level"] = [_("The level is a whole number from 1 to 5.")]
    comment = _check_text(
        errors,
        "comment",
        comment,
        required=False,
        max_length=CompetenceAssessment._meta.get_field("comment").max_length,
    )
    _required_date(errors, "assessed_on", assessed_on)
    _not_in_future(errors, "assessed_on", assessed_on)
    _raise(errors)
    assessment = CompetenceAssessment.objects.create(
        citizen=citizen, area=area, level=level, comment=comment, assessed_on=assessed_on, co_assessor=co_assessor
    )
    log_change(
        user=acting_user,
        action=Action.ASSESS_COMPETENCE,
        obj=assessment,
        citizen_pk=citizen.pk,
        changes={
            "area": area,
            "level": level,
            "assessed_on": assessed_on.isoformat(),
            "co_assessor": co_assessor.pk if co_assessor else None,
        },
    )
    return assessment


# --- Restrictions (skånehensyn) -------------------------------------------------------------


@transaction.atomic
def add_restriction(*, acting_user, citizen, tag, recorded_on, description=""):
    """Record a restriction or accommodation: a structured tag plus the citizen's own account."""
    _require_case_work(acting_user, citizen)
    errors = {}
    if tag not in Restriction.Tag.values:
        errors["tag"] = [_("Choose a restriction from the list.")]
    description = _check_text(
        errors,
        "description",
        description,
        required=tag == Restriction.Tag.OTHER,
        max_length=Restriction._meta.get_field("description").max_length,
    )
    _required_date(errors, "recorded_on", recorded_on)
    _not_in_future(errors, "recorded_on", recorded_on)
    if (
        "tag" not in errors
        and tag != Restriction.Tag.OTHER
        and citizen.restrictions.filter(tag=tag, ended_on__isnull=True).exists()
    ):
        errors["tag"] = [_("This restriction is already recorded and still applies.")]
    _raise(errors)
    restriction = Restriction.objects.create(citizen=citizen, tag=tag, description=description, recorded_on=recorded_on)
    log_change(
        user=acting_user,
        action=Action.ADD_RESTRICTION,
        obj=restriction,
        citizen_pk=citizen.pk,
        changes={"tag": tag, "recorded_on": recorded_on.isoformat()},
    )
    return restriction


@transaction.atomic
def end_restriction(*, acting_user, restriction, ended_on):
    """The restriction no longer applies from `ended_on`. The row stays, so the history is kept."""
    _require_case_work(acting_user, restriction.citizen)
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.ended_on is not None:
        raise ValidationError(_("This restriction has already ended."))
    errors = {}
    _required_date(errors, "ended_on", ended_on)
    _not_in_future(errors, "ended_on", ended_on)
    if ended_on is not None and ended_on < restriction.recorded_on:
        errors.setdefault("ended_on", []).append(_("The date cannot be before the restriction was recorded."))
    _raise(errors)
    restriction.ended_on = ended_on
    restriction.save(update_fields=["ended_on"])
    log_change(
        user=acting_user,
        action=Action.END_RESTRICTION,
        obj=restriction,
        citizen_pk=restriction.citizen_id,
        changes={"ended_on": ended_on.isoformat()},
    )
    return restriction


# --- Parallel efforts -----------------------------------------------------------------------


@transaction.atomic
def add_parallel_effort(*, acting_user, citizen, kind, starts_on, ends_on=None, description=""):
    """Record support outside employment running alongside. A planned start or end may lie ahead."""
    _require_case_work(acting_user, citizen)
    errors = {}
    if kind not in ParallelEffort.Kind.values:
        errors["kind"] = [_("Choose a kind of effort from the list.")]
    description = _check_text(
        errors,
        "description",
        description,
        required=kind == ParallelEffort.Kind.OTHER,
        max_length=ParallelEffort._meta.get_field("description").max_length,
    )
    _required_date(errors, "starts_on", starts_on)
    _end_not_before_start(errors, "ends_on", starts_on, ends_on)
    _raise(errors)
    effort = ParallelEffort.objects.create(
        citizen=citizen, kind=kind, description=description, starts_on=starts_on, ends_on=ends_on
    )
    log_change(
        user=acting_user,
        action=Action.ADD_PARALLEL_EFFORT,
        obj=effort,
        citizen_pk=citizen.pk,
        changes={"kind": kind, "starts_on": starts_on.isoformat(), "ends_on": ends_on and ends_on.isoformat()},
    )
    return effort


@transaction.atomic
def end_parallel_effort(*, acting_user, effort, ends_on):
    """Set the day the effort ends (or ended). One that has already ended stays as it is."""
    _require_case_work(acting_user, effort.citizen)
    effort = ParallelEffort.objects.select_for_update().get(pk=effort.pk)
    if effort.ends_on is not None and effort.ends_on < today():
        raise ValidationError(_("This effort has already ended."))
    errors = {}
    _required_date(errors, "ends_on", ends_on)
    _end_not_before_start(errors, "ends_on", effort.starts_on, ends_on)
    _raise(errors)
    previous = effort.ends_on
    effort.ends_on = ends_on
    effort.save(update_fields=["ends_on"])
    log_change(
        user=acting_user,
        action=Action.END_PARALLEL_EFFORT,
        obj=effort,
        citizen_pk=effort.citizen_id,
        changes={"ends_on": ends_on.isoformat(), "previous_ends_on": previous and previous.isoformat()},
    )
    return effort


# --- Consents ---------------------------------------------------------------------------------


def _record_consent(*, acting_user, citizen, kind, on, manner, reference, given):
    if not may(acting_user, Capability.RECORD_CONSENT):
        raise PermissionDenied
    if not Citizen.objects.visible_to(acting_user).filter(pk=citizen.pk).exists():
        raise PermissionDenied
    # One recording at a time per citizen: the citizen's row is locked while the history is read and added to.
    Citizen.objects.select_for_update().filter(pk=citizen.pk).first()
    errors = {}
    if kind not in ConsentKind.values:
        errors["kind"] = [_("Choose a consent from the list.")]
    if manner not in ConsentManner.values:
        errors["manner"] = [_("Choose how the citizen gave or withdrew the consent.")]
    reference = (reference or "").strip()
    if reference:
        try:
            DOCUMENT_REFERENCE(reference)
        except ValidationError as error:
            errors.setdefault("reference", []).extend(error.messages)
        max_length = Consent._meta.get_field("reference").max_length
        if len(reference) > max_length:
            errors.setdefault("reference", []).append(
                _("Write at most %(limit)d characters (it has %(count)d).")
                % {"limit": max_length, "count": len(reference)}
            )
    _required_date(errors, "on", on)
    _not_in_future(errors, "on", on)
    _raise(errors)
    newest = Consent.objects.filter(citizen=citizen, kind=kind).order_by("-on", "-pk").first()
    if newest is not None and on < newest.on:
        raise ValidationError(
            {
                "on": _(
                    "The date cannot be before the consent's last entry (%(date)s): the history only moves forward."
                )
                % {"date": newest.on.strftime("%d.%m.%Y")}
            }
        )
    holds = newest is not None and newest.given
    if given and holds:
        raise ValidationError({"kind": _("The citizen has already given this consent; it has not been withdrawn.")})
    if not given and not holds:
        raise ValidationError({"kind": _("The citizen has not given this consent, so it cannot be withdrawn.")})
    row = Consent.objects.create(
        citizen=citizen, kind=kind, given=given, on=on, manner=manner, reference=reference, recorded_by=acting_user
    )
    log_change(
        user=acting_user,
        action=Action.GIVE_CONSENT if given else Action.WITHDRAW_CONSENT,
        obj=row,
        citizen_pk=citizen.pk,
        changes={"kind": kind, "given": given, "on": on.isoformat(), "manner": manner},
    )
    return row


@transaction.atomic
def give_consent(*, acting_user, citizen, kind, on, manner, reference=""):
    """Record that the citizen gave a consent on a date, written, oral or digital, with an optional journal number of
    the signed form. A new history row; a consent given again after a withdrawal is another row."""
    return _record_consent(
        acting_user=acting_user, citizen=citizen, kind=kind, on=on, manner=manner, reference=reference, given=True
    )


@transaction.atomic
def withdraw_consent(*, acting_user, citizen, kind, on, manner, reference=""):
    """Record that the citizen withdrew a consent on a date. It takes effect from that date: what was shared before
    stays recorded, nothing new that depends on the consent is allowed after it. The earlier rows stay."""
    return _record_consent(
        acting_user=acting_user, citizen=citizen, kind=kind, on=on, manner=manner, reference=reference, given=False
    )
