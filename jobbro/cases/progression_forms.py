"""Forms for the self-assessment: the citizen's questionnaire on a tablet, the code typed on it, and a paper form typed in.

The questions are the seven dimensions of ProgressionAssessment, each on a scale from 1 (worst) to 10 (best).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import ProgressionAssessment
from jobbro.formtools import DesignSystemForm
from jobbro.numbers import require_ascii_digits

SCALE = [(n, str(n)) for n in range(1, 11)]

# The question the citizen reads for each dimension, in plain words.
QUESTIONS = {
    "work_ability": _("How well are you able to work right now?"),
    "keep_job_ability": _("How well would you be able to keep a job?"),
    "physical_health": _("How is your physical health?"),
    "mental_health": _("How is your mental health?"),
    "sleep": _("How well do you sleep?"),
    "family_relations": _("How are things with your family?"),
    "belief_in_job_chances": _("How much do you believe you can get a job?"),
}
assert set(QUESTIONS) == set(ProgressionAssessment.DIMENSIONS)

SCORE_ERRORS = {
    "required": _("Choose a number from 1 to 10."),
    "invalid_choice": _("Choose a whole number from 1 to 10."),
    "invalid": _("Choose a whole number from 1 to 10."),
    "min_value": _("Choose a whole number from 1 to 10."),
    "max_value": _("Choose a whole number from 1 to 10."),
}


class SelfAssessmentForm(forms.Form):
    """The questionnaire: one row of ten large buttons for each question."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for dimension in ProgressionAssessment.DIMENSIONS:
            self.fields[dimension] = forms.TypedChoiceField(
                label=QUESTIONS[dimension],
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages=SCORE_ERRORS,
            )

    def scores(self):
        return {dimension: self.cleaned_data[dimension] for dimension in ProgressionAssessment.DIMENSIONS}


class CodeForm(forms.Form):
    """The six-digit code, typed on the tablet (templates/cases/progression_code.html draws the field)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The six digits the staff member gave you."),
        error_messages={"required": _("Type the six digits.")},
    )


class PaperAssessmentForm(DesignSystemForm):
    """A questionnaire filled in on paper, typed in by staff: the date and the seven scores."""

    assessed_on = forms.DateField(label=_("Date filled in"), initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for dimension in ProgressionAssessment.DIMENSIONS:
            field = forms.IntegerField(
                label=ProgressionAssessment.dimension_label(dimension),
                min_value=1,
                max_value=10,
                error_messages=SCORE_ERRORS,
                help_text=QUESTIONS[dimension],
            )
            field.widget.attrs.update({"class": "form-input input-width-xs", "inputmode": "numeric"})
            self.fields[dimension] = require_ascii_digits(field)  # added after the form tools dressed the fields

    def scores(self):
        return {dimension: self.cleaned_data[dimension] for dimension in ProgressionAssessment.DIMENSIONS}
