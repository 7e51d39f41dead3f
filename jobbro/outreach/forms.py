"""Forms for events: they check formats and choices; outreach/actions.py checks the rules and writes."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.cases.forms import Radios
from jobbro.formtools import DesignSystemForm
from jobbro.outreach.models import AgeBand, ConversationOutcome, EventKind, Referred


class DateTimeField(forms.SplitDateTimeField):
    """A date and a time of day, each with the browser's own picker."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.SplitDateTimeWidget(
                date_format="%Y-%m-%d",
                time_format="%H:%M",
                date_attrs={"type": "date", "class": "form-input"},
                time_attrs={"type": "time", "class": "form-input"},
            ),
        )
        super().__init__(**kwargs)

    def compress(self, data_list):
        value = super().compress(data_list)
        return timezone.make_aware(value) if value is not None and timezone.is_naive(value) else value


class EventForm(DesignSystemForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, help_text=_("Empty: the whole programme.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    starts_at = DateTimeField(label=_("Starts"))
    ends_at = DateTimeField(label=_("Ends"))
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=1000, required=False, help_text=_("Empty: no limit.")
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=textlimits.SHORT_TEXT
    )

    def __init__(self, *args, programmes, sites, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["site"].queryset = sites
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()
        if editing:
            del self.fields["programme"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The event must end after it starts."))
        site, programme = data.get("site"), data.get("programme")
        if site and programme and site.programme_id != programme.pk:
            self.add_error("site", _("The site must belong to the programme."))
        return data


class SessionForm(DesignSystemForm):
    starts_at = DateTimeField(label=_("Starts"))
    ends_at = DateTimeField(label=_("Ends"))
    peer_element = forms.BooleanField(label=_("Peer elements in this session"), required=False)
    peer_description = forms.CharField(
        label=_("The peer elements"),
        max_length=200,
        required=False,
        help_text=_("E.g. a former participant tells how they found work."),
    )


class RegisterForm(DesignSystemForm):
    """One participant: a citizen, a company contact or a member of staff."""

    enrolment = forms.ModelChoiceField(label=_("Citizen"), queryset=None, required=False)
    contact = forms.ModelChoiceField(label=_("Company contact or buddy"), queryset=None, required=False)
    user = forms.ModelChoiceField(label=_("Member of staff"), queryset=None, required=False)

    def __init__(self, *args, enrolments, contacts, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.citizen.full_name} ({e.site})"
        self.fields["contact"].queryset = contacts
        self.fields["contact"].label_from_instance = lambda c: (
            f"{c.name}, {c.company.name}" + (f" ({_('buddy')})" if c.is_buddy else "")
        )
        self.fields["user"].queryset = users

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("enrolment", "contact", "user") if data.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose one participant: a citizen, a company contact or a member of staff."))
        return data


class DropInForm(DesignSystemForm):
    visitors = forms.IntegerField(label=_("Visitors"), min_value=1, max_value=500)
    age_band = forms.ChoiceField(label=_("Age band"), choices=AgeBand.choices, required=False)
    referred = forms.ChoiceField(label=_("Referred to the programme"), choices=Referred.choices, required=False)
    session = forms.ModelChoiceField(label=_("Session"), queryset=None, required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        if not sessions.exists():
            del self.fields["session"]


class NamedVisitForm(DesignSystemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    consent_given = forms.BooleanField(
        label=_("The visitor agrees to being named and to our keeping the name with the visit"),
        required=False,
    )


class PlanForm(DesignSystemForm):
    rounds = forms.IntegerField(label=_("Rounds"), min_value=1, max_value=20, initial=3)


class OutcomeForm(DesignSystemForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[c for c in ConversationOutcome.choices if c[0]], widget=Radios
    )


def local_day(value):
    return timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value
