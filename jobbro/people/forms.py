"""Step 1 forms. They only validate and display; the actions in people/actions.py save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro import codes
from jobbro.companies.models import Company
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.people.models import CompetenceAssessment, Consent, CVEntry, JobGoal, ParallelEffort, Restriction
from jobbro.pickers import CompanyPickerField


def _date(label, *, required=True, initial=today, help_text=""):
    return forms.DateField(label=label, required=required, initial=initial if required else None, help_text=help_text)


def _text(label, max_length, *, required=False, help_text=""):
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text)


class JobGoalForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Wish or goal"), choices=JobGoal.Kind.choices, initial=JobGoal.Kind.GOAL)
    occupation_code = forms.ChoiceField(
        label=_("Occupation (DISCO-08)"),
        choices=codes.occupation_choices,
        required=False,
        help_text=_("The occupation the goal is aimed at, if there is one."),
    )
    text = _text(_("In the citizen's own words"), 300, required=True)
    set_on = _date(_("Set on"))


class AdjustJobGoalForm(JobGoalForm):
    """Adjusting closes the current goal and adds the new one; set_on is the day of the change."""

    set_on = _date(_("Adjusted on"))


class CloseJobGoalForm(DesignSystemForm):
    on = _date(_("No longer applies from"))


class CVEntryForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CVEntry.Kind.choices)
    title = _text(_("Title"), 200, required=True, help_text=_("E.g. the job title, the education or the language."))
    organisation = _text(_("Place"), 200, help_text=_("The workplace, school or provider, if there is one."))
    starts_on = _date(_("From"), required=False)
    ends_on = _date(_("To"), required=False, help_text=_("Leave empty if it is still going on."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def for_entry(cls, entry, data=None):
        initial = {field: getattr(entry, field) for field in cls.base_fields}
        return cls(data, initial=initial)


class CompetenceForm(DesignSystemForm):
    LEVELS = [("", "—")] + [(str(level), str(level)) for level in range(1, 6)]

    area = forms.ChoiceField(label=_("Area"), choices=CompetenceAssessment.Area.choices)
    level = forms.TypedChoiceField(
        label=_("Level (1-5)"),
        choices=LEVELS,
        coerce=int,
        empty_value=None,
        help_text=_("1 = a long way to go, 5 = fully in place."),
    )
    comment = _text(_("Comment"), 300)
    co_assessor = CompanyPickerField(
        label=_("Assessed together with company"),
        queryset=Company.objects.none(),
        required=False,
        search_url="pick_companies",
        help_text=_("Type part of the name, the CVR number or the city."),
    )
    assessed_on = _date(_("Assessed on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_assessor"].queryset = Company.objects.order_by("name")


class RestrictionForm(DesignSystemForm):
    tag = forms.ChoiceField(label=_("Restriction"), choices=[("", "—")] + list(Restriction.Tag.choices))
    description = _text(
        _("In the citizen's own words"), 300, help_text=_("What it means at work. Required for “Other”.")
    )
    recorded_on = _date(_("Recorded on"))


class EndRestrictionForm(DesignSystemForm):
    ended_on = _date(_("No longer applies from"))


class ParallelEffortForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Kind of effort"), choices=[("", "—")] + list(ParallelEffort.Kind.choices))
    description = _text(_("Description"), 300, help_text=_("Who provides it and how often. Required for “Other”."))
    starts_on = _date(_("From"))
    ends_on = _date(_("To"), required=False, help_text=_("Leave empty if the end is not known."))


class EndParallelEffortForm(DesignSystemForm):
    ends_on = _date(_("Ends on"))


class ConfirmForm(DesignSystemForm):
    """An empty form for a confirmation page (e.g. deleting a CV line)."""


class ConsentForm(DesignSystemForm):
    """A consent given or withdrawn: the date, how, and where the signed form is filed (never a note)."""

    on = _date(_("Date"), help_text=_("The day the citizen gave or withdrew the consent."))
    manner = forms.ChoiceField(
        label=_("How"), choices=[("", "—")] + list(Consent.Manner.choices), help_text=_("Written, oral or digital.")
    )
    reference = _text(
        _("Document reference"),
        Consent._meta.get_field("reference").max_length,
        help_text=_("Optional: the journal number of the signed form or the record of the conversation. Not a note."),
    )
