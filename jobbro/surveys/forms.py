"""The questionnaire pages' forms: they validate and show; the actions (surveys/actions.py) check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.formtools import DesignSystemForm
from jobbro.surveys.models import SCALE_MAX, SCALE_MIN, Audience, Question


class QuestionnaireForm(DesignSystemForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.ChoiceField(label=_("Sent to"), choices=Audience.choices)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=textlimits.SHORT_TEXT,
        widget=forms.Textarea,
        help_text=_("Shown above the questions: what the questionnaire is for and how the answers are used."),
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class QuestionnaireEditForm(DesignSystemForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"), required=False, max_length=textlimits.SHORT_TEXT, widget=forms.Textarea
    )


class QuestionForm(DesignSystemForm):
    text = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    low_label = forms.CharField(
        label=_("Scale: the words at 1"), required=False, max_length=60, help_text=_("E.g. Not at all")
    )
    high_label = forms.CharField(
        label=_("Scale: the words at 5"), required=False, max_length=60, help_text=_("E.g. Very much")
    )
    options = forms.CharField(
        label=_("One choice: the options, one a line"), required=False, max_length=1200, widget=forms.Textarea
    )

    def option_list(self):
        return [line.strip() for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]


class SendForm(DesignSystemForm):
    """Who is sent the questionnaire; the fields that apply depend on its audience."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False, empty_label=_("All sites"))
    at_least_months = forms.IntegerField(
        label=_("Referred at least this many months ago"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("E.g. 6 for the questionnaire six months after referral."),
    )
    at_most_months = forms.IntegerField(
        label=_("and at most this many months ago"), required=False, min_value=0, max_value=120
    )
    buddies_only = forms.BooleanField(label=_("Only buddies"), required=False)
    send_messages = forms.BooleanField(
        label=_("Send the link by e-mail or text message to those with an address"),
        required=False,
        initial=True,
        help_text=_(
            "A citizen is sent a message only with their consent to be contacted; an address that opted out is "
            "never sent one. Everyone's link is shown on the next page to hand over."
        ),
    )

    def __init__(self, *args, audience, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        if audience != Audience.CITIZENS:
            del self.fields["at_least_months"], self.fields["at_most_months"]
        if audience != Audience.COMPANY_CONTACTS:
            del self.fields["buddies_only"]
        if audience == Audience.COMPANY_CONTACTS:
            del self.fields["site"]

    def clean(self):
        data = super().clean()
        least, most = data.get("at_least_months"), data.get("at_most_months")
        if least is not None and most is not None and most < least:
            self.add_error("at_most_months", _("Write a number at least as large as the first."))
        return data


class AnswerForm(forms.Form):
    """The questionnaire as a form: one field per question, named q<pk>; the action checks the answers."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == Question.Kind.TEXT:
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=textlimits.SHORT_TEXT,
                    widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}),
                )
            else:
                field = forms.ChoiceField(
                    label=question.text,
                    required=False,
                    choices=[(str(n), label) for n, label in question.choices()],
                    widget=forms.RadioSelect,
                )
            field.question = question
            self.fields[name] = field

    def given(self):
        return {question.pk: self.cleaned_data.get(f"q{question.pk}") for question in self.questions}

    def rows(self):
        """(bound field, question) in order, for the template."""
        return [(self[f"q{question.pk}"], question) for question in self.questions]


SCALE_RANGE = (SCALE_MIN, SCALE_MAX)
