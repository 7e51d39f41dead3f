from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.formtools import DesignSystemForm
from jobbro.matching.models import DeclineReason, MeetingKind
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS


class ProposeForm(DesignSystemForm):
    opening = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.FloatField(required=False, min_value=0, max_value=100, widget=forms.HiddenInput)


class MeetingForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Meeting"), choices=MeetingKind.choices, initial=MeetingKind.COFFEE_VISIT)
    meeting_on = forms.DateField(label=_("Date of the meeting"))


class AgreeForm(DesignSystemForm):
    starts_on = forms.DateField(label=_("The small job starts on"))
    agreed_ordinary_hours = forms.DecimalField(
        label=_("Agreed ordinary hours a week"),
        max_digits=4,
        decimal_places=1,
        min_value=MIN_WEEKLY_HOURS,
        max_value=MAX_WEEKLY_HOURS,
        required=False,
        localize=True,
        help_text=_("Empty: the small job's hours."),
    )


class DeclineForm(DesignSystemForm):
    reason = forms.ChoiceField(label=_("Why was it declined?"), choices=[("", "—"), *DeclineReason.choices])
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("Required when the reason is “Other”.")
    )


# The design system draws a checkbox for an input with this class (and its label right after it).
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"})


SPEED_DATING_CITIZENS = 100  # at most this many citizens at an event: the plan is computed densely over them
SPEED_DATING_COMPANIES = 50  # and this many companies


class SpeedDatingForm(DesignSystemForm):
    """The event: the attending companies and citizens, chosen among a bounded list of candidates (the querysets
    given), and the number of rounds. The filters (site, who, a company search) decide which candidates are shown;
    those already chosen are always among them."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False, empty_label=_("All sites"))
    who = forms.ChoiceField(
        label=_("Citizens shown"),
        choices=[("unmatched", _("Without a match, longest waiting first")), ("all", _("All in steps 1 and 2"))],
        required=False,
        initial="unmatched",
    )
    company_search = forms.CharField(
        label=_("Find companies"),
        required=False,
        max_length=textlimits.SEARCH,
        help_text=_("Words of the name, the CVR number or the city."),
    )
    companies = forms.ModelMultipleChoiceField(
        label=_("Attending companies"), queryset=None, widget=CHECKBOXES, required=True
    )
    enrolments = forms.ModelMultipleChoiceField(
        label=_("Attending citizens"), queryset=None, widget=CHECKBOXES, required=True
    )
    rounds = forms.IntegerField(label=_("Rounds"), min_value=1, max_value=12, initial=3)

    checkbox_fields = ("companies", "enrolments")  # drawn as checkbox lists

    def __init__(self, *args, companies, enrolments, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["companies"].queryset = companies
        self.fields["enrolments"].queryset = enrolments
        self.fields["enrolments"].label_from_instance = lambda e: e.citizen.full_name
        self.fields["rounds"].widget.attrs["class"] = "form-input input-width-xs"

    def clean_companies(self):
        chosen = self.cleaned_data["companies"]
        if len(chosen) > SPEED_DATING_COMPANIES:
            raise forms.ValidationError(
                _("Choose at most %(n)s companies for one event."), params={"n": SPEED_DATING_COMPANIES}
            )
        return chosen

    def clean_enrolments(self):
        chosen = self.cleaned_data["enrolments"]
        if len(chosen) > SPEED_DATING_CITIZENS:
            raise forms.ValidationError(
                _("Choose at most %(n)s citizens for one event."), params={"n": SPEED_DATING_CITIZENS}
            )
        return chosen


class UnmatchedFilterForm(DesignSystemForm):
    """Narrow the unmatched list to a site of the user's programmes (never by name: a name is not put in a URL)."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False, empty_label=_("All sites"))

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
