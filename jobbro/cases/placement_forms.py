"""Forms for job plans, placements, agreed hours and contacts. They validate input only; the actions save."""

from decimal import Decimal

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from jobbro import codes, numbers, textlimits
from jobbro.accounts.models import User
from jobbro.accounts.policy import Capability, roles_with
from jobbro.cases.forms import HoursField, plausible_date
from jobbro.cases.models import Contact, LegalBasis, Milestone, PlacementEndReason, PlacementKind
from jobbro.companies.models import Company, CompanyContact, Opening
from jobbro.days import today
from jobbro.formtools import DesignSystemForm
from jobbro.people.consent import has_consent
from jobbro.people.models import ConsentKind
from jobbro.pickers import CompanyPickerField, StaffPickerField

# Without a chosen company, the start form offers every company's openings and buddies only up to this many.
UNCHOSEN_MAX = 200

# Ending for one of these reasons is not a break: the citizen need not go back to step 2.
NOT_BROKEN = {PlacementEndReason.COMPLETED, PlacementEndReason.HIRED}


def back_to_step_2_for(reason):
    """Whether the end form ticks "back to step 2" for a reason: yes when the placement broke (or no reason yet)."""
    return reason not in NOT_BROKEN


def hours_field(label, *, required=True, help_text=""):
    """Hours a week as typed: 7,5 or 7.5, 0-60 with at most one decimal, digits 0-9 only (cases/rules.py)."""
    return HoursField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-input input-width-xs"}
        ),
    )


def _grouped(groups):
    """Choices grouped under headings, leaving out empty groups."""
    return [(label, options) for label, options in groups if options]


def _checkboxes(field):
    field.widget.attrs["class"] = "form-checkbox"
    return field


# --- Job plans --------------------------------------------------------------------------------


class JobPlanForm(DesignSystemForm):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("In words the citizen uses, e.g. “Towards a job in a kitchen”.")
    )
    is_job_package = forms.BooleanField(label=_("This is a job package towards a named job"), required=False)
    target_occupation_code = forms.ChoiceField(
        label=_("Target job (DISCO-08)"),
        required=False,
        help_text=_("Required for a job package."),
    )
    created_on = forms.DateField(validators=[plausible_date], label=_("Made on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_occupation_code"].choices = codes.occupation_choices()
        self.fields["created_on"].initial = today()


class MilestoneForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Milestone.Kind.choices)
    title = forms.CharField(
        label=_("What happens"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the kind, e.g. “Internship”."),
    )
    due_on = forms.DateField(validators=[plausible_date], label=_("Due by"))


class CompleteMilestoneForm(DesignSystemForm):
    completed_on = forms.DateField(validators=[plausible_date], label=_("Done on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = today()


# --- Placements --------------------------------------------------------------------------------


class StartPlacementForm(DesignSystemForm):
    """Company, kind and dates, and the written agreement on ordinary hours (one of three ways)."""

    AGREEMENT_FIELDS = ("agreed_ordinary_hours", "ordinary_hours_condition", "no_hours_reason")

    # Thousands of companies: a searchable field (jobbro/pickers.py), the programme's network first.
    company = CompanyPickerField(
        label=_("Company"),
        queryset=Company.objects.all(),
        search_url="pick_companies",
        help_text=_("Type part of the name, the CVR number or the city."),
    )
    opening = forms.ModelChoiceField(
        label=_("Opening (optional)"), queryset=Opening.objects.none(), required=False, empty_label="—"
    )
    kind = forms.ChoiceField(label=_("Kind of placement"), choices=PlacementKind.choices)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=[("", _("The kind's usual legal basis"))] + list(LegalBasis.choices),
        required=False,
        help_text=_(
            "Leave it to use the usual one: internship under LAB § 57, wage subsidy under LAB § 66, and so on."
        ),
    )
    starts_on = forms.DateField(validators=[plausible_date], label=_("Start"))
    planned_end_on = forms.DateField(validators=[plausible_date], label=_("Planned end (optional)"), required=False)
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=textlimits.SHORT_TEXT,
        help_text=_("What the citizen and the company want to find out or reach."),
    )
    buddy = forms.ModelChoiceField(
        label=_("Buddy"),
        queryset=CompanyContact.objects.filter(is_buddy=True),
        required=False,
        empty_label=_("No buddy yet"),
        help_text=_("A colleague at the company who introduces and includes the citizen."),
    )
    agreed_ordinary_hours = hours_field(
        _("Agreed ordinary paid hours a week"),
        required=False,
        help_text=_("Paid hours from the start, e.g. 4 or 7,5."),
    )
    agreed_internship_hours = hours_field(
        _("Agreed internship hours a week"),
        required=False,
        help_text=_(
            "Unpaid internship hours, e.g. 20; leave empty for none. With them, internship hours can be registered "
            "on a placement of any kind (a hybrid course)."
        ),
    )
    ordinary_hours_condition = forms.CharField(
        label=_("Or: the written condition for ordinary hours (what it takes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=textlimits.SHORT_TEXT,
        help_text=_("E.g. “After 4 weeks, if the citizen can take the morning shift alone, 6 paid hours a week.”"),
    )
    no_hours_reason = forms.CharField(
        label=_("Or, only if there is neither: the reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=textlimits.SHORT_TEXT,
    )

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        on = today()
        self.fields["starts_on"].initial = on
        self.fields["company"].url_query = f"programme={enrolment.programme_id}"
        openings = Opening.objects.open().filter(programme=enrolment.programme).select_related("company")
        self.fields["opening"].queryset = openings
        self.chosen_company = self._chosen_company()
        self.fields["company"].widget.attrs["autocomplete"] = "off"
        self._limit_to_company(self.chosen_company)

    def _chosen_company(self):
        raw = self.data.get(self.add_prefix("company")) if self.is_bound else self.initial.get("company")
        raw = getattr(raw, "pk", raw)
        return self.fields["company"].from_id(raw) if raw not in (None, "") else None

    def _limit_to_company(self, company):
        """Show the chosen company's openings and buddies; without a company, everyone's, grouped by company."""
        openings = self.fields["opening"].queryset.order_by("company__name", "title")
        buddies = self.fields["buddy"].queryset.select_related("company").order_by("company__name", "name")
        if company is not None:
            openings = openings.filter(company=company)
            buddies = buddies.filter(company=company)
            self.fields["opening"].choices = [("", "—")] + [(o.pk, _opening_label(o)) for o in openings]
            self.fields["buddy"].choices = [("", _("No buddy yet"))] + [(b.pk, _buddy_label(b)) for b in buddies]
            return
        # Every company's openings and buddies only while they are few: with thousands of companies the lists fill
        # once a company is chosen (the page reloads that part; without JavaScript, on sending the form).
        openings = list(openings[: UNCHOSEN_MAX + 1])
        buddies = list(buddies[: UNCHOSEN_MAX + 1])
        self.fields["opening"].choices = [("", "—")] + (
            _by_company(openings, _opening_label) if len(openings) <= UNCHOSEN_MAX else []
        )
        self.fields["buddy"].choices = [("", _("No buddy yet"))] + (
            _by_company(buddies, _buddy_label) if len(buddies) <= UNCHOSEN_MAX else []
        )


def _opening_label(opening):
    return _("%(title)s (%(hours)s hours a week)") % {
        "title": opening.title,
        "hours": number_format(opening.weekly_hours),
    }


def _buddy_label(contact):
    label = contact.name
    if contact.job_title:
        label += f", {contact.job_title}"
    if contact.buddy_trained_on:
        label += " · " + str(_("buddy-trained"))
    return label


def _by_company(rows, label):
    groups = {}
    for row in rows:
        groups.setdefault(row.company.name, []).append((row.pk, label(row)))
    return list(groups.items())


class AgreedHoursForm(DesignSystemForm):
    from_date = forms.DateField(validators=[plausible_date], label=_("From"))
    ordinary_hours = hours_field(_("Ordinary paid hours a week"))
    internship_hours = hours_field(_("Internship hours a week"), required=False, help_text=_("Leave empty for none."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_date"].initial = today()


class WageForm(DesignSystemForm):
    """A new hourly wage from a date (the earlier wages stay in the history)."""

    valid_from = forms.DateField(validators=[plausible_date], label=_("Wage from"))
    hourly_wage = forms.CharField(
        label=_("Hourly wage (kr.)"), max_length=12, help_text=_("Gross wage an hour, e.g. 135,50.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = today()

    def clean_hourly_wage(self):
        wage = numbers.parse_decimal(self.cleaned_data["hourly_wage"])
        if wage <= 0 or wage != wage.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Write the hourly wage in kroner with at most two decimals, e.g. 135,50."))
        return wage


class EndPlacementForm(DesignSystemForm):
    ended_on = forms.DateField(validators=[plausible_date], label=_("End date"))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—")] + list(PlacementEndReason.choices))
    note = forms.CharField(
        label=_("Note (optional)"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    back_to_step_2 = forms.BooleanField(label=_("Back to step 2 – towards a job"), required=False, initial=True)
    # The reason the box was last set for (by the page, or by the script as the reason changes): "" when none was.
    ticked_for = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args, reason=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = today()
        if reason in PlacementEndReason.values:
            self.fields["reason"].initial = reason
            self.fields["back_to_step_2"].initial = back_to_step_2_for(reason)
            self.fields["ticked_for"].initial = reason

    def clean(self):
        """The box follows the reason unless the user changed it: a box still as it was set for another reason
        (or for none, as without JavaScript) takes the chosen reason's default, so "hired with ordinary hours"
        never sends a citizen back to step 2 because the box kept the default of an earlier choice."""
        data = super().clean()
        reason, ticked_for = data.get("reason"), data.get("ticked_for") or ""
        if reason and ticked_for != reason and data.get("back_to_step_2") == back_to_step_2_for(ticked_for):
            data["back_to_step_2"] = back_to_step_2_for(reason)
        return data

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on > today():
            raise forms.ValidationError(_("The end date cannot be in the future; the planned end is on the placement."))
        return ended_on


# --- Contacts ----------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.get_role_display()})"


class CompanyPeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        label = f"{contact.name} ({contact.company.name})"
        if contact.is_buddy:
            label += " · " + str(_("buddy"))
        return label


class ContactForm(DesignSystemForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contact.Kind.choices, initial=Contact.Kind.PHONE)
    occurred_on = forms.DateField(validators=[plausible_date], label=_("Date"))
    company = CompanyPickerField(
        label=_("Company (optional)"),
        queryset=Company.objects.all(),
        required=False,
        search_url="pick_companies",
        help_text=_("Type part of the name, the CVR number or the city."),
    )
    staff = StaffChoiceField(
        label=_("Staff present"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    company_contacts = CompanyPeopleField(
        label=_("Company people present"),
        queryset=CompanyContact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The programme can have thousands of staff: the case's own are checkboxes, anyone else is searched for.
    more_staff = StaffPickerField(
        label=_("Another colleague present"),
        queryset=User.objects.none(),
        required=False,
        search_url="pick_staff",
        url_query="role=colleague",
        help_text=_("Type part of the name."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=textlimits.NOTE,
        help_text=_("A case note: managers and evaluators never see it."),
    )

    def __init__(self, *args, enrolment, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        self.fields["occurred_on"].initial = today()
        self.fields["occurred_on"].widget.attrs["max"] = today().isoformat()
        if not has_consent(enrolment.citizen_id, ConsentKind.CONTACT_WITH_TREATMENT, today()):
            # Said before the user tries: log_contact refuses the kind without the consent on the contact's date.
            self.fields["kind"].help_text = _(
                "A contact with a treatment or support provider needs the citizen's consent to it, which is not "
                "recorded for today: record it on the citizen's page first."
            )
        on_case = [
            pk for pk in (enrolment.job_broker_id, enrolment.caseworker_id, enrolment.mentor_id, acting_user.pk) if pk
        ]
        staff = (
            User.objects.filter(Q(memberships__programme=enrolment.programme) | Q(pk=acting_user.pk), is_active=True)
            .filter(role__in=roles_with(Capability.READ_CITIZEN))
            .distinct()
            .annotate(on_case=Case(When(pk__in=on_case, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("on_case", "first_name", "last_name", "pk")
        )
        self.fields["staff"].queryset = staff
        self.fields["staff"].initial = [acting_user.pk]
        self.fields["more_staff"].queryset = staff
        # Checkboxes for the staff on the case and whoever is already ticked; validation still takes anyone in
        # `staff` (a colleague added by name comes back ticked when the form is shown again).
        ticked = self.data.getlist(self.add_prefix("staff")) if self.is_bound else self.fields["staff"].initial
        shown = set(on_case) | {int(pk) for pk in ticked if str(pk).isdigit()}
        self.fields["staff"].widget.choices = [
            (user.pk, self.fields["staff"].label_from_instance(user)) for user in staff.filter(pk__in=shown)
        ]
        _checkboxes(self.fields["staff"])
        placement_companies = Company.objects.filter(placements__enrolment=enrolment).distinct()
        self.placement_company_ids = set(placement_companies.values_list("pk", flat=True))
        self.fields["company"].url_query = f"programme={enrolment.programme_id}"
        chosen = self._chosen_company()
        people_of = self.placement_company_ids | ({chosen} if chosen else set())
        self.fields["company_contacts"].queryset = (
            CompanyContact.objects.filter(company_id__in=people_of)
            .select_related("company")
            .annotate(
                chosen=Case(When(company_id=chosen or 0, then=Value(0)), default=Value(1), output_field=IntegerField())
            )
            .order_by("chosen", "company__name", "-is_buddy", "name")
        )
        _checkboxes(self.fields["company_contacts"])

    def _chosen_company(self):
        raw = self.data.get(self.add_prefix("company")) if self.is_bound else self.initial.get("company")
        raw = getattr(raw, "pk", raw)
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        more = cleaned.get("more_staff")
        if more is not None and "staff" in cleaned and more not in cleaned["staff"]:
            cleaned["staff"] = [*cleaned["staff"], more]
        return cleaned


class LegalBasisForm(DesignSystemForm):
    """The law a placement is given under (docs/funders.md "Legal basis")."""

    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
