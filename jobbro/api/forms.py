"""The form an administrator creates an integration with (integration_views.py)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jobbro.accounts.forms import UserPickerField
from jobbro.accounts.models import User
from jobbro.api.actions import MAX_DAYS
from jobbro.api.models import Scope
from jobbro.formtools import DesignSystemForm


class IntegrationForm(DesignSystemForm):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("The system that uses the token, e.g. “BI – Aarhus Kommune”.")
    )
    user = UserPickerField(
        User.objects.none(),
        search_url="pick_users",
        label=_("Acts as"),
        help_text=_(
            "The service user whose role and memberships decide which records the integration reaches. "
            "Create a staff user for the integration under Administration first."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}),
        help_text=_("What the token may be used for, within what the service user may do."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("After this the token is refused; create a new integration to go on."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"days": settings.API_TOKEN_DAYS})
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("first_name", "last_name", "pk")

    def action_arguments(self):
        data = self.cleaned_data
        return {"name": data["name"], "user": data["user"], "scopes": data["scopes"], "days": data["days"]}
