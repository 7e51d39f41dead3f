"""Forms for the company network: company facts, contacts and buddies, agreements, openings, courses.

The forms check formats and choices; the actions in companies/actions.py check the rules and write.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jobbro import codes, textlimits
from jobbro.cases.forms import Checkboxes, HoursField, Radios, not_in_future
from jobbro.companies.models import (
    Company,
    CompanyActivity,
    CompanyContact,
    Course,
    KnowledgeInstitution,
    Requirement,
    Weekday,
)
from jobbro.formtools import DesignSystemForm, DesignSystemModelForm, dress
from jobbro.people.models import Citizen
from jobbro.pickers import PickerChoiceField, search


class CompanyForm(DesignSystemModelForm):
    class Meta:
        model = Company
        fields = ["cvr", "name", "industry_code", "kind", "address", "postcode", "city"]
        widgets = {"cvr": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})}
        help_texts = {"cvr": _("8 digits, e.g. 13585628.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        industry = self.fields["industry_code"]
        choices = codes.industry_choices()
        current = self.initial.get("industry_code") or (self.instance.industry_code if self.instance.pk else "")
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["industry_code"] = forms.ChoiceField(label=industry.label, choices=choices)
        self.fields["industry_code"].widget.attrs["class"] = "form-select"

    def validate_unique(self):
        # The action checks the CVR against the other companies and says so next to the field.
        pass

    def action_arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CompanyContactForm(DesignSystemModelForm):
    class Meta:
        model = CompanyContact
        fields = ["name", "job_title", "phone", "email", "is_buddy", "buddy_trained_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buddy_trained_on"].validators.append(not_in_future)
        self.fields["buddy_trained_on"].help_text = _("The half-day buddy training, if the buddy has taken it.")

    def action_arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AgreementForm(DesignSystemForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    signed_on = forms.DateField(label=_("Signed on"), validators=[not_in_future])
    commitments = forms.CharField(
        label=_("What the company committed to"),
        widget=forms.Textarea,
        required=False,
        max_length=textlimits.SHORT_TEXT,
        help_text=_("E.g. two small jobs a year, a trained buddy, a coffee visit within a week."),
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()


class EndAgreementForm(DesignSystemForm):
    ended_on = forms.DateField(label=_("Ended on"))


class OpeningForm(DesignSystemForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    occupation_code = forms.ChoiceField(label=_("Occupation (DISCO-08)"), required=False)
    tasks = forms.CharField(label=_("Tasks"), widget=forms.Textarea, max_length=textlimits.SHORT_TEXT)
    weekly_hours = HoursField(label=_("Hours a week"))
    days = forms.MultipleChoiceField(label=_("Days"), choices=Weekday.choices, widget=Checkboxes, required=False)
    requirements = forms.MultipleChoiceField(
        label=_("Requirements"), choices=Requirement.choices, widget=Checkboxes, required=False
    )
    danish_level_required = forms.TypedChoiceField(
        label=_("Danish level required"),
        choices=[("", _("None"))] + [(n, str(n)) for n in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("1 (a few words) to 5 (fluent)."),
    )
    buddy = forms.ModelChoiceField(label=_("Buddy"), queryset=None, required=False, empty_label=_("No buddy"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100, initial=1)
    posted_on = forms.DateField(label=_("Posted on"), validators=[not_in_future])

    def __init__(self, *args, company, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()
        self.fields["occupation_code"].choices = codes.occupation_choices()
        self.fields["buddy"].queryset = company.contacts.filter(is_buddy=True)
        self.fields["weekly_hours"].required = True

    def action_arguments(self):
        data = dict(self.cleaned_data)
        data.pop("programme")
        return data


class CloseOpeningForm(DesignSystemForm):
    OUTCOMES = [("filled", _("Filled: someone got it")), ("closed", _("Closed: withdrawn"))]

    outcome = forms.ChoiceField(
        label=_("Why it comes off the board"), choices=OUTCOMES, widget=Radios, initial="filled"
    )
    on = forms.DateField(label=_("Date"), validators=[not_in_future])


class InstitutionForm(DesignSystemModelForm):
    class Meta:
        model = KnowledgeInstitution
        fields = ["name", "kind", "city"]

    def validate_unique(self):
        pass

    def action_arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CourseForm(DesignSystemModelForm):
    class Meta:
        model = Course
        fields = ["institution", "name", "subject", "duration_days", "cost_dkk", "alongside_work"]

    def action_arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CourseFilterForm(DesignSystemForm):
    ALONGSIDE = [("", _("All")), ("yes", _("Can run alongside work")), ("no", _("Not alongside work"))]

    q = forms.CharField(label=_("Search by name"), required=False)
    subject = forms.ChoiceField(
        label=_("Subject"), choices=[("", _("All"))] + list(Course.Subject.choices), required=False
    )
    alongside_work = forms.ChoiceField(label=_("Alongside work"), choices=ALONGSIDE, required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=KnowledgeInstitution.objects.all(), required=False, empty_label=_("All")
    )


def enrolment_label(enrolment):
    return f"{enrolment.citizen.full_name} – {enrolment.programme} ({enrolment.site})"


class EnrolmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, enrolment):
        return enrolment_label(enrolment)


class EnrolmentPickerField(PickerChoiceField):
    """An enrolment found by a word of the citizen's first or last name. The name is posted to the endpoint
    (course_citizen_matches), never put in an address; the endpoint answers from the same enrolments."""

    search_fields = ("citizen__first_name", "citizen__last_name")
    method = "post"

    def matching(self, text):
        # The words are looked for in the citizens table (one pass over it), then the enrolments of those citizens
        # among the field's own: beside the enrolments' joins, SQLite read every enrolment in scope.
        citizens = search(Citizen.objects.all(), [f.removeprefix("citizen__") for f in self.search_fields], text)
        return self.queryset.filter(citizen__in=citizens.values("pk"))

    def text_from_instance(self, enrolment):
        return enrolment.citizen.full_name

    def label_from_instance(self, enrolment):
        return enrolment_label(enrolment)


# Up to this many enrolments to choose from, the field is a plain select (a mentor's few citizens); above it, the
# searchable field: a select of a large programme's every active enrolment made the course page megabytes.
ENROL_SELECT_MAX = 30


class EnrolInCourseForm(DesignSystemForm):
    enrolment = EnrolmentChoiceField(label=_("Citizen"), queryset=None)
    starts_on = forms.DateField(label=_("Start"))

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        # Counted unordered and without the citizens: the first few found, not all sorted by name.
        if len(enrolments.order_by().values_list("pk", flat=True)[: ENROL_SELECT_MAX + 1]) > ENROL_SELECT_MAX:
            self.fields["enrolment"] = EnrolmentPickerField(
                enrolments,
                label=_("Citizen"),
                search_url="course_citizen_matches",
                help_text=_("Type part of the name."),
            )
            dress({"enrolment": self.fields["enrolment"]})
        else:
            self.fields["enrolment"].queryset = enrolments

    def clean_enrolment(self):
        enrolment = self.cleaned_data["enrolment"]
        if enrolment is None:
            raise ValidationError(_("Choose the citizen."))
        return enrolment


class OpeningFilterForm(DesignSystemForm):
    HOURS_CHOICES = [
        ("", _("All")),
        ("10", _("Up to 10 hours")),
        ("20", _("Up to 20 hours")),
        ("21", _("Above 20 hours")),
    ]

    q = forms.CharField(label=_("Search tasks, title or company"), required=False)
    hours = forms.ChoiceField(label=_("Hours a week"), choices=HOURS_CHOICES, required=False)
    day = forms.ChoiceField(label=_("Day"), choices=[("", _("All"))] + list(Weekday.choices), required=False)
    buddy = forms.BooleanField(label=_("Only with a buddy"), required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)
    postcode = forms.RegexField(
        label=_("Postcode area"),
        regex=r"^[0-9]{1,4}$",
        required=False,
        max_length=4,
        help_text=_("The first digits, e.g. 8 or 82."),
        error_messages={"invalid": _("Write 1 to 4 digits of the postcode.")},
    )
    company_kind = forms.ChoiceField(
        label=_("Company kind"), choices=[("", _("All"))] + list(Company.Kind.choices), required=False
    )
    social_economic = forms.BooleanField(label=_("Only social-economic enterprises"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [("", _("All"))] + codes.occupation_choices()[1:]


class CompanyActivityForm(DesignSystemForm):
    """A visit, call, agreement or follow-up with the company; the action checks who and what may be named."""

    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=CompanyActivity.Kind.choices, widget=Radios)
    occurred_on = forms.DateField(label=_("Date"), validators=[not_in_future])
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contact persons"), queryset=None, required=False, widget=Checkboxes
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Colleagues who took part"),
        queryset=None,
        required=False,
        help_text=_("You are recorded as taking part."),
    )
    enrolments = forms.ModelMultipleChoiceField(
        label=_("Citizens involved"),
        queryset=None,
        required=False,
        widget=Checkboxes,
        help_text=_("Only if the contact was about one of your citizens. A note then becomes a case note."),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False, max_length=textlimits.SHORT_TEXT)

    def __init__(self, *args, company, programmes, colleagues, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()
        self.fields["contacts"].queryset = company.contacts.order_by("name")
        self.fields["staff"].queryset = colleagues
        self.fields["enrolments"].queryset = enrolments
        self.fields["enrolments"].label_from_instance = lambda e: e.citizen.full_name
        if not enrolments.exists():
            del self.fields["enrolments"]

    def action_arguments(self):
        data = self.cleaned_data
        return {
            "programme": data["programme"],
            "kind": data["kind"],
            "occurred_on": data["occurred_on"],
            "contacts": list(data["contacts"]),
            "staff": list(data["staff"]),
            "citizens": [e.citizen for e in data.get("enrolments") or ()],
            "note": data["note"],
        }
