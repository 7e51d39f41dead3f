"""The scope every report page takes: a programme, one site or all the user may see, and an as-of date."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.reporting.base import Scope

DATE_INPUTS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]


class ScopeForm(DesignSystemForm):
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"), empty_label=None)
    site = forms.ModelChoiceField(queryset=None, label=_("Site"), required=False, empty_label=_("All sites"))
    on = forms.DateField(label=_("As of"), input_formats=DATE_INPUTS)

    def __init__(self, user, data=None):
        self.user = user
        programmes = access.visible_programmes(user).order_by("name")
        first = programmes.first()
        initial = {"programme": first.pk if first else None, "on": today()}
        bound = {**initial, **{key: value for key, value in (data or {}).items() if value not in (None, "")}}
        super().__init__(bound, initial=initial)
        self.fields["programme"].queryset = programmes
        self.fields["site"].queryset = (
            access.visible_sites(user).select_related("programme").order_by("programme__name", "name")
        )
        self.fields["site"].label_from_instance = lambda site: f"{site.name} ({site.programme.name})"

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > today():
            raise forms.ValidationError(
                _("The date cannot be later than today: the reports count what has been recorded.")
            )
        if on < datetime.date(2000, 1, 1):
            raise forms.ValidationError(_("Choose a date in 2000 or later."))
        return on

    def clean(self):
        data = super().clean()
        programme, site = data.get("programme"), data.get("site")
        if programme and site and site.programme_id != programme.pk:
            self.add_error("site", _("The site is not part of the chosen programme."))
        return data

    def scope(self):
        """The Scope for a valid form: the chosen site, or every site of the programme the user may see."""
        data = self.cleaned_data
        programme = data["programme"]
        if data.get("site"):
            sites = (data["site"],)
        else:
            sites = tuple(access.visible_sites(self.user).filter(programme=programme).order_by("name"))
        return Scope(
            programme=programme, sites=sites, on=data["on"], staff_named=may(self.user, Capability.SEE_STAFF_NAMES)
        )

    def params(self):
        """The form's choices as {name: value}, for links and hidden fields that keep the scope."""
        data = self.cleaned_data
        parts = {"programme": data["programme"].pk, "on": data["on"].isoformat()}
        if data.get("site"):
            parts["site"] = data["site"].pk
        return parts

    def query(self):
        """The form's choices as a query string, to carry between the reports and into the exports."""
        return "&".join(f"{key}={value}" for key, value in self.params().items())
