"""The forms of the set-up pages: programmes, sites, staff memberships, result goals and programme settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jobbro.accounts import fidelity_settings, thresholds
from jobbro.accounts.models import Programme, ResultGoal, Site, TargetGroup, User
from jobbro.formtools import DesignSystemForm, DesignSystemModelForm, dress
from jobbro.pickers import StaffPickerField


class _ActionForm(DesignSystemModelForm):
    """Validates and displays only: the action checks uniqueness and saves."""

    def validate_unique(self):
        pass

    def _post_clean(self):
        # The model's own checks run in the action (with the programme set), and say so next to the field.
        pass

    def action_arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProgrammeForm(_ActionForm):
    class Meta:
        model = Programme
        fields = ["name", "description", "starts_on", "ends_on", "target_groups"]
        widgets = {"target_groups": forms.CheckboxSelectMultiple}


class SiteForm(_ActionForm):
    class Meta:
        model = Site
        fields = ["name", "kind", "municipality_code"]
        help_texts = {"municipality_code": _("Three digits, e.g. 751 for Aarhus.")}


class UserPickerField(StaffPickerField):
    """Any active staff user, found by name or user name; the list says the user name and role too."""

    def label_from_instance(self, user):
        return f"{self.text_from_instance(user)} ({user.username}, {user.get_role_display()})"


class MembershipForm(DesignSystemForm):
    user = UserPickerField(User.objects.none(), search_url="pick_users", label=_("Staff user"))
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("All the programme's sites"),
        help_text=_("Leave empty for a user who works at all the programme's sites."),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("first_name", "last_name", "pk")
        self.fields["site"].queryset = programme.sites.all()

    def action_arguments(self):
        return {"user": self.cleaned_data["user"], "site": self.cleaned_data["site"]}


class ResultGoalForm(_ActionForm):
    class Meta:
        model = ResultGoal
        fields = [
            "metric",
            "kind",
            "target",
            "deadline",
            "site",
            "target_group",
            "payment_criterion",
            "social_economic_target",
        ]
        help_texts = {
            "kind": _("A percent goal counts those of the referred, or of those receiving active effort on the day."),
            "target": _("A number of citizens, or for a percent goal the percent (0-100)."),
            "deadline": _("Several deadlines for the same result are its interim targets."),
            "social_economic_target": _(
                "Optional, for a number goal: how many of the target in social-economic companies."
            ),
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = programme.sites.order_by("name")
        self.fields["site"].empty_label = _("The whole programme")
        # The programme's own target groups; all known ones if it names none.
        groups = programme.target_groups.all()
        self.fields["target_group"].queryset = (groups if groups.exists() else TargetGroup.objects.all()).order_by(
            "name"
        )
        self.fields["target_group"].empty_label = _("Every target group")
        # Left out, a goal is a number of citizens, as every goal was before percent goals.
        self.fields["kind"].required = False

    def action_arguments(self):
        arguments = super().action_arguments()
        arguments["kind"] = arguments["kind"] or ResultGoal.Kind.COUNT
        return arguments


class SettingsForm(DesignSystemForm):
    """The programme's thresholds and its fidelity settings; an empty number field means the default."""

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        current = programme.settings if isinstance(programme.settings, dict) else {}
        given_fidelity = current.get(fidelity_settings.SETTINGS_KEY)
        given_fidelity = given_fidelity if isinstance(given_fidelity, dict) else {}
        for key, default in thresholds.DEFAULTS.items():
            self.fields[key] = forms.IntegerField(
                label=thresholds.LABELS[key],
                required=False,
                min_value=1,
                max_value=thresholds.MAXIMA[key],
                help_text=_("%(unit)s; empty: the default, %(default)s")
                % {"unit": thresholds.UNITS[key], "default": default},
                initial=current.get(key),
            )
        low, high = fidelity_settings.RANGES[fidelity_settings.AMBER_MARGIN]
        self.fields["fidelity_amber_margin"] = forms.IntegerField(
            label=_("Fidelity: points below the target that are amber rather than red"),
            required=False,
            min_value=low,
            max_value=high,
            help_text=_("empty: the default, %(default)s")
            % {"default": fidelity_settings.DEFAULTS[fidelity_settings.AMBER_MARGIN]},
            initial=given_fidelity.get(fidelity_settings.AMBER_MARGIN),
        )
        self.indicator_fields = []
        for indicator in fidelity_settings.INDICATORS:
            defaults = fidelity_settings.DEFAULTS[indicator.key]
            given = given_fidelity.get(indicator.key)
            given = given if isinstance(given, dict) else {}
            names = []
            for setting, default in defaults.items():
                name = f"fidelity_{indicator.key}_{setting}"
                names.append(name)
                if setting == "enabled":
                    self.fields[name] = forms.BooleanField(
                        label=_("Fidelity: %(indicator)s is shown") % {"indicator": indicator.name},
                        required=False,
                        initial=given.get(setting, default),
                    )
                    continue
                low, high = fidelity_settings.RANGES[setting]
                labels = {
                    "target": _("Fidelity: %(indicator)s, target in percent"),
                    "max": _("Fidelity: %(indicator)s, most active citizens per job broker"),
                    "question": _("Fidelity: %(indicator)s, the number of the questionnaire's scale question"),
                    "threshold": _("Fidelity: %(indicator)s, the least answer that counts (1-5)"),
                }
                self.fields[name] = forms.IntegerField(
                    label=labels[setting] % {"indicator": indicator.name},
                    required=False,
                    min_value=low,
                    max_value=high,
                    help_text=_("empty: the default, %(default)s") % {"default": default},
                    initial=given.get(setting),
                )
            self.indicator_fields.append(names)
        dress(self.fields)

    def settings(self):
        """The settings to store: only the values given (and indicators turned off); the rest take the defaults."""
        data = self.cleaned_data
        result = {key: data[key] for key in thresholds.DEFAULTS if data.get(key) is not None}
        chosen = {}
        if data.get("fidelity_amber_margin") is not None:
            chosen[fidelity_settings.AMBER_MARGIN] = data["fidelity_amber_margin"]
        for indicator in fidelity_settings.INDICATORS:
            values = {}
            for setting, default in fidelity_settings.DEFAULTS[indicator.key].items():
                value = data.get(f"fidelity_{indicator.key}_{setting}")
                if setting == "enabled":
                    if bool(value) != default:
                        values[setting] = bool(value)
                elif value is not None:
                    values[setting] = value
            if values:
                chosen[indicator.key] = values
        if chosen:
            result[fidelity_settings.SETTINGS_KEY] = chosen
        return result
