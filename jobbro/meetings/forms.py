"""The meeting pages' forms: booking, moving, cancelling and the outcome. The actions validate; these only read."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobbro.formtools import DesignSystemForm
from jobbro.meetings.ical import COPENHAGEN
from jobbro.meetings.models import CancelledBy, CancelReason, MeetingKind, NoShowBy, PlaceKind


class TimeAndPlaceForm(DesignSystemForm):
    day = forms.DateField(label=_("Date"))
    starts = forms.TimeField(label=_("From (hh:mm)"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    ends = forms.TimeField(label=_("To (hh:mm)"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    place_kind = forms.ChoiceField(
        label=_("Place"),
        choices=PlaceKind.choices,
        initial=PlaceKind.ADDRESS,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    online_link = forms.URLField(label=_("Link to the online meeting"), max_length=500, required=False)

    def times(self):
        day = self.cleaned_data["day"]
        starts = datetime.datetime.combine(day, self.cleaned_data["starts"], tzinfo=COPENHAGEN)
        ends = datetime.datetime.combine(day, self.cleaned_data["ends"], tzinfo=COPENHAGEN)
        return starts, ends

    @classmethod
    def initial_for(cls, meeting):
        local_start = timezone.localtime(meeting.starts_at, COPENHAGEN)
        local_end = timezone.localtime(meeting.ends_at, COPENHAGEN)
        return {
            "day": local_start.date(),
            "starts": local_start.time(),
            "ends": local_end.time(),
            "place_kind": meeting.place_kind,
            "address": meeting.address,
            "online_link": meeting.online_link,
        }


class BookForm(TimeAndPlaceForm):
    kind = forms.ChoiceField(label=_("Meeting"), choices=MeetingKind.choices)
    field_order = ["kind", "day", "starts", "ends", "place_kind", "address", "online_link"]

    def __init__(
        self, *args, kinds=None, programmes=None, contacts=None, colleagues=None, with_citizen=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, MeetingKind(k).label) for k in kinds]
        if programmes is not None:
            self.fields["programme"] = forms.ModelChoiceField(
                label=_("Programme"), queryset=programmes, empty_label=None
            )
        if contacts is not None:
            self.fields["company_contacts"] = forms.ModelMultipleChoiceField(
                label=_("Invite from the company"),
                queryset=contacts,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
            )
        if colleagues is not None and colleagues.exists():
            self.fields["staff"] = forms.ModelMultipleChoiceField(
                label=_("Invite colleagues on the case"),
                queryset=colleagues,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
            )
        if with_citizen:
            self.fields["invite_citizen"] = forms.BooleanField(
                label=_("Send the invitation to the citizen too (if they have consented)"), required=False, initial=True
            )
        self.fields["note"] = forms.CharField(
            label=_("Internal note (never sent)"), required=False, max_length=1000, widget=forms.Textarea
        )
        from jobbro.formtools import dress

        dress(self.fields)


class MoveForm(TimeAndPlaceForm):
    pass


class CancelForm(DesignSystemForm):
    cancelled_by = forms.ChoiceField(label=_("Who cancelled?"), choices=[("", "—"), *CancelledBy.choices])
    reason = forms.ChoiceField(label=_("Why?"), choices=[("", "—"), *CancelReason.choices])


class OutcomeForm(DesignSystemForm):
    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=[("held", _("The meeting was held")), ("no_show", _("Someone did not show"))],
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    no_show_by = forms.ChoiceField(label=_("Who did not show?"), choices=[("", "—"), *NoShowBy.choices], required=False)
