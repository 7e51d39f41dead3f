"""Every write to a case goes through one of these functions.

Each runs in one transaction, validates before it writes, and writes its history
row and its audit row together with the change, so the record and its trail can
never disagree. Views and imports call these; only the demo generator, which
bulk-inserts seed data, writes rows directly (and so writes no change-log rows).
"""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from jobbro import codes, numbers, textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases import rules, wage_list
from jobbro.cases.models import (
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    HourlyWage,
    JobPlan,
    LegalBasis,
    Milestone,
    Outcome,
    ParticipantForm,
    Placement,
    ProgressionAssessment,
    ProgressionInvitation,
    Step,
    StepChange,
    Timesheet,
    UpskillingDecision,
    UpskillingEnrolment,
    WageListSending,
    default_legal_basis,
)
from jobbro.days import today
from jobbro.people import consent, cpr
from jobbro.people.models import Citizen, ConsentKind, TrafficLightChange
from jobbro.weekly_hours import MAX_WEEKLY_HOURS


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_on_case(user, enrolment, *capabilities):
    """The acting user has one of the capabilities (the role table; case work if none is named) and the case is
    within their citizen scope.

    The views check the same before they call; the action checks again so no other caller (a command, a
    future API) can write around the table.
    """
    _require(any(may(user, capability) for capability in capabilities or (Capability.CASE_WORK,)))
    _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), user).exists())


def _full_clean(obj, exclude=None):
    # A text longer than its field allows is refused first, with a message naming the field.
    too_long = textlimits.length_errors(obj)
    if too_long:
        raise ValidationError(too_long)
    obj.full_clean(exclude=exclude, validate_unique=False)


def _hours(value, field, empty=None):
    """Hours as typed or read from a sheet, by the one rule (cases/rules.py): digits 0-9, 0-60, one decimal."""
    try:
        return rules.parse_hours(value, empty=empty)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _label(model, field):
    return capfirst(model._meta.get_field(field).verbose_name)


def _inside_enrolment(enrolment, model, dates, after_exit=()):
    """Refuse dates outside the enrolment's life (cases/rules.py), each message naming its field."""
    rules.check_enrolment_dates(
        enrolment,
        {field: (_label(model, field), value) for field, value in dates.items()},
        after_exit=after_exit,
        today=today(),
    )


def find_citizen_by_cpr(raw_cpr):
    """The citizen with this CPR number, found by its keyed hash, or None."""
    digits = cpr.validate(raw_cpr)
    return Citizen.objects.filter(cpr_hash=cpr.lookup_hash(digits)).first()


def control_group_error():
    """Why a control-group citizen gets no placement, small job or match (docs/effect.md)."""
    return _(
        "The citizen is in the control group of the programme's lottery: the usual services of the job centre, "
        "not the programme's placements, small jobs or matching."
    )


def refuse_control_group(enrolment):
    """Refuse the programme's company-oriented effort for a citizen drawn to the control group."""
    if enrolment.control_group:
        raise ValidationError(control_group_error(), code="control_group")


@transaction.atomic
def assign_control_group(*, acting_user, enrolment):
    """Mark the enrolment as the control group of its programme's lottery (effect/actions.py `draw` calls this in the
    draw's transaction). From then on it gets no placement or match and is left out of caseloads, matching and the
    programme's reports (EnrolmentQuerySet.in_programme_effort). Idempotent; refused once the case has a placement."""
    _require_on_case(acting_user, enrolment, Capability.REFER)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.control_group:
        return enrolment
    if enrolment.placements.exists():
        raise ValidationError(_("A citizen who has had a placement in the programme cannot join its control group."))
    enrolment.control_group = True
    enrolment.save(update_fields=["control_group"])
    log_change(
        user=acting_user,
        action=Action.ASSIGN_CONTROL_GROUP,
        obj=enrolment,
        citizen_pk=enrolment.citizen_id,
        changes={"control_group": True},
    )
    return enrolment


# The start form is filled the day the citizen is referred unless the referral says otherwise.
START_FORM_AT_REFERRAL = object()


@transaction.atomic
def refer_citizen(
    *,
    acting_user,
    programme,
    site,
    cpr_number,
    first_name,
    last_name,
    referred_on,
    traffic_light,
    estimated_weekly_hours,
    referral_text="",
    target_groups=(),
    job_broker=None,
    caseworker=None,
    started_on=START_FORM_AT_REFERRAL,
    participant=None,
    **citizen_fields,
):
    """Refer a citizen into a programme. Reuses the citizen if the CPR is known.

    The start form is filled on `started_on`: by default the day of the referral, None when it is not filled yet
    (fill_start_form fills it later). An empty estimate of weekly hours is stored as not given, never as 0.
    `participant` holds the funder's start-form answers (record_participant_form), given with a start form only."""
    _require(may(acting_user, Capability.REFER))
    try:
        digits = cpr.validate(cpr_number)
    except ValidationError as error:
        raise ValidationError({"cpr_number": error.messages}) from None
    if site.programme_id != programme.pk:
        raise ValidationError({"site": _("The site must belong to the programme.")})
    if started_on is START_FORM_AT_REFERRAL:
        started_on = referred_on
    rules.check_plausible_dates(
        {
            name: (_label(Enrolment, name), value)
            for name, value in (("referred_on", referred_on), ("started_on", started_on))
            if value is not None
        },
        today=today(),
    )
    _require(access.visible_sites(acting_user).filter(pk=site.pk).exists())
    citizen = Citizen.objects.filter(cpr_hash=cpr.lookup_hash(digits)).first()
    if citizen and citizen.enrolments.filter(programme=programme, ended_on__isnull=True).exists():
        raise ValidationError({"cpr_number": _("This citizen is already enrolled in the programme.")})
    if citizen is None:
        citizen = Citizen(
            cpr_encrypted=cpr.encrypt(digits),
            cpr_hash=cpr.lookup_hash(digits),
            first_name=first_name,
            last_name=last_name,
            birth_date=cpr.birth_date(digits),
            sex=cpr.sex(digits),
            traffic_light=traffic_light,
            **citizen_fields,
        )
        _full_clean(citizen, exclude=["cpr_encrypted", "cpr_hash"])
        citizen.save()
        citizen.target_groups.set(target_groups)
    enrolment = Enrolment(
        citizen=citizen,
        programme=programme,
        site=site,
        job_broker=job_broker,
        caseworker=caseworker or (acting_user if may(acting_user, Capability.ACT_AS_CASEWORKER) else None),
        referred_by=acting_user,
        referral_text=referral_text,
        referred_on=referred_on,
        started_on=started_on,
        traffic_light_at_referral=traffic_light,
        estimated_weekly_hours=_hours(estimated_weekly_hours, "estimated_weekly_hours"),
        current_step=Step.CLARIFICATION,
    )
    _full_clean(enrolment)
    enrolment.save()
    # No note: stored text would freeze the language of whoever referred; the timeline shows the referral itself.
    StepChange.objects.create(
        enrolment=enrolment, step=Step.CLARIFICATION, changed_on=referred_on, changed_by=acting_user
    )
    TrafficLightChange.objects.create(
        citizen=citizen, light=traffic_light, changed_on=referred_on, changed_by=acting_user
    )
    # A returning citizen's current light must follow the history, like set_traffic_light keeps it.
    latest = citizen.traffic_light_changes.order_by("-changed_on", "-id").values_list("light", flat=True).first()
    if citizen.traffic_light != latest:
        citizen.traffic_light = latest
        citizen.save(update_fields=["traffic_light"])
    for role, user in (
        (AssignmentChange.Role.JOB_BROKER, enrolment.job_broker),
        (AssignmentChange.Role.CASEWORKER, enrolment.caseworker),
    ):
        if user:
            AssignmentChange.objects.create(
                enrolment=enrolment, role=role, user=user, changed_on=referred_on, changed_by=acting_user
            )
    log_change(
        user=acting_user,
        action=Action.REFER_CITIZEN,
        obj=enrolment,
        citizen_pk=citizen.pk,
        changes={
            "programme": programme.pk,
            "site": site.pk,
            "referred_on": referred_on.isoformat(),
            "started_on": started_on.isoformat() if started_on else None,
        },
    )
    if participant:
        _record_participant_form(acting_user, enrolment, participant)
    return enrolment


@transaction.atomic
def fill_start_form(*, acting_user, enrolment, on, participant=None):
    """Fill the start form of a citizen referred without one: from `on` the citizen receives active effort.
    `participant` holds the funder's start-form answers (record_participant_form)."""
    _require_on_case(acting_user, enrolment, Capability.REFER, Capability.CASE_WORK)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.started_on is not None:
        raise ValidationError({"started_on": _("The start form is already filled.")})
    if enrolment.ended_on is not None:
        raise ValidationError({"started_on": _("The enrolment has ended; record a new referral instead.")})
    rules.check_plausible_dates({"started_on": (_label(Enrolment, "started_on"), on)}, today=today())
    if on > today():
        raise ValidationError({"started_on": _("The date cannot be in the future.")})
    if on < enrolment.referred_on:
        raise ValidationError({"started_on": _("The start form cannot be dated before the referral.")})
    enrolment.started_on = on
    _full_clean(enrolment)
    enrolment.save(update_fields=["started_on"])
    log_change(
        user=acting_user,
        action=Action.FILL_START_FORM,
        obj=enrolment,
        citizen_pk=enrolment.citizen_id,
        changes={"started_on": on.isoformat()},
    )
    if participant:
        _record_participant_form(acting_user, enrolment, participant)
    return enrolment


# --- The funder's participant form (docs/funders.md) ----------------------------------------------------------------


def _record_participant_form(acting_user, enrolment, answers):
    """Write the given answers of the enrolment's participant form (only the fields named; "" or None clears one)
    and log each change as [before, after]. Start-form answers need the start form, end-form answers the end form."""
    unknown = set(answers) - set(ParticipantForm.START_FIELDS) - set(ParticipantForm.END_FIELDS)
    if unknown:
        raise ValueError(f"Not a participant form field: {sorted(unknown)}")
    errors = {}
    for name, value in answers.items():
        if value in ("", None):
            continue
        if name in ParticipantForm.START_FIELDS and enrolment.started_on is None:
            errors[name] = _("Fill the start form first: this is one of its answers.")
        if name in ParticipantForm.END_FIELDS and enrolment.ended_on is None:
            errors[name] = _("Fill the end form first: this is one of its answers.")
    if errors:
        raise ValidationError(errors)
    form = ParticipantForm.objects.select_for_update().filter(enrolment=enrolment).first()
    if form is None:
        form = ParticipantForm(enrolment=enrolment)
    changes = {}
    for name, value in answers.items():
        value = None if name == "qualification_gained" and value == "" else value
        value = "" if name != "qualification_gained" and value is None else value
        if getattr(form, name) != value:
            changes[name] = [getattr(form, name), value]
            setattr(form, name, value)
    if not changes:
        return form
    form.changed_by = acting_user
    _full_clean(form, exclude=["enrolment", "changed_by"])
    form.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_PARTICIPANT_FORM,
        obj=enrolment,
        citizen_pk=enrolment.citizen_id,
        changes=changes,
    )
    return form


@transaction.atomic
def record_participant_form(*, acting_user, enrolment, **answers):
    """Record or correct the funder's answers of an enrolment's start form (sex as the citizen answers it, education
    level, labour-market status at entry) and end form (status at exit, a qualification gained). The age group is
    never an answer: it is computed from the birth date (cases/funders.py)."""
    _require_on_case(acting_user, enrolment, Capability.REFER, Capability.CASE_WORK)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    return _record_participant_form(acting_user, enrolment, answers)


@transaction.atomic
def change_step(*, acting_user, enrolment, step, on, note=""):
    _require_on_case(acting_user, enrolment)
    return _change_step(acting_user=acting_user, enrolment=enrolment, step=step, on=on, note=note)


def _change_step(*, acting_user, enrolment, step, on, note=""):
    """The step change itself, for the actions that move the step as part of their own (checked) work."""
    if enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended; record a new referral instead."))
    if on < enrolment.referred_on:
        raise ValidationError({"changed_on": _("A step cannot change before the referral date.")})
    _inside_enrolment(enrolment, StepChange, {"changed_on": on})
    last = enrolment.step_changes.order_by("-changed_on", "-id").first()
    if last and on < last.changed_on:
        raise ValidationError({"changed_on": _("The date is before the last step change.")})
    StepChange.objects.create(enrolment=enrolment, step=step, changed_on=on, changed_by=acting_user, note=note)
    enrolment.current_step = step
    enrolment.save(update_fields=["current_step"])
    log_change(
        user=acting_user,
        action=Action.CHANGE_STEP,
        obj=enrolment,
        citizen_pk=enrolment.citizen_id,
        changes={"step": int(step), "on": on.isoformat()},
    )
    return enrolment


@transaction.atomic
def set_traffic_light(*, acting_user, citizen, light, on, note=""):
    _require(may(acting_user, Capability.CASE_WORK))
    _require(Citizen.objects.filter(pk=citizen.pk).visible_to(acting_user).exists())
    TrafficLightChange.objects.create(citizen=citizen, light=light, changed_on=on, changed_by=acting_user, note=note)
    citizen.traffic_light = light
    citizen.save(update_fields=["traffic_light"])
    log_change(
        user=acting_user, action=Action.SET_TRAFFIC_LIGHT, obj=citizen, citizen_pk=citizen.pk, changes={"light": light}
    )


def _record_start_agreement(placement):
    """The agreement made at the start is the first row of the hours history (fidelity reads it from there)."""
    if placement.agreed_ordinary_hours is not None:
        AgreedHoursChange.objects.create(
            placement=placement,
            from_date=placement.starts_on,
            ordinary_hours=placement.agreed_ordinary_hours,
            internship_hours=placement.agreed_internship_hours or 0,
        )


@transaction.atomic
def start_placement(
    *,
    acting_user,
    enrolment,
    company,
    kind,
    starts_on,
    opening=None,
    planned_end_on=None,
    purpose="",
    agreed_ordinary_hours=None,
    ordinary_hours_condition="",
    no_hours_reason="",
    buddy=None,
    agreed_internship_hours=None,
    legal_basis="",
):
    """Start a placement; the enrolment moves to step 3 on the start date. An empty legal basis is the kind's usual
    one (cases.models.DEFAULT_LEGAL_BASIS)."""
    # Agreeing a match starts its placement (matching/actions.py), so the match capability suffices too.
    _require_on_case(acting_user, enrolment, Capability.CASE_WORK, Capability.PROPOSE_MATCH)
    refuse_control_group(enrolment)
    placement = Placement(
        enrolment=enrolment,
        company=company,
        opening=opening,
        kind=kind,
        legal_basis=legal_basis or default_legal_basis(kind),
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        purpose=purpose,
        agreed_ordinary_hours=agreed_ordinary_hours,
        agreed_internship_hours=agreed_internship_hours,
        ordinary_hours_condition=ordinary_hours_condition,
        no_hours_reason=no_hours_reason,
        buddy=buddy,
    )
    _full_clean(placement)
    if agreed_internship_hours is not None:
        # The same week rule as the timesheets: together at most 60 a week.
        errors = rules.week_hours_errors(
            agreed_ordinary_hours,
            agreed_internship_hours,
            ordinary_field="agreed_ordinary_hours",
            internship_field="agreed_internship_hours",
        )
        if errors:
            raise ValidationError(errors)
    if starts_on < enrolment.referred_on:
        raise ValidationError({"starts_on": _("A placement cannot start before the referral date.")})
    _inside_enrolment(
        enrolment, Placement, {"starts_on": starts_on, "planned_end_on": planned_end_on}, after_exit=("planned_end_on",)
    )
    if buddy is not None and buddy.company_id != company.pk:
        raise ValidationError({"buddy": _("The buddy must be someone at the chosen company.")})
    if opening is not None and (
        message := rules.opening_error(opening.company_id, opening.programme_id, company.pk, enrolment.programme_id)
    ):
        raise ValidationError({"opening": message})
    placement.save()
    _record_start_agreement(placement)
    if enrolment.current_step != Step.IN_COMPANY:
        _change_step(acting_user=acting_user, enrolment=enrolment, step=Step.IN_COMPANY, on=starts_on)
    log_change(
        user=acting_user,
        action=Action.START_PLACEMENT,
        obj=placement,
        citizen_pk=enrolment.citizen_id,
        changes={
            "company": company.pk,
            "kind": kind,
            "legal_basis": placement.legal_basis,
            "starts_on": starts_on.isoformat(),
        },
    )
    return placement


@transaction.atomic
def set_legal_basis(*, acting_user, placement, legal_basis):
    """Change the law a placement is given under (docs/funders.md "Legal basis")."""
    _require_on_case(acting_user, placement.enrolment)
    if legal_basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": _("Choose the legal basis from the list.")})
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.legal_basis == legal_basis:
        return placement
    before = placement.legal_basis
    placement.legal_basis = legal_basis
    placement.save(update_fields=["legal_basis"])
    log_change(
        user=acting_user,
        action=Action.SET_LEGAL_BASIS,
        obj=placement,
        citizen_pk=placement.enrolment.citizen_id,
        changes={"legal_basis": [before, legal_basis]},
    )
    return placement


@transaction.atomic
def end_placement(*, acting_user, placement, ended_on, reason, note="", back_to_step_2=True):
    """End a placement with a reason; a broken placement sends the citizen back to step 2."""
    _require_on_case(acting_user, placement.enrolment)
    if placement.ended_on:
        raise ValidationError(_("The placement has already ended."))
    if message := rules.end_before_start_error(placement.starts_on, ended_on):
        raise ValidationError({"ended_on": message})
    _inside_enrolment(placement.enrolment, Placement, {"ended_on": ended_on})
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.end_note = note
    placement.save(update_fields=["ended_on", "end_reason", "end_note"])
    enrolment = placement.enrolment
    others_running = enrolment.placements.exclude(pk=placement.pk).filter(ended_on__isnull=True).exists()
    if back_to_step_2 and not others_running and enrolment.is_active:
        _change_step(acting_user=acting_user, enrolment=enrolment, step=Step.TOWARDS_JOB, on=ended_on)
    log_change(
        user=acting_user,
        action=Action.END_PLACEMENT,
        obj=placement,
        citizen_pk=enrolment.citizen_id,
        changes={"ended_on": ended_on.isoformat(), "reason": reason},
    )
    return placement


def monday_of(day):
    return day - datetime.timedelta(days=day.isoweekday() - 1)


@transaction.atomic
def register_hours(*, acting_user, placement, week_start, ordinary_hours, internship_hours, subsidised_hours=None):
    """Register (or correct) one ISO week's ordinary paid hours and internship hours for a placement; subsidised
    hours (løntilskud) are their own figure, kept as they were when not given."""
    _require_on_case(acting_user, placement.enrolment, Capability.WRITE_HOURS)
    week_start = monday_of(week_start)
    rules.check_plausible_dates({"week_start": (_label(Timesheet, "week_start"), week_start)}, today=today())
    if message := rules.week_outside_placement_error(placement, week_start):
        raise ValidationError({"week_start": message})
    # One rule for the week (cases/rules.py): each 0-60, together at most 60, only a week that has ended, and
    # internship hours only on a placement with an internship part; the hours page and the import ask the same.
    ordinary, internship = rules.clean_week_hours(ordinary_hours, internship_hours)
    rules.check_timesheet(placement, week_start, internship, today=today())
    sheet, _created = Timesheet.objects.get_or_create(
        placement=placement, week_start=week_start, defaults={"registered_by": acting_user}
    )
    subsidised = sheet.subsidised_hours if subsidised_hours is None else rules.clean_subsidised_hours(subsidised_hours)
    if message := rules.subsidy_part_error(placement, subsidised):
        raise ValidationError({"subsidised_hours": message})
    if ordinary + internship + subsidised > MAX_WEEKLY_HOURS:
        raise ValidationError({"subsidised_hours": rules.week_total_with_subsidy_message()})
    _follow_company_word(sheet, ordinary, internship)
    sheet.ordinary_hours = ordinary
    sheet.internship_hours = internship
    sheet.subsidised_hours = subsidised
    sheet.registered_by = acting_user
    _full_clean(sheet, exclude=["placement"])
    sheet.save()
    changes = {
        "week": sheet.iso_week,
        "ordinary": str(sheet.ordinary_hours),
        "internship": str(sheet.internship_hours),
    }
    if sheet.subsidised_hours:
        changes["subsidised"] = str(sheet.subsidised_hours)
    log_change(
        user=acting_user,
        action=Action.REGISTER_HOURS,
        obj=sheet,
        citizen_pk=placement.enrolment.citizen_id,
        changes=changes,
    )
    return sheet


@transaction.atomic
def set_hourly_wage(*, acting_user, placement, valid_from, hourly_wage):
    """Set the placement's hourly wage from a date: a new row in the wage history (the earlier rows are kept);
    the wage in force for a week is the latest from on or before the week's Monday (cases/wages.py)."""
    _require_on_case(acting_user, placement.enrolment, Capability.SET_WAGE)
    _require(may(acting_user, Capability.SET_WAGE))
    rules.check_plausible_dates({"valid_from": (_label(HourlyWage, "valid_from"), valid_from)}, today=today())
    wage = HourlyWage(
        placement=placement,
        valid_from=valid_from,
        hourly_wage=numbers.parse_decimal(hourly_wage, signed=True),
        set_by=acting_user,
    )
    _full_clean(wage, exclude=["placement"])
    wage.hourly_wage = wage.hourly_wage.quantize(Decimal("0.01"))
    wage.save()
    log_change(
        user=acting_user,
        action=Action.SET_HOURLY_WAGE,
        obj=wage,
        citizen_pk=placement.enrolment.citizen_id,
        changes={"placement": placement.pk, "valid_from": valid_from.isoformat(), "hourly_wage": str(wage.hourly_wage)},
    )
    return wage


@transaction.atomic
def mark_wage_list_sent(*, acting_user, unit, month, correction=False):
    """Record that a month's list of hours and wages (or its correction list) was sent to the benefits office: the
    month, the date, the sender and a snapshot of the figures as they are now (cases/wage_list.py). A month is sent
    once as a list; afterwards only a correction, and only when the figures differ from those last sent."""
    _require(may(acting_user, Capability.SEND_WAGE_LIST))
    _require(any(candidate == unit for candidate in wage_list.units_for(acting_user)))
    month = month.replace(day=1)
    if not wage_list.month_has_ended(month, today()):
        raise ValidationError({"month": _("A month's list can be sent when the month has ended.")})
    status = wage_list.month_status(unit, month)
    if correction:
        if status.latest is None:
            raise ValidationError({"month": _("The month has not been sent yet: send its list first.")})
        if not status.differences:
            raise ValidationError({"month": _("Nothing has changed since the month was sent.")})
    elif status.latest is not None:
        raise ValidationError({"month": _("The month has already been sent; send a correction list instead.")})
    elif not status.figures:
        raise ValidationError({"month": _("No citizen had paid hours in the month.")})
    sending = WageListSending.objects.create(
        programme=unit.programme,
        site=unit.site,
        month=month,
        kind=WageListSending.Kind.CORRECTION if correction else WageListSending.Kind.LIST,
        sent_on=today(),
        sent_by=acting_user,
        figures=wage_list.snapshot(status.figures),
    )
    log_change(
        user=acting_user,
        action=Action.SEND_WAGE_LIST,
        obj=sending,
        changes={
            "month": month.strftime("%Y-%m"),
            "programme": unit.programme.pk,
            "site": getattr(unit.site, "pk", None),
            "kind": sending.kind,
            "citizens": len(sending.figures),
            "corrected": len(status.differences) if correction else 0,
        },
    )
    return sending


def _follow_company_word(sheet, ordinary, internship):
    """A job broker registering the hours the company corrected them to accepts the correction; registering other
    hours than the company confirmed or corrected takes the company's word off the week (it was about other hours)."""
    if sheet.company_confirmed_at is None:
        return
    if sheet.company_correction_pending:
        agreed = (ordinary, internship) == _corrected(sheet)
    else:
        agreed = (ordinary, internship) == (sheet.ordinary_hours, sheet.internship_hours)
    sheet.company_corrected_hours = sheet.company_corrected_internship_hours = None
    if not agreed:
        sheet.company_confirmed_at = sheet.company_confirmed_by_link = None


def _corrected(sheet):
    return (
        sheet.ordinary_hours if sheet.company_corrected_hours is None else sheet.company_corrected_hours,
        sheet.internship_hours
        if sheet.company_corrected_internship_hours is None
        else sheet.company_corrected_internship_hours,
    )


def _require_company_link(link, timesheet, now):
    """The link is a live company contact's or buddy's link and the week's placement is one it shows.

    The portal (jobbro/portal, a layer above) passes its link; this checks it again, so no caller writes around it."""
    _require_company_link_to(link, timesheet.placement, now)


def _require_company_link_to(link, placement, now):
    _require(link is not None and link.is_live(now) and link.audience in ("company_contact", "buddy"))
    _require(placement.company_id == link.contact.company_id)
    _require(placement.enrolment.programme_id == link.programme_id)
    _require(link.audience != "buddy" or placement.buddy_id == link.contact_id)


def _company_word_changes(sheet):
    return {
        "week": sheet.iso_week,
        "link": sheet.company_confirmed_by_link_id,
        "registered_ordinary": str(sheet.ordinary_hours),
        "registered_internship": str(sheet.internship_hours),
    }


def _save_company_word(timesheet, link, now, corrected_ordinary=None, corrected_internship=None):
    """The company's word on a week through its link: confirmed now, with its corrected hours (None: as registered)."""
    timesheet.company_confirmed_at = now
    timesheet.company_confirmed_by_link = link
    timesheet.company_corrected_hours = corrected_ordinary
    timesheet.company_corrected_internship_hours = corrected_internship
    timesheet.save(
        update_fields=[
            "company_confirmed_at",
            "company_confirmed_by_link",
            "company_corrected_hours",
            "company_corrected_internship_hours",
        ]
    )


@transaction.atomic
def confirm_hours_by_company(*, link, timesheet, now=None):
    """The company confirms a week's hours as the job broker registered them, through its link."""
    now = now or timezone.now()
    timesheet = Timesheet.objects.select_for_update().select_related("placement__enrolment").get(pk=timesheet.pk)
    _require_company_link(link, timesheet, now)
    _save_company_word(timesheet, link, now)
    log_change(
        user=None,
        action=Action.CONFIRM_HOURS_BY_COMPANY,
        obj=timesheet,
        citizen_pk=timesheet.placement.enrolment.citizen_id,
        changes=_company_word_changes(timesheet),
    )
    return timesheet


@transaction.atomic
def correct_hours_by_company(*, link, timesheet, ordinary_hours, internship_hours=None, now=None):
    """The company says a week's hours were others than registered. The registration stays as it is; the correction
    is kept beside it until the job broker accepts it (accept_company_correction). The same hours as registered are
    a confirmation."""
    now = now or timezone.now()
    timesheet = Timesheet.objects.select_for_update().select_related("placement__enrolment").get(pk=timesheet.pk)
    _require_company_link(link, timesheet, now)
    placement = timesheet.placement
    if internship_hours in (None, "") and not placement.has_internship_part:
        internship_hours = timesheet.internship_hours
    ordinary, internship = rules.clean_week_hours(ordinary_hours, internship_hours)
    rules.check_timesheet(placement, timesheet.week_start, internship, today=timezone.localdate(now))
    same = (ordinary, internship) == (timesheet.ordinary_hours, timesheet.internship_hours)
    _save_company_word(timesheet, link, now, *((None, None) if same else (ordinary, internship)))
    log_change(
        user=None,
        action=Action.CONFIRM_HOURS_BY_COMPANY if same else Action.CORRECT_HOURS_BY_COMPANY,
        obj=timesheet,
        citizen_pk=placement.enrolment.citizen_id,
        changes={
            **_company_word_changes(timesheet),
            "corrected_ordinary": str(ordinary),
            "corrected_internship": str(internship),
        },
    )
    return timesheet


@transaction.atomic
def report_hours_by_company(*, link, placement, week_start, ordinary_hours, internship_hours=None, now=None):
    """The company writes a week's hours that nobody has registered yet, through its link (for instance after a
    reminder). They are the week's registered hours, confirmed by the company; the job broker can change them as any
    registration (which takes the company's confirmation off if the hours differ)."""
    now = now or timezone.now()
    placement = Placement.objects.select_related("enrolment").get(pk=placement.pk)
    _require_company_link_to(link, placement, now)
    week_start = monday_of(week_start)
    if message := rules.week_outside_placement_error(placement, week_start):
        raise ValidationError({"week_start": message})
    ordinary, internship = rules.clean_week_hours(ordinary_hours, internship_hours)
    rules.check_timesheet(placement, week_start, internship, today=timezone.localdate(now))
    if Timesheet.objects.select_for_update().filter(placement=placement, week_start=week_start).exists():
        raise ValidationError(_("The hours of this week are registered already: confirm or correct them."))
    sheet = Timesheet(
        placement=placement,
        week_start=week_start,
        ordinary_hours=ordinary,
        internship_hours=internship,
        registered_by=None,
        company_confirmed_at=now,
        company_confirmed_by_link=link,
    )
    _full_clean(sheet, exclude=["placement", "company_confirmed_by_link"])
    sheet.save()
    log_change(
        user=None,
        action=Action.REGISTER_HOURS,
        obj=sheet,
        citizen_pk=placement.enrolment.citizen_id,
        changes={
            "week": sheet.iso_week,
            "ordinary": str(sheet.ordinary_hours),
            "internship": str(sheet.internship_hours),
            "by_company_link": link.pk,
        },
    )
    return sheet


@transaction.atomic
def accept_company_correction(*, acting_user, timesheet):
    """The job broker accepts the hours the company corrected a week to: they become the registered hours, and the
    week counts as confirmed by the company."""
    timesheet = Timesheet.objects.select_for_update().select_related("placement__enrolment").get(pk=timesheet.pk)
    _require_on_case(acting_user, timesheet.placement.enrolment, Capability.WRITE_HOURS)
    if not timesheet.company_correction_pending:
        raise ValidationError(_("The company has no correction of this week waiting."))
    before = (str(timesheet.ordinary_hours), str(timesheet.internship_hours))
    timesheet.ordinary_hours, timesheet.internship_hours = _corrected(timesheet)
    timesheet.company_corrected_hours = timesheet.company_corrected_internship_hours = None
    timesheet.registered_by = acting_user
    _full_clean(timesheet, exclude=["placement", "company_confirmed_by_link"])
    timesheet.save()
    log_change(
        user=acting_user,
        action=Action.ACCEPT_COMPANY_CORRECTION,
        obj=timesheet,
        citizen_pk=timesheet.placement.enrolment.citizen_id,
        changes={
            "week": timesheet.iso_week,
            "before": {"ordinary": before[0], "internship": before[1]},
            "ordinary": str(timesheet.ordinary_hours),
            "internship": str(timesheet.internship_hours),
        },
    )
    return timesheet


@transaction.atomic
def log_contact(*, acting_user, enrolment, kind, occurred_on, note="", company=None, staff=(), company_contacts=()):
    # A match meeting held is logged as a contact by whoever booked it (matching/actions.py).
    _require_on_case(acting_user, enrolment, Capability.CASE_WORK, Capability.PROPOSE_MATCH)
    contact = Contact(
        enrolment=enrolment, kind=kind, occurred_on=occurred_on, note=note, company=company, registered_by=acting_user
    )
    _full_clean(contact)
    # After the end form only aftercare is allowed; that has its own message below.
    _inside_enrolment(enrolment, Contact, {"occurred_on": occurred_on}, after_exit=("occurred_on",))
    if occurred_on > today():
        raise ValidationError({"occurred_on": _("A contact cannot be dated in the future.")})
    if message := rules.contact_kind_error(enrolment, kind, occurred_on):
        raise ValidationError({"kind": message})
    if kind == Contact.Kind.TREATMENT_CONTACT:
        # Contact with a treatment or support provider about the citizen needs their consent on the day.
        consent.require_consent(enrolment.citizen_id, ConsentKind.CONTACT_WITH_TREATMENT, occurred_on, field="kind")
    contact.save()
    contact.staff.set(staff or [acting_user])
    contact.company_contacts.set(company_contacts)
    log_change(
        user=acting_user,
        action=Action.LOG_CONTACT,
        obj=contact,
        citizen_pk=enrolment.citizen_id,
        changes={"kind": kind},
    )
    return contact


@transaction.atomic
def end_enrolment(*, acting_user, enrolment, ended_on, status, note="", participant=None):
    """The end form: the enrolment ends with an outcome at exit. `participant` holds the funder's end-form answers
    (record_participant_form)."""
    _require_on_case(acting_user, enrolment)
    if enrolment.ended_on:
        raise ValidationError(_("The enrolment has already ended."))
    if message := rules.enrolment_end_error(enrolment.referred_on, ended_on, enrolment.started_on):
        raise ValidationError({"ended_on": message})
    _inside_enrolment(enrolment, Enrolment, {"ended_on": ended_on})
    # A placement still running at exit would count as a job or internship after the citizen left: end it first.
    running = enrolment.placements.exclude(ended_on__lte=ended_on).select_related("company")  # NULL end: running
    if running:
        listed = "; ".join(f"{p.get_kind_display()}, {p.company} ({p.starts_on:%d.%m.%Y})" for p in running)
        raise ValidationError(
            _("End the running placements before the end form: %(placements)s.") % {"placements": listed},
            code="running_placements",
        )
    outcome = Outcome(
        enrolment=enrolment,
        kind=Outcome.Kind.EXIT,
        measured_on=ended_on,
        status=status,
        note=note,
        registered_by=acting_user,
    )
    _full_clean(outcome)
    if message := rules.exit_status_error(status):
        raise ValidationError({"status": message})
    _change_step(acting_user=acting_user, enrolment=enrolment, step=Step.ENDED, on=ended_on)
    enrolment.ended_on = ended_on
    enrolment.save(update_fields=["ended_on"])
    outcome.save()
    log_change(
        user=acting_user,
        action=Action.END_ENROLMENT,
        obj=enrolment,
        citizen_pk=enrolment.citizen_id,
        changes={"status": status},
    )
    if participant:
        _record_participant_form(acting_user, enrolment, participant)
    return outcome


@transaction.atomic
def record_follow_up(*, acting_user, enrolment, measured_on, status, note=""):
    _require_on_case(acting_user, enrolment)
    if measured_on < enrolment.referred_on:
        raise ValidationError({"measured_on": _("An outcome cannot be dated before the referral date.")})
    if message := rules.follow_up_date_error(enrolment, measured_on):
        raise ValidationError({"measured_on": message})
    _inside_enrolment(enrolment, Outcome, {"measured_on": measured_on}, after_exit=("measured_on",))
    outcome = Outcome(
        enrolment=enrolment,
        kind=Outcome.Kind.FOLLOW_UP,
        measured_on=measured_on,
        status=status,
        note=note,
        registered_by=acting_user,
    )
    _full_clean(outcome)
    outcome.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_FOLLOW_UP,
        obj=outcome,
        citizen_pk=enrolment.citizen_id,
        changes={"status": status},
    )
    return outcome


# --- Job plans and packages, milestones, agreed hours ---------------------------------------------


@transaction.atomic
def create_job_plan(*, acting_user, enrolment, title, created_on, is_job_package=False, target_occupation_code=""):
    """A job plan for the enrolment. A job package (jobpakke) is a plan towards a named target job (DISCO-08)."""
    _require_on_case(acting_user, enrolment)
    if enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended; a new plan needs a new referral."))
    title = (title or "").strip()
    code = (target_occupation_code or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the plan a title.")
    if created_on < enrolment.referred_on:
        errors["created_on"] = _("A plan cannot be made before the referral date.")
    elif created_on > today():
        errors["created_on"] = _("A plan cannot be dated in the future.")
    elif message := rules.plausible_date_error(created_on, _label(JobPlan, "created_on")):
        errors["created_on"] = message
    if code:
        try:
            codes.validate_occupation_code(code)
        except ValidationError as error:
            errors["target_occupation_code"] = error.messages
    elif message := rules.job_package_error(is_job_package, code):
        errors["target_occupation_code"] = message
    if errors:
        raise ValidationError(errors)
    plan = JobPlan(
        enrolment=enrolment,
        title=title,
        created_on=created_on,
        is_job_package=bool(is_job_package),
        target_occupation_code=code,
    )
    _full_clean(plan)
    plan.save()
    log_change(
        user=acting_user,
        action=Action.CREATE_JOB_PLAN,
        obj=plan,
        citizen_pk=enrolment.citizen_id,
        changes={
            "enrolment": enrolment.pk,
            "is_job_package": plan.is_job_package,
            "target_occupation_code": code,
            "created_on": created_on.isoformat(),
        },
    )
    return plan


@transaction.atomic
def add_milestone(*, acting_user, plan, kind, due_on, title=""):
    """A dated milestone in a plan; without a title it is named after its kind."""
    _require_on_case(acting_user, plan.enrolment)
    if plan.closed_on:
        raise ValidationError(_("The plan is closed."))
    if plan.enrolment.ended_on:
        raise ValidationError(_("The enrolment has ended."))
    errors = {}
    if kind not in Milestone.Kind.values:
        errors["kind"] = _("Choose what kind of milestone it is.")
    if message := rules.milestone_before_plan_error(plan.created_on, due_on):
        errors["due_on"] = message
    elif message := rules.enrolment_date_error(plan.enrolment, due_on, _label(Milestone, "due_on"), today=today()):
        errors["due_on"] = message
    if errors:
        raise ValidationError(errors)
    title = (title or "").strip() or str(Milestone.Kind(kind).label)
    milestone = Milestone(plan=plan, kind=kind, title=title, due_on=due_on)
    _full_clean(milestone)
    milestone.save()
    log_change(
        user=acting_user,
        action=Action.ADD_MILESTONE,
        obj=milestone,
        citizen_pk=plan.enrolment.citizen_id,
        changes={"plan": plan.pk, "kind": kind, "due_on": due_on.isoformat()},
    )
    return milestone


@transaction.atomic
def complete_milestone(*, acting_user, milestone, completed_on):
    """Mark a milestone as done on a date: not before the plan was made, not in the future, and only once."""
    _require_on_case(acting_user, milestone.plan.enrolment)
    if milestone.completed_on:
        raise ValidationError(_("The milestone is already done."))
    plan = milestone.plan
    if message := rules.milestone_before_plan_error(plan.created_on, completed_on, done=True):
        raise ValidationError({"completed_on": message})
    if completed_on > today():
        raise ValidationError({"completed_on": _("A milestone cannot be done in the future.")})
    _inside_enrolment(plan.enrolment, Milestone, {"completed_on": completed_on})
    milestone.completed_on = completed_on
    milestone.save(update_fields=["completed_on"])
    log_change(
        user=acting_user,
        action=Action.COMPLETE_MILESTONE,
        obj=milestone,
        citizen_pk=plan.enrolment.citizen_id,
        changes={"plan": plan.pk, "completed_on": completed_on.isoformat()},
    )
    return milestone


@transaction.atomic
def change_agreed_hours(*, acting_user, placement, from_date, ordinary_hours, internship_hours=0):
    """A new agreement on weekly hours from a date. The history keeps every agreement, the first one included;
    placement.agreed_ordinary_hours holds the current one."""
    _require_on_case(acting_user, placement.enrolment)
    errors = {}
    last = placement.hours_changes.order_by("-from_date", "-id").first()
    if from_date < placement.starts_on:
        errors["from_date"] = _("The date is before the placement started.")
    elif placement.ended_on and from_date > placement.ended_on:
        errors["from_date"] = _("The date is after the placement ended.")
    elif last and from_date < last.from_date:
        errors["from_date"] = _("The date is before the last change of hours (%(date)s).") % {
            "date": last.from_date.strftime("%d.%m.%Y")
        }
    elif message := rules.enrolment_date_error(
        placement.enrolment, from_date, _label(AgreedHoursChange, "from_date"), today=today()
    ):
        errors["from_date"] = message
    if ordinary_hours in (None, ""):
        errors["ordinary_hours"] = _("Write the ordinary hours a week (0 if none).")
    else:
        # The same week rule as the timesheets (cases/rules.py): each 0-60, together at most 60.
        errors.update(rules.week_hours_errors(ordinary_hours, internship_hours))
    if errors:
        raise ValidationError(errors)
    ordinary, internship = rules.clean_week_hours(ordinary_hours, internship_hours)
    change = AgreedHoursChange(
        placement=placement,
        from_date=from_date,
        ordinary_hours=ordinary,
        internship_hours=internship,
        changed_by=acting_user,
    )
    _full_clean(change, exclude=["placement"])
    if last is None:
        # Rows imported or generated without their start agreement get it first, so the history is whole.
        _record_start_agreement(placement)
    change.save()
    placement.agreed_ordinary_hours = change.ordinary_hours
    placement.agreed_internship_hours = change.internship_hours
    placement.save(update_fields=["agreed_ordinary_hours", "agreed_internship_hours"])
    log_change(
        user=acting_user,
        action=Action.CHANGE_AGREED_HOURS,
        obj=placement,
        citizen_pk=placement.enrolment.citizen_id,
        changes={
            "from": from_date.isoformat(),
            "ordinary": str(change.ordinary_hours),
            "internship": str(change.internship_hours),
        },
    )
    return change


# --- Upskilling considered at the first talk -------------------------------------------------------


@transaction.atomic
def record_upskilling_decision(*, acting_user, enrolment, decided_on, wanted, course=None, reason=""):
    """Upskilling considered at the first talk: yes with a course, or no with the reason.

    A later decision is a new row; the first one is the one that shows it was considered at the first talk.
    """
    _require_on_case(acting_user, enrolment)
    if decided_on < enrolment.referred_on:
        raise ValidationError({"decided_on": _("The decision cannot be dated before the referral date.")})
    if enrolment.ended_on and decided_on > enrolment.ended_on:
        raise ValidationError({"decided_on": _("The decision cannot be dated after the end form date.")})
    _inside_enrolment(enrolment, UpskillingDecision, {"decided_on": decided_on})
    decision = UpskillingDecision(
        enrolment=enrolment,
        decided_on=decided_on,
        wanted=bool(wanted),
        course=course if wanted else None,
        reason=(reason or "").strip(),
    )
    _full_clean(decision)
    decision.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_UPSKILLING_DECISION,
        obj=decision,
        citizen_pk=enrolment.citizen_id,
        changes={"wanted": decision.wanted, "course": decision.course_id, "on": decided_on.isoformat()},
    )
    return decision


# --- Self-assessment (progression) ------------------------------------------------------------------

SELF_ASSESSMENT_VALID_FOR = datetime.timedelta(hours=2)


def _self_assessment_scores(scores):
    """The seven scores as whole numbers from 1 to 10, or one ValidationError naming every field that is not."""

    errors, clean = {}, {}
    for dimension in ProgressionAssessment.DIMENSIONS:
        value = scores.get(dimension)
        try:
            number = numbers.parse_integer(value) if value is not None else None  # digits 0-9 only
        except ValidationError:
            number = None
        if number is None or not 1 <= number <= 10:
            errors[dimension] = _("Choose a whole number from 1 to 10.")
        else:
            clean[dimension] = number
    if errors:
        raise ValidationError(errors)
    return clean


def _save_self_assessment(enrolment, assessed_on, scores):

    assessment = ProgressionAssessment(enrolment=enrolment, assessed_on=assessed_on, **_self_assessment_scores(scores))
    _full_clean(assessment, exclude=["enrolment"])
    assessment.save()
    return assessment


@transaction.atomic
def record_self_assessment(*, acting_user, enrolment, assessed_on, scores):
    """A self-assessment the citizen filled in on paper, typed in by someone doing case work on the enrolment."""
    _require_on_case(acting_user, enrolment, Capability.TABLET_ASSESSMENT)
    if assessed_on > today():
        raise ValidationError({"assessed_on": _("A self-assessment cannot be dated in the future.")})
    if assessed_on < enrolment.referred_on:
        raise ValidationError({"assessed_on": _("A self-assessment cannot be dated before the referral date.")})
    _inside_enrolment(enrolment, ProgressionAssessment, {"assessed_on": assessed_on})
    assessment = _save_self_assessment(enrolment, assessed_on, scores)
    # The scores are health information: the change log says that and when, never what.
    log_change(
        user=acting_user,
        action=Action.RECORD_SELF_ASSESSMENT,
        obj=assessment,
        citizen_pk=enrolment.citizen_id,
        changes={"enrolment": enrolment.pk, "assessed_on": assessed_on.isoformat(), "via": "paper"},
    )
    return assessment


def _unused_code(now):
    """Six random digits that no other live invitation has, so a typed code opens exactly one questionnaire."""

    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if not ProgressionInvitation.objects.live(now).filter(code_hash=ProgressionInvitation.hash_code(code)).exists():
            return code


@transaction.atomic
def invite_to_self_assessment(*, acting_user, enrolment, now=None):
    """A one-time invitation to fill in the self-assessment on a tablet. Returns (invitation, token, code).

    The token (for a link) and the code (to type on another device) are returned this once, to be shown to
    the staff member; only their hashes are stored. A new invitation ends the enrolment's earlier live ones,
    so at most one link per citizen is open at a time.
    """

    _require_on_case(acting_user, enrolment, Capability.TABLET_ASSESSMENT)
    now = now or timezone.now()
    ProgressionInvitation.objects.live(now).filter(enrolment=enrolment).update(expires_at=now)
    token, code = secrets.token_urlsafe(32), _unused_code(now)
    invitation = ProgressionInvitation.objects.create(
        enrolment=enrolment,
        token_hash=ProgressionInvitation.hash_token(token),
        code_hash=ProgressionInvitation.hash_code(code),
        created_by=acting_user,
        created_at=now,
        expires_at=now + SELF_ASSESSMENT_VALID_FOR,
    )
    log_change(
        user=acting_user,
        action=Action.INVITE_TO_SELF_ASSESSMENT,
        obj=invitation,
        citizen_pk=enrolment.citizen_id,
        changes={"enrolment": enrolment.pk, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation, token, code


def self_assessment_invitation(token, now=None):
    """The live invitation with this token, or a ValidationError saying why there is none (code: unknown, used, expired)."""

    now = now or timezone.now()
    invitation = (
        ProgressionInvitation.objects.select_related("enrolment__citizen")
        .filter(token_hash=ProgressionInvitation.hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError(
            _("This questionnaire link is not valid. Ask the staff member for a new one."), code="unknown"
        )
    if invitation.used_at is not None:
        raise ValidationError(_("This questionnaire has already been filled in. Nothing more is needed."), code="used")
    if not invitation.is_live(now):
        raise ValidationError(
            _("This questionnaire link has expired. Ask the staff member for a new one."), code="expired"
        )
    return invitation


@transaction.atomic
def open_self_assessment_by_code(*, code, now=None):
    """Exchange a typed six-digit code for a fresh token, once. Returns the token, or None for a wrong or spent code.

    The link shown to the staff member stops working: the questionnaire is now open on the device that typed the code.
    """

    now = now or timezone.now()
    code = "".join(str(code or "").split())
    if len(code) != 6 or not (code.isascii() and code.isdigit()):  # str.isdigit alone takes "٤" too
        return None
    code_hash = ProgressionInvitation.hash_code(code)
    matches = list(ProgressionInvitation.objects.live(now).filter(code_hash=code_hash).select_related("enrolment")[:2])
    if len(matches) != 1:  # two live invitations with one code cannot be told apart: open neither
        return None
    invitation = matches[0]
    token = secrets.token_urlsafe(32)
    # Conditional on the code still being there: two devices typing the same code at once get one questionnaire.
    exchanged = ProgressionInvitation.objects.filter(
        pk=invitation.pk, code_hash=code_hash, used_at__isnull=True
    ).update(code_hash="", token_hash=ProgressionInvitation.hash_token(token))
    if not exchanged:
        return None
    log_change(
        user=None,
        action=Action.OPEN_SELF_ASSESSMENT_BY_CODE,
        obj=invitation,
        citizen_pk=invitation.enrolment.citizen_id,
        changes={"enrolment": invitation.enrolment_id},
    )
    return token


@transaction.atomic
def submit_self_assessment(*, token, scores, now=None):
    """The citizen's answers from the tablet: saved as today's assessment, and the invitation used, together.

    Either both happen or neither: a refused score leaves the invitation open, and an invitation used or
    expired in the meantime saves no scores.
    """

    now = now or timezone.now()
    invitation = self_assessment_invitation(token, now)
    clean = _self_assessment_scores(scores)
    # Conditional on still being live: a second submission racing this one finds nothing to mark and stops here.
    marked = ProgressionInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not marked:
        raise ValidationError(_("This questionnaire has already been filled in. Nothing more is needed."), code="used")
    assessment = _save_self_assessment(invitation.enrolment, timezone.localdate(now), clean)
    ProgressionInvitation.objects.filter(pk=invitation.pk).update(assessment=assessment)
    log_change(
        user=None,
        action=Action.SUBMIT_SELF_ASSESSMENT,
        obj=assessment,
        citizen_pk=invitation.enrolment.citizen_id,
        changes={
            "enrolment": invitation.enrolment_id,
            "assessed_on": assessment.assessed_on.isoformat(),
            "via": "tablet",
            "invitation": invitation.pk,
            "invited_by": invitation.created_by_id,
        },
    )
    return assessment


@transaction.atomic
def enrol_in_course(*, acting_user, enrolment, course, starts_on):
    """Enrol a citizen (one of their programme enrolments) in a course: a planned upskilling.

    The end date follows from the course's duration. Upskilling runs alongside the course in the programme,
    so it must start within the enrolment.
    """
    # Enrolling a citizen in a course is case work.
    _require_on_case(acting_user, enrolment)
    if not enrolment.is_active:
        raise ValidationError({"enrolment": _("The citizen's course in the programme has ended.")})
    if starts_on < enrolment.referred_on:
        raise ValidationError({"starts_on": _("The course cannot start before the referral date.")})
    if UpskillingEnrolment.objects.filter(
        enrolment=enrolment,
        course=course,
        status__in=[UpskillingEnrolment.Status.PLANNED, UpskillingEnrolment.Status.STARTED],
    ).exists():
        raise ValidationError({"course": _("The citizen is already enrolled in this course.")})
    upskilling = UpskillingEnrolment(
        enrolment=enrolment,
        course=course,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=max(course.duration_days, 1) - 1),
        status=UpskillingEnrolment.Status.PLANNED,
    )
    _full_clean(upskilling)
    upskilling.save()
    log_change(
        user=acting_user,
        action=Action.ENROL_IN_COURSE,
        obj=upskilling,
        citizen_pk=enrolment.citizen_id,
        changes={"course": course.pk, "starts_on": starts_on.isoformat()},
    )
    return upskilling
