from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.accounts.models import TargetGroup
from jobbro.cases.models import Step
from jobbro.companies.models import Company
from jobbro.formtools import DesignSystemForm
from jobbro.people import cpr
from jobbro.people.models import TrafficLight
from jobbro.pickers import StaffPickerField


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
