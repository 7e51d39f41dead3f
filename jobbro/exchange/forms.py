"""The case-system export's choice: a site the user reaches and a period."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import access
from jobbro.days import today
from jobbro.formtools import DesignSystemForm

DATE_INPUTS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]
# A period of at most this many days: a few years of a site's placements and weeks, never the whole history at once.
MAX_DAYS = 3 * 366


def last_month(on):
    first_of_this = on.replace(day=1)
    last = first_of_this - datetime.timedelta(days=1)
    return last.replace(day=1), last


class CaseSystemExportForm(DesignSystemForm):
    site = forms.ModelChoiceField(queryset=None, label=_("Site"), empty_label=None)
    first = forms.DateField(label=_("From"), input_formats=DATE_INPUTS)
    last = forms.DateField(label=_("To"), input_formats=DATE_INPUTS)

    def __init__(self, user, data=None):
        sites = access.visible_sites(user).select_related("programme").order_by("programme__name", "name")
        first, last = last_month(today())
        chosen = sites.first()
        initial = {"site": chosen.pk if chosen else None, "first": first, "last": last}
        bound = {**initial, **{key: value for key, value in (data or {}).items() if value not in (None, "")}}
        super().__init__(bound, initial=initial)
        self.fields["site"].queryset = sites
        self.fields["site"].label_from_instance = lambda site: f"{site.programme.name} – {site.name}"

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", _("The end of the period cannot be before its start."))
            elif (last - first).days > MAX_DAYS:
                self.add_error("last", _("Choose a period of at most three years."))
        return data
