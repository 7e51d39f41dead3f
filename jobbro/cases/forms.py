"""Forms for referral, step changes, the upskilling decision, the end form and follow-up.

The forms check what the page can check (formats, choices, dates not in the future, staff working at
the chosen site); the actions in cases/actions.py check the rules of the record (duplicates by CPR,
dates against the history) and write. Dates use the browser's date picker (value YYYY-MM-DD).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.accounts.models import Membership, TargetGroup, User
from jobbro.accounts.policy import Capability, may, roles_with
from jobbro.cases import rules
from jobbro.cases.models import (
    EducationLevel,
    OutcomeStatus,
    ParticipantForm,
    ParticipantSex,
    StatusAtEntry,
    StatusAtExit,
    Step,
)
from jobbro.companies.models import Course
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.people import cpr, postcodes
from jobbro.people.models import BenefitType, OriginGroup, TrafficLight
from jobbro.pickers import StaffPickerField

CPR_WIDGET_ATTRS = {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
# The citizen's own details: asked for a new citizen only; a known citizen's record is reused as it is.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "address",
    "postcode",
    "city",
    "benefit_type",
    "origin_group",
    "housing_area",
    "target_groups",
)


# --- The funder's participant form (docs/funders.md): optional answers on the start form and the end form ----------


def _answer(label, choices, help_text=""):
    return forms.ChoiceField(
        label=label, choices=[("", _("Not answered"))] + list(choices), required=False, help_text=help_text
    )


def participant_start_fields():
    """The funder's start-form questions (the age group is computed from the birth date, never asked)."""
    return {
        "sex": _answer(
            _("Sex"),
            ParticipantSex.choices,
            _("Ask the citizen; “Does not wish to say” is an answer. Never taken from the CPR number."),
        ),
        "education_level": _answer(_("Highest education completed"), EducationLevel.choices),
        "status_at_entry": _answer(
            _("Labour-market status at entry"),
            StatusAtEntry.choices,
            _("Long-term unemployed as the funder defines it; they count as unemployed too in the export."),
        ),
    }


QUALIFICATION_CHOICES = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]


def participant_end_fields():
    """The funder's end-form questions (the immediate results on leaving)."""
    return {
        "status_at_exit": _answer(_("Labour-market status at exit"), StatusAtExit.choices),
        "qualification_gained": forms.ChoiceField(
            label=_("Gained a qualification during the course"),
            choices=QUALIFICATION_CHOICES,
            required=False,
            help_text=_("A certificate or diploma from a course, e.g. a forklift certificate or an AMU course."),
        ),
    }


def participant_answers(cleaned_data, names):
    """The answers among `names` in the form's data, as record_participant_form takes them."""
    answers = {}
    for name in names:
        if name not in cleaned_data:
            continue
        value = cleaned_data[name]
        if name == "qualification_gained":
            value = {"yes": True, "no": False}.get(value)
        answers[name] = value
    return answers


def participant_initial(form):
    """The initial values of the participant form's fields from the stored answers (or none)."""
    if form is None:
        return {}
    initial = {name: getattr(form, name) for name in ParticipantForm.START_FIELDS + ParticipantForm.END_FIELDS}
    initial["qualification_gained"] = {True: "yes", False: "no"}.get(form.qualification_gained, "")
    return initial


def not_in_future(value):
    if value and value > today():
        raise ValidationError(_("The date cannot be in the future."), code="future")
    plausible_date(value)


def plausible_date(value):
    """No record is dated before 2000 or years ahead: 0001-01-01 is a slip of the keyboard, not a date."""
    if value and (value < rules.EARLIEST_DATE or value > rules.latest_date(today())):
        raise ValidationError(_("Write a date from the year 2000 on, and not years ahead."), code="implausible")


class ChoiceGroupMixin:
    """Radio buttons and checkboxes rendered as a fieldset; the label points at the first box (error summary links)."""

    def id_for_label(self, id_, index="0"):
        return forms.widgets.ChoiceWidget.id_for_label(self, id_, index)


class Radios(ChoiceGroupMixin, forms.RadioSelect):
    pass


class Checkboxes(ChoiceGroupMixin, forms.CheckboxSelectMultiple):
    pass


class HoursField(forms.CharField):
    """Hours a week as typed: 0-60 with at most one decimal, a Danish decimal comma or a point, digits 0-9 only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(max_length=6, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        return rules.parse_hours(value)


class StaffChoiceField(StaffPickerField):
    """A job broker or caseworker of the user's programmes, searched by name (jobbro/pickers.py): there can be
    thousands. An option reads "Name · role"; the programmes are added only where the user refers into more than
    one (with one programme, every option would repeat its name)."""

    show_programmes = False

    def label_from_instance(self, user):
        label = f"{self.text_from_instance(user)} · {user.get_role_display()}"
        if self.show_programmes:
            programmes = sorted({m.programme.name for m in user.memberships.all()})
            if programmes:
                label += f" ({', '.join(programmes)})"
        return label


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site):
        return f"{site.programme} – {site}"


def works_at(user, site):
    """The user has a membership covering the site: the whole programme or that site."""
    return (
        Membership.objects.filter(user=user, programme_id=site.programme_id)
        .filter(Q(site__isnull=True) | Q(site=site))
        .exists()
    )


def staff_of(roles, sites):
    users = User.objects.filter(role__in=roles, is_active=True, memberships__programme__in=sites.values("programme_id"))
    return (
        User.objects.filter(pk__in=users.values("pk"))
        .prefetch_related("memberships__programme")
        .order_by("first_name", "last_name")
    )


class CprForm(DesignSystemForm):
    """Referral, first stage: the CPR number alone (posted, never in a URL)."""

    cpr_number = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("10 digits, written as DDMMÅÅ-XXXX."),
        widget=forms.TextInput(attrs=CPR_WIDGET_ATTRS),
    )

    def clean_cpr_number(self):
        try:
            return cpr.validate(self.cleaned_data["cpr_number"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ReferralForm(CprForm):
    """The start form. For a known citizen the personal fields are left out: the record is reused."""

    site = SiteChoiceField(label=_("Programme and site"), queryset=None, empty_label=_("Choose"))
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(
        label=_("Address"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^[0-9]{4}$",
        required=False,
        max_length=4,
        error_messages={"invalid": _("A postcode has 4 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("City"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    benefit_type = forms.ChoiceField(label=_("Benefit type"), choices=[("", _("Choose"))] + list(BenefitType.choices))
    origin_group = forms.ChoiceField(
        label=_("Origin"), choices=[("", _("Not stated"))] + list(OriginGroup.choices), required=False
    )
    housing_area = forms.CharField(label=_("Housing area"), max_length=120, required=False)
    target_groups = forms.ModelMultipleChoiceField(
        label=_("Target groups"),
        queryset=TargetGroup.objects.all(),
        required=False,
        widget=Checkboxes(attrs={"class": "form-checkbox"}),
    )
    traffic_light = forms.ChoiceField(
        label=_("Traffic light"), choices=[("", _("Choose"))] + list(TrafficLight.choices)
    )
    estimated_weekly_hours = HoursField(
        label=_("The citizen's own estimate of weekly hours"),
        required=False,
        help_text=_("0–60 hours a week, e.g. 7,5. Leave it empty if the citizen gave no estimate (not the same as 0)."),
    )
    referral_text = forms.CharField(
        label=_("Referral"),
        required=False,
        widget=forms.Textarea,
        max_length=textlimits.NOTE,
        help_text=_("A short description of the citizen and why they are referred."),
    )
    referred_on = forms.DateField(label=_("Referral date"), validators=[not_in_future])
    started_on = forms.DateField(
        label=_("Start form filled on"),
        required=False,
        validators=[not_in_future],
        help_text=_(
            "Empty: the citizen is referred, but the start form is not filled yet; fill it in later on the "
            "citizen's page. Only citizens with a start form count as receiving active effort."
        ),
    )
    job_broker = StaffChoiceField(
        label=_("Job broker"),
        queryset=None,
        required=False,
        search_url="referral_new",
        url_query="role=job_broker",
        help_text=_("Type part of the name. Empty: none yet."),
    )
    caseworker = StaffChoiceField(
        label=_("Caseworker"),
        queryset=None,
        required=False,
        search_url="referral_new",
        url_query="role=caseworker",
        help_text=_("Type part of the name. Empty: none."),
    )

    locals().update(participant_start_fields())

    field_order = [
        "cpr_number",
        "site",
        "first_name",
        "last_name",
        "phone",
        "email",
        "address",
        "postcode",
        "city",
        "benefit_type",
        "origin_group",
        "housing_area",
        "target_groups",
        "traffic_light",
        "estimated_weekly_hours",
        "referral_text",
        "referred_on",
        "started_on",
        "job_broker",
        "caseworker",
    ]

    GROUPS = (
        (_("The citizen"), ("cpr_number",) + PERSON_FIELDS),
        (
            _("The referral"),
            (
                "site",
                "traffic_light",
                "estimated_weekly_hours",
                "referral_text",
                "referred_on",
                "started_on",
                "job_broker",
                "caseworker",
            ),
        ),
        (_("The funder's start form"), ParticipantForm.START_FIELDS),
    )

    def __init__(self, *args, user, known_citizen=False, **kwargs):
        from jobbro.accounts import access

        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("referred_on", today())
        kwargs["initial"].setdefault("started_on", today())
        if may(user, Capability.ACT_AS_CASEWORKER):
            kwargs["initial"].setdefault("caseworker", user.pk)
        super().__init__(*args, **kwargs)
        sites = access.visible_sites(user).select_related("programme").order_by("programme__name", "name")
        self.fields["site"].queryset = sites
        self.fields["job_broker"].queryset = staff_of(roles_with(Capability.ACT_AS_JOB_BROKER), sites)
        self.fields["caseworker"].queryset = staff_of(roles_with(Capability.ACT_AS_CASEWORKER), sites)
        several = len({site.programme_id for site in sites}) > 1
        for name in ("job_broker", "caseworker"):
            self.fields[name].show_programmes = several
        self.known_citizen = known_citizen
        if known_citizen:
            for name in PERSON_FIELDS:
                del self.fields[name]

    def groups(self):
        """The fields in the order the page shows them, under a heading each."""
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.GROUPS]

    def clean_city(self):
        """An empty town is filled in from the postcode (people/postcodes.py), as the page does while typing."""
        city = self.cleaned_data.get("city", "").strip()
        if not city:
            city = postcodes.town_for(self.cleaned_data.get("postcode"))
        return city

    def clean(self):
        data = super().clean()
        site = data.get("site")
        if site:
            for name, message in (
                ("job_broker", _("This job broker does not work at the chosen site.")),
                ("caseworker", _("This caseworker does not work at the chosen site.")),
            ):
                if data.get(name) and not works_at(data[name], site):
                    self.add_error(name, message)
        referred_on, started_on = data.get("referred_on"), data.get("started_on")
        if referred_on and started_on and started_on < referred_on:
            self.add_error("started_on", _("The start form cannot be dated before the referral."))
        return data

    def action_arguments(self):
        """The keyword arguments for actions.refer_citizen."""
        data = self.cleaned_data
        arguments = {
            "programme": data["site"].programme,
            "site": data["site"],
            "cpr_number": data["cpr_number"],
            "referred_on": data["referred_on"],
            "started_on": data["started_on"],
            "traffic_light": data["traffic_light"],
            "estimated_weekly_hours": data["estimated_weekly_hours"],
            "referral_text": data["referral_text"].strip(),
            "job_broker": data["job_broker"],
            "caseworker": data["caseworker"],
            # The funder's answers belong to a start form: none without one.
            "participant": participant_answers(data, ParticipantForm.START_FIELDS) if data["started_on"] else None,
            # refer_citizen uses these only for a new citizen.
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
        }
        if not self.known_citizen:
            arguments["target_groups"] = list(data["target_groups"])
            for name in (
                "phone",
                "email",
                "address",
                "postcode",
                "city",
                "benefit_type",
                "origin_group",
                "housing_area",
            ):
                arguments[name] = data[name].strip()
        return arguments


class StartFormForm(DesignSystemForm):
    """The start form of a citizen referred without one: the date it was filled, and the funder's questions."""

    started_on = forms.DateField(label=_("Start form filled on"), validators=[not_in_future])
    locals().update(participant_start_fields())

    def __init__(self, *args, enrolment, **kwargs):
        kwargs.setdefault("initial", {"started_on": today()})
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment

    def clean_started_on(self):
        started_on = self.cleaned_data["started_on"]
        if started_on < self.enrolment.referred_on:
            raise ValidationError(_("The start form cannot be dated before the referral."))
        return started_on


class StepChangeForm(DesignSystemForm):
    step = forms.TypedChoiceField(
        label=_("New step"),
        coerce=int,
        choices=[(value, label) for value, label in Step.choices if value != Step.ENDED],
        help_text=_("The end form ends the course; it is not a step chosen here."),
    )
    changed_on = forms.DateField(label=_("Date"), validators=[not_in_future])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, enrolment, **kwargs):
        # The usual move: on to the next step, or from step 3 back to step 2 when a placement broke.
        usual = Step.TOWARDS_JOB if enrolment.current_step >= Step.IN_COMPANY else enrolment.current_step + 1
        kwargs.setdefault("initial", {"changed_on": today(), "step": usual})
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment

    def clean_step(self):
        step = self.cleaned_data["step"]
        if step == self.enrolment.current_step:
            raise ValidationError(_("The citizen is already in this step."))
        return step


class UpskillingDecisionForm(DesignSystemForm):
    YES_NO = [("yes", _("Yes – choose the course")), ("no", _("No – give the reason"))]

    wanted = forms.ChoiceField(
        label=_("Is upskilling wanted?"), choices=YES_NO, widget=Radios(attrs={"class": "form-radio"})
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.select_related("institution"),
        required=False,
        empty_label=_("Choose"),
        help_text=_("Required when upskilling is wanted."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, help_text=_("Required when upskilling is not wanted.")
    )
    decided_on = forms.DateField(label=_("Date of the talk"), validators=[not_in_future])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"decided_on": today()})
        super().__init__(*args, **kwargs)

    def action_arguments(self):
        data = self.cleaned_data
        wanted = data["wanted"] == "yes"
        return {
            "wanted": wanted,
            "course": data["course"] if wanted else None,
            "reason": data["reason"],
            "decided_on": data["decided_on"],
        }


EXIT_STATUSES = [(value, label) for value, label in OutcomeStatus.choices if value != OutcomeStatus.IN_PROGRAMME]


class EndForm(DesignSystemForm):
    ended_on = forms.DateField(label=_("End form date"), validators=[not_in_future])
    status = forms.ChoiceField(label=_("Where the citizen went"), choices=[("", _("Choose"))] + EXIT_STATUSES)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    locals().update(participant_end_fields())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"ended_on": today()})
        super().__init__(*args, **kwargs)


class FollowUpForm(DesignSystemForm):
    measured_on = forms.DateField(label=_("Date of the follow-up"), validators=[not_in_future])
    status = forms.ChoiceField(label=_("Where the citizen is now"), choices=[("", _("Choose"))] + EXIT_STATUSES)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"measured_on": today()})
        super().__init__(*args, **kwargs)


class ParticipantFormForm(DesignSystemForm):
    """The funder's answers of a start form and an end form, to fill in or correct later. The end form's questions
    are shown once the end form is filled."""

    locals().update(participant_start_fields())
    locals().update(participant_end_fields())

    def __init__(self, *args, enrolment, **kwargs):
        kwargs.setdefault("initial", participant_initial(getattr(enrolment, "participant_form", None)))
        super().__init__(*args, **kwargs)
        if enrolment.ended_on is None:
            for name in ParticipantForm.END_FIELDS:
                del self.fields[name]

    def answers(self):
        return participant_answers(self.cleaned_data, ParticipantForm.START_FIELDS + ParticipantForm.END_FIELDS)
