from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jobbro import codes, textlimits
from jobbro.accounts.models import TargetGroup
from jobbro.cases.models import Step
from jobbro.companies.models import Company, Weekday
from jobbro.people import cpr
from jobbro.people.models import TrafficLight
from jobbro.pickers import StaffPickerField
from jobbro.web.formtools import DesignSystemForm


class FindByCprForm(DesignSystemForm):
    """Look a citizen up by CPR number; posted, so the number never lands in a URL or access log."""

    cpr_number = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_cpr_number(self):
        try:
            return cpr.validate(self.cleaned_data["cpr_number"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class CitizenSearchForm(DesignSystemForm):
    """Search the citizen list by name: posted and kept in the session, so a name never lands in a URL or access log."""

    q = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=textlimits.SEARCH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )
    filters = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)


class CitizenFilterForm(DesignSystemForm):
    """The list's filters, none of them personal: they stay in the URL (GET)."""

    STATUS_CHOICES = [("active", _("Active")), ("ended", _("Ended")), ("all", _("All"))]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False, initial="active")
    step = forms.TypedChoiceField(
        label=_("Step"), choices=[("", _("All"))] + list(Step.choices), coerce=int, required=False, empty_value=None
    )
    traffic_light = forms.ChoiceField(
        label=_("Traffic light"), choices=[("", _("All"))] + list(TrafficLight.choices), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False, empty_label=_("All"))
    target_group = forms.ModelChoiceField(
        label=_("Target group"), queryset=TargetGroup.objects.all(), required=False, empty_label=_("All")
    )
    # Thousands of job brokers: a searchable field, not a select (jobbro/pickers.py).
    job_broker = StaffPickerField(
        label=_("Job broker"),
        queryset=None,
        required=False,
        search_url="pick_staff",
        url_query="role=job_broker&all=1",
        help_text=_("Type part of the name. Empty: all."),
    )

    def __init__(self, *args, sites, brokers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["job_broker"].queryset = brokers


class CompanyFilterForm(DesignSystemForm):
    q = forms.CharField(label=_("Search by name or city"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + list(Company.Kind.choices), required=False)


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
