"""Every write to the company network goes through one of these functions.

Each runs in one transaction, checks that the acting user may make the change, validates before it
writes, and writes its audit row with the change. The coordinator (and an administrator) keeps the
network: companies, contacts and buddies, network agreements, openings (small jobs), institutions and
courses. Enrolling a citizen in a course is case work, an action of cases/actions.py (enrol_in_course).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro import textlimits
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.companies.models import (
    Company,
    CompanyActivity,
    CompanyActivityCitizen,
    CompanyContact,
    Course,
    KnowledgeInstitution,
    NetworkAgreement,
    Opening,
    Requirement,
    Weekday,
)
from jobbro.days import today

COMPANY_FIELDS = ("cvr", "name", "industry_code", "kind", "address", "postcode", "city")
CONTACT_FIELDS = ("name", "job_title", "phone", "email", "is_buddy", "buddy_trained_on")
OPENING_FIELDS = (
    "title",
    "occupation_code",
    "tasks",
    "weekly_hours",
    "days",
    "requirements",
    "danish_level_required",
    "buddy",
    "capacity",
)
COURSE_FIELDS = ("institution", "name", "subject", "duration_days", "cost_dkk", "alongside_work")
INSTITUTION_FIELDS = ("name", "kind", "city")


def _require(condition):
    if not condition:
        raise PermissionDenied


def _require_network(user):
    _require(may(user, Capability.MANAGE_NETWORK))


def _require_programme(user, programme):
    _require(access.visible_programmes(user).filter(pk=programme.pk).exists())


def _full_clean(obj, exclude=None):
    # A text longer than its field allows is refused first, with a message naming the field (jobbro/textlimits.py).
    too_long = textlimits.length_errors(obj)
    if too_long:
        raise ValidationError(too_long)
    obj.full_clean(exclude=exclude, validate_unique=False)


def _changed(obj, fields, values):
    """Set the given values on obj; return {field: new value as text} for the ones that changed."""
    changes = {}
    for field in fields:
        if field not in values:
            continue
        new = values[field]
        if getattr(obj, field) != new:
            setattr(obj, field, new)
            changes[field] = (
                new.pk
                if hasattr(new, "pk")
                else (new if isinstance(new, (bool, int, list)) or new is None else str(new))
            )
    return changes


# --- Companies --------------------------------------------------------------------------------------------


def _check_cvr_free(cvr, company=None):
    others = Company.objects.filter(cvr=cvr)
    if company is not None:
        others = others.exclude(pk=company.pk)
    if others.exists():
        raise ValidationError({"cvr": _("A company with this CVR number is already in the network.")})


@transaction.atomic
def create_company(*, acting_user, cvr, name, industry_code, kind, address="", postcode="", city=""):
    _require_network(acting_user)
    cvr = (cvr or "").replace(" ", "").strip()
    company = Company(
        cvr=cvr,
        name=name.strip(),
        industry_code=industry_code,
        kind=kind,
        address=address.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
    )
    _full_clean(company)
    _check_cvr_free(cvr)
    company.save()
    log_change(
        user=acting_user,
        action=Action.CREATE_COMPANY,
        obj=company,
        changes={"cvr": cvr, "name": company.name, "kind": kind},
    )
    return company


@transaction.atomic
def update_company(*, acting_user, company, **values):
    """Change a company's facts (CVR, name, industry, kind, address)."""
    _require_network(acting_user)
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise TypeError(f"update_company: unknown fields {sorted(unknown)}")
    company = Company.objects.select_for_update().get(pk=company.pk)
    if "cvr" in values:
        values["cvr"] = (values["cvr"] or "").replace(" ", "").strip()
    changes = _changed(company, COMPANY_FIELDS, values)
    _full_clean(company)
    if "cvr" in changes:
        _check_cvr_free(company.cvr, company)
    if changes:
        company.save()
        log_change(user=acting_user, action=Action.UPDATE_COMPANY, obj=company, changes=changes)
    return company


# --- Contacts and buddies ---------------------------------------------------------------------------------


def _clean_contact(contact):
    if contact.buddy_trained_on and not contact.is_buddy:
        raise ValidationError({"buddy_trained_on": _("Only a buddy has a buddy training date.")})
    if contact.buddy_trained_on and contact.buddy_trained_on > today():
        raise ValidationError({"buddy_trained_on": _("The buddy training date cannot be in the future.")})
    _full_clean(contact)


@transaction.atomic
def add_company_contact(
    *, acting_user, company, name, job_title="", phone="", email="", is_buddy=False, buddy_trained_on=None
):
    _require_network(acting_user)
    contact = CompanyContact(
        company=company,
        name=name.strip(),
        job_title=job_title.strip(),
        phone=phone.strip(),
        email=email.strip(),
        is_buddy=bool(is_buddy),
        buddy_trained_on=buddy_trained_on,
    )
    _clean_contact(contact)
    contact.save()
    log_change(
        user=acting_user,
        action=Action.ADD_COMPANY_CONTACT,
        obj=contact,
        changes={
            "company": company.pk,
            "is_buddy": contact.is_buddy,
            "buddy_trained_on": buddy_trained_on.isoformat() if buddy_trained_on else None,
        },
    )
    return contact


@transaction.atomic
def update_company_contact(*, acting_user, contact, **values):
    _require_network(acting_user)
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"update_company_contact: unknown fields {sorted(unknown)}")
    contact = CompanyContact.objects.select_for_update().get(pk=contact.pk)
    changes = _changed(contact, CONTACT_FIELDS, values)
    _clean_contact(contact)
    if changes:
        contact.save()
        # Names, phone numbers and e-mails of company people are personal data too: log which fields changed.
        log_change(
            user=acting_user, action=Action.UPDATE_COMPANY_CONTACT, obj=contact, changes={"fields": sorted(changes)}
        )
    return contact


# --- Network agreements -----------------------------------------------------------------------------------


@transaction.atomic
def record_agreement(*, acting_user, company, programme, signed_on, commitments="", ended_on=None):
    """A signed network agreement: the company joins the programme's cluster network."""
    _require_network(acting_user)
    _require_programme(acting_user, programme)
    if signed_on > today():
        raise ValidationError({"signed_on": _("The agreement cannot be signed in the future.")})
    running = NetworkAgreement.objects.filter(company=company, programme=programme, ended_on__isnull=True)
    if ended_on is None and running.exists():
        raise ValidationError(
            {"signed_on": _("The company already has a running agreement in this programme; end it first.")}
        )
    agreement = NetworkAgreement(
        company=company,
        programme=programme,
        signed_on=signed_on,
        ended_on=ended_on,
        commitments=(commitments or "").strip(),
    )
    _full_clean(agreement)
    agreement.save()
    log_change(
        user=acting_user,
        action=Action.RECORD_AGREEMENT,
        obj=agreement,
        changes={"company": company.pk, "programme": programme.pk, "signed_on": signed_on.isoformat()},
    )
    return agreement


@transaction.atomic
def end_agreement(*, acting_user, agreement, ended_on):
    _require_network(acting_user)
    _require_programme(acting_user, agreement.programme)
    agreement = NetworkAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.ended_on:
        raise ValidationError({"ended_on": _("The agreement has already ended.")})
    agreement.ended_on = ended_on
    _full_clean(agreement)
    agreement.save()
    log_change(user=acting_user, action=Action.END_AGREEMENT, obj=agreement, changes={"ended_on": ended_on.isoformat()})
    return agreement


# --- Openings (small jobs) --------------------------------------------------------------------------------


def _clean_opening(opening):
    errors = {}
    days = list(dict.fromkeys(opening.days or []))
    if set(days) - set(Weekday.values):
        errors["days"] = _("Choose days from the list.")
    requirements = list(dict.fromkeys(opening.requirements or []))
    if set(requirements) - set(Requirement.values):
        errors["requirements"] = _("Choose requirements from the list.")
    if opening.buddy_id and opening.buddy.company_id != opening.company_id:
        errors["buddy"] = _("The buddy must work at the company.")
    if errors:
        raise ValidationError(errors)
    order = {day: i for i, day in enumerate(Weekday.values)}
    opening.days = sorted(days, key=order.get)
    opening.requirements = requirements
    _full_clean(opening)


@transaction.atomic
def add_opening(
    *,
    acting_user,
    company,
    programme,
    title,
    tasks,
    weekly_hours,
    posted_on,
    days=(),
    requirements=(),
    occupation_code="",
    danish_level_required=None,
    buddy=None,
    capacity=1,
    external_id="",
):
    """Post an open small job on the programme's board."""
    _require_network(acting_user)
    _require_programme(acting_user, programme)
    opening = Opening(
        company=company,
        programme=programme,
        title=title.strip(),
        tasks=tasks.strip(),
        weekly_hours=weekly_hours,
        days=list(days),
        requirements=list(requirements),
        occupation_code=occupation_code or "",
        danish_level_required=danish_level_required,
        buddy=buddy,
        capacity=capacity,
        posted_on=posted_on,
        external_id=external_id,
    )
    _clean_opening(opening)
    if external_id and Opening.objects.filter(programme=programme, external_id=external_id).exists():
        raise ValidationError({"external_id": _("An opening with this external id is already in the programme.")})
    opening.save()
    log_change(
        user=acting_user,
        action=Action.ADD_OPENING,
        obj=opening,
        changes={
            "company": company.pk,
            "programme": programme.pk,
            "title": opening.title,
            "weekly_hours": str(opening.weekly_hours),
        },
    )
    return opening


@transaction.atomic
def update_opening(*, acting_user, opening, **values):
    _require_network(acting_user)
    _require_programme(acting_user, opening.programme)
    unknown = set(values) - set(OPENING_FIELDS)
    if unknown:
        raise TypeError(f"update_opening: unknown fields {sorted(unknown)}")
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.status != Opening.Status.OPEN:
        raise ValidationError(_("Only an open small job can be changed."))
    changes = _changed(
        opening, OPENING_FIELDS, {k: (list(v) if k in {"days", "requirements"} else v) for k, v in values.items()}
    )
    _clean_opening(opening)
    if changes:
        opening.save()
        log_change(user=acting_user, action=Action.UPDATE_OPENING, obj=opening, changes={"fields": sorted(changes)})
    return opening


@transaction.atomic
def close_opening(*, acting_user, opening, on, filled=False):
    """Take an opening off the board: filled (someone got it) or closed (withdrawn)."""
    _require_network(acting_user)
    _require_programme(acting_user, opening.programme)
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.status != Opening.Status.OPEN:
        raise ValidationError(_("The small job is not open."))
    if on < opening.posted_on:
        raise ValidationError({"on": _("The date cannot be before the small job was posted.")})
    if on > today():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if filled:
        opening.status, opening.filled_on = Opening.Status.FILLED, on
    else:
        opening.status, opening.closed_on = Opening.Status.CLOSED, on
    _full_clean(opening)
    opening.save()
    log_change(
        user=acting_user,
        action=Action.CLOSE_OPENING,
        obj=opening,
        changes={"status": opening.status, "on": on.isoformat()},
    )
    return opening


# --- Knowledge institutions and courses -------------------------------------------------------------------


@transaction.atomic
def create_institution(*, acting_user, name, kind, city=""):
    _require_network(acting_user)
    institution = KnowledgeInstitution(name=name.strip(), kind=kind, city=city.strip())
    _full_clean(institution)
    if KnowledgeInstitution.objects.filter(name__iexact=institution.name).exists():
        raise ValidationError({"name": _("An institution with this name is already in the catalogue.")})
    institution.save()
    log_change(
        user=acting_user,
        action=Action.CREATE_INSTITUTION,
        obj=institution,
        changes={"name": institution.name, "kind": kind},
    )
    return institution


@transaction.atomic
def update_institution(*, acting_user, institution, **values):
    _require_network(acting_user)
    unknown = set(values) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"update_institution: unknown fields {sorted(unknown)}")
    institution = KnowledgeInstitution.objects.select_for_update().get(pk=institution.pk)
    changes = _changed(institution, INSTITUTION_FIELDS, values)
    _full_clean(institution)
    if (
        "name" in changes
        and KnowledgeInstitution.objects.filter(name__iexact=institution.name).exclude(pk=institution.pk).exists()
    ):
        raise ValidationError({"name": _("An institution with this name is already in the catalogue.")})
    if changes:
        institution.save()
        log_change(user=acting_user, action=Action.UPDATE_INSTITUTION, obj=institution, changes=changes)
    return institution


def _clean_course(course):
    if course.duration_days is not None and course.duration_days < 1:
        raise ValidationError({"duration_days": _("A course lasts at least one day.")})
    if course.cost_dkk is not None and course.cost_dkk < 0:
        raise ValidationError({"cost_dkk": _("The cost cannot be negative.")})
    _full_clean(course)


@transaction.atomic
def create_course(*, acting_user, institution, name, subject, duration_days, cost_dkk=0, alongside_work=True):
    _require_network(acting_user)
    course = Course(
        institution=institution,
        name=name.strip(),
        subject=subject,
        duration_days=duration_days,
        cost_dkk=cost_dkk,
        alongside_work=bool(alongside_work),
    )
    _clean_course(course)
    course.save()
    log_change(
        user=acting_user,
        action=Action.CREATE_COURSE,
        obj=course,
        changes={"institution": institution.pk, "name": course.name, "subject": subject},
    )
    return course


@transaction.atomic
def update_course(*, acting_user, course, **values):
    _require_network(acting_user)
    unknown = set(values) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"update_course: unknown fields {sorted(unknown)}")
    course = Course.objects.select_for_update().get(pk=course.pk)
    changes = _changed(course, COURSE_FIELDS, values)
    _clean_course(course)
    if changes:
        course.save()
        log_change(user=acting_user, action=Action.UPDATE_COURSE, obj=course, changes=changes)
    return course


# --- The activity log -------------------------------------------------------------------------------------


def note_visible_to(activity, user, *, names_citizens=None):
    """Whether the user may read the activity's note: a note on an activity that names citizens is a case note
    (accounts/free_text.py), read only with the capability read_notes; any other note is read by all who see the
    company. `names_citizens` saves a query when the caller knows it."""
    if names_citizens is None:
        names_citizens = activity.citizens.exists()
    return not names_citizens or may(user, Capability.READ_NOTES)


def _staff_of(programme, users):
    """The users who work in the programme (a membership at any of its sites, or the whole of it)."""
    return {
        user.pk
        for user in users
        if user.memberships.filter(programme=programme).exists() or access.sees_everything(user)
    }


@transaction.atomic
def record_company_activity(
    *, acting_user, company, programme, kind, occurred_on, contacts=(), citizens=(), staff=(), note=""
):
    """Record a visit, call, agreement, follow-up or other contact with a company in one programme.

    The acting user took part; `staff` adds the colleagues who took part too (people working in the programme).
    `contacts` are the company's own contact persons. `citizens` are the citizens the activity was about, each with
    a case in the programme that the acting user may see. Counts towards the company's last contact and who is in
    contact with it (reporting/track_record.py)."""
    _require(may(acting_user, Capability.LOG_COMPANY_ACTIVITY))
    _require_programme(acting_user, programme)
    contacts, citizens, staff = list(contacts), list(citizens), list(staff)
    if citizens:
        _require(may(acting_user, Capability.READ_CITIZEN))
    if kind not in CompanyActivity.Kind.values:
        raise ValidationError({"kind": _("Choose what kind of contact it was.")})
    if occurred_on is None:
        raise ValidationError({"occurred_on": _("Give the date.")})
    if occurred_on > today():
        raise ValidationError({"occurred_on": _("An activity cannot be recorded before it has happened.")})
    if any(contact.company_id != company.pk for contact in contacts):
        raise ValidationError({"contacts": _("A contact person must be one of the company's own.")})
    for citizen in citizens:
        # The reverse relation reads the citizen's cases without this layer importing them (cases is above).
        cases = access.scope_enrolments(citizen.enrolments.filter(programme=programme), acting_user)
        if not cases.exists():
            raise ValidationError({"citizens": _("A citizen involved must have a case in the programme you can see.")})
    others = [user for user in staff if user.pk != acting_user.pk]
    if len(_staff_of(programme, others)) != len({user.pk for user in others}):
        raise ValidationError({"staff": _("Staff who took part must work in the programme.")})
    activity = CompanyActivity(
        company=company,
        programme=programme,
        kind=kind,
        occurred_on=occurred_on,
        note=(note or "").strip(),
        recorded_by=acting_user,
    )
    _full_clean(activity)
    activity.save()
    activity.contacts.set(contacts)
    activity.staff.set({acting_user.pk, *(user.pk for user in others)})
    CompanyActivityCitizen.objects.bulk_create(
        [CompanyActivityCitizen(activity=activity, citizen=citizen) for citizen in {c.pk: c for c in citizens}.values()]
    )
    # The note is never copied to the log: it may be a case note.
    log_change(
        user=acting_user,
        action=Action.RECORD_COMPANY_ACTIVITY,
        obj=activity,
        citizen_pk=citizens[0].pk if len(citizens) == 1 else None,
        changes={
            "company": company.pk,
            "programme": programme.pk,
            "kind": kind,
            "occurred_on": occurred_on.isoformat(),
            "contacts": sorted(contact.pk for contact in contacts),
            "staff": sorted({acting_user.pk, *(user.pk for user in others)}),
            "citizens": sorted({citizen.pk for citizen in citizens}),
        },
    )
    return activity


@transaction.atomic
def set_buddy_trained_on(*, acting_user, contact, trained_on):
    """A buddy's training date, from attendance at a buddy training (outreach/actions.py records it and calls this).

    The latest training attended counts; a date later than today, or a contact who is not a buddy, is refused. Any
    user who may record attendance at events may set it this way; editing it by hand stays with the coordinator."""
    _require(may(acting_user, Capability.REGISTER_FOR_EVENTS) or may(acting_user, Capability.MANAGE_NETWORK))
    contact = CompanyContact.objects.select_for_update().get(pk=contact.pk)
    if not contact.is_buddy:
        raise ValidationError({"buddy_trained_on": _("Only a buddy has a buddy training date.")})
    if trained_on > today():
        raise ValidationError({"buddy_trained_on": _("The buddy training date cannot be in the future.")})
    if contact.buddy_trained_on and contact.buddy_trained_on >= trained_on:
        return contact
    before = contact.buddy_trained_on
    contact.buddy_trained_on = trained_on
    contact.save(update_fields=["buddy_trained_on"])
    log_change(
        user=acting_user,
        action=Action.SET_BUDDY_TRAINED,
        obj=contact,
        changes={
            "buddy_trained_on": trained_on.isoformat(),
            "before": before.isoformat() if before else None,
        },
    )
    return contact
