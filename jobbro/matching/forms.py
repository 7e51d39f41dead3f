from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.matching.models import DeclineReason, MeetingKind
from jobbro.web.formtools import DesignSystemForm


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
        min_value=0,
        max_value=60,
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


class SpeedDatingForm(DesignSystemForm):
    companies = forms.ModelMultipleChoiceField(label=_("Attending companies"), queryset=None, widget=CHECKBOXES)
    enrolments = forms.ModelMultipleChoiceField(label=_("Attending citizens"), queryset=None, widget=CHECKBOXES)
    rounds = forms.IntegerField(label=_("Rounds"), min_value=1, max_value=12, initial=3)

    def __init__(self, *args, companies, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies
        self.fields["enrolments"].queryset = enrolments
        self.fields["enrolments"].label_from_instance = lambda e: e.citizen.full_name
        self.fields["rounds"].widget.attrs["class"] = "form-input input-width-xs"
