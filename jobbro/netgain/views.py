"""The net-gain pages: the form on a case, the result for the citizen (tablet), its print view, and the list on the
citizen page (templatetags/netgain_tags.py).

Every page takes `citizen_pk`, fetches through the access helpers (a miss and a denial are both 404) and logs the
read. The form calls the one action (netgain/actions.py), which keeps the calculation with its figures; the result
and print pages show the figures as they were kept, never computed again, so a reprint is the same paper.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import logs_citizen_read
from jobbro.days import today
from jobbro.formtools import add_action_errors
from jobbro.netgain import actions
from jobbro.netgain.forms import HoursForm, MonthsForm, prefill
from jobbro.netgain.models import NetGainCalculation
from jobbro.people.access import access_citizen

# Where the action's refusals go on the forms: the action names its inputs, the forms split some of them.
HOURS_FORM_FIELDS = {"benefit": "rate", "hours": "hours_1"}
MONTHS_FORM_FIELDS = {"benefit": "rate", "steps": "month_1", "calculated_for": "month_1"}

# The rows of "How it is worked out", in the calculator's terms (netgain/calculator.py MonthFigures).
EXPLANATION = (
    ("gross_wage", gettext_lazy("Wage before tax")),
    ("labour_market_contribution", gettext_lazy("Labour-market contribution (AM-bidrag)")),
    ("earnings_after_contribution", gettext_lazy("Wage after AM-bidrag")),
    ("disregard", gettext_lazy("Earnings not deducted from the benefit")),
    ("supplements", gettext_lazy("Supplements in the benefit")),
    ("partner_income_offset", gettext_lazy("Partner's income deducted from the benefit")),
    ("benefit_before", gettext_lazy("Benefit without work")),
    ("benefit_after", gettext_lazy("Benefit with work (after deduction)")),
    ("housing_benefit_without_work", gettext_lazy("Housing benefit (boligsikring) without work")),
    ("housing_benefit_with_work", gettext_lazy("Housing benefit (boligsikring) with work")),
    ("housing_benefit_change", gettext_lazy("Change in housing benefit")),
    ("tax_without_work", gettext_lazy("Tax without work")),
    ("tax_with_work", gettext_lazy("Tax with work")),
    ("employment_allowance", gettext_lazy("Employment allowance (beskæftigelsesfradrag), tax value")),
    ("net_without_work", gettext_lazy("Paid out without work")),
    ("net_with_work", gettext_lazy("Paid out with work")),
    ("net_gain", gettext_lazy("Gain a month")),
)
# Rows shown only when a column has more than 0 in them (most households have no supplements or partner).
ONLY_WHEN_USED = {"supplements", "partner_income_offset"}


# --- Figures as the citizen reads them (pure: the kept rows in, words and numbers out) ----------------------------


def nearest_hundred(value):
    """A gain as the citizen is told it: to the nearest 100 kr. (half up, away from zero)."""
    value = Decimal(value)
    rounded = (abs(value) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100
    return int(rounded if value >= 0 else -rounded)


def whole_kroner(value):
    """1.234 kr. (the active language's grouping), or "–" when there is no figure."""
    if value is None or value == "":
        return "–"
    number = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{formats.number_format(number, decimal_pos=0, use_l10n=True, force_grouping=True)} kr."


def hours_text(value):
    hours = Decimal(value).normalize()
    return formats.number_format(hours, decimal_pos=max(0, -hours.as_tuple().exponent), use_l10n=True)


def month_text(iso):
    """'Januar 2026' (capitalised: it starts the line)."""
    return capfirst(formats.date_format(_date(iso), "YEAR_MONTH_FORMAT"))


def _date(iso):
    return datetime.date.fromisoformat(iso)


def gain_sentence(hours, gain):
    """'If you work 10 hours a week, you get about 2,300 kr. more a month.'"""
    rounded = nearest_hundred(gain)
    amount = formats.number_format(abs(rounded), decimal_pos=0, use_l10n=True, force_grouping=True)
    values = {"hours": hours_text(hours), "amount": amount}
    if rounded > 0:
        return _("If you work %(hours)s hours a week, you get about %(amount)s kr. more a month.") % values
    if rounded < 0:
        return _("If you work %(hours)s hours a week, you get about %(amount)s kr. less a month.") % values
    return _("If you work %(hours)s hours a week, you get about the same a month as without work.") % values


def month_sentence(month, hours, gain):
    rounded = nearest_hundred(gain)
    amount = formats.number_format(abs(rounded), decimal_pos=0, use_l10n=True, force_grouping=True)
    values = {"month": month_text(month), "hours": hours_text(hours), "amount": amount}
    if rounded > 0:
        return _("%(month)s: %(hours)s hours a week – about %(amount)s kr. more than without work.") % values
    if rounded < 0:
        return _("%(month)s: %(hours)s hours a week – about %(amount)s kr. less than without work.") % values
    return _("%(month)s: %(hours)s hours a week – about the same as without work.") % values


@dataclass(frozen=True)
class Shown:
    """One kept row as shown: the sentence, the bar and the row's own figures."""

    heading: str
    sentence: str
    gain: int  # to the nearest 100 kr.
    bar_pct: int  # the bar's length, 0-100, against the largest gain shown
    row: dict


def shown_rows(calculation):
    rows = calculation.figures
    largest = max([nearest_hundred(row["net_gain"]) for row in rows] + [0])
    shown = []
    for row in rows:
        gain = nearest_hundred(row["net_gain"])
        if calculation.kind == NetGainCalculation.Kind.MONTHS:
            heading = month_text(row["month"])
            sentence = month_sentence(row["month"], row["weekly_hours"], row["net_gain"])
        else:
            heading = _("%(hours)s hours a week") % {"hours": hours_text(row["weekly_hours"])}
            sentence = gain_sentence(row["weekly_hours"], row["net_gain"])
        bar = round(100 * gain / largest) if largest > 0 and gain > 0 else 0
        shown.append(Shown(heading=heading, sentence=sentence, gain=gain, bar_pct=bar, row=row))
    return shown


def explanation(calculation):
    """The table "How it is worked out": (label, [figure per column]), a row left out when no column has a figure."""
    table = []
    for key, label in EXPLANATION:
        values = [row.get(key) for row in calculation.figures]
        if all(value is None for value in values):
            continue
        if key in ONLY_WHEN_USED and not any(value and Decimal(value) for value in values):
            continue
        table.append((label, [whole_kroner(value) for value in values]))
    return table


def sources(calculation):
    """Every public source named by the kept rows, once each, in order: [(title, url)]."""
    return list(dict.fromkeys((title, url) for row in calculation.figures for title, url in row.get("sources", [])))


def notes(calculation):
    """The rules' notes on the hours (e.g. the 225-hour rule where it applies), once each."""
    return list(
        dict.fromkeys(row["hours_requirement_note"] for row in calculation.figures if row.get("hours_requirement_note"))
    )


def figure_notes(calculation):
    """The notes on the figures: the citizen's own benefit used, and figures carried forward from an earlier year."""
    found = []
    if any(row.get("benefit_given") for row in calculation.figures):
        found.append(
            _("The benefit without work is the citizen's own benefit a month as written in, not the table's rate.")
        )
    found += [note for row in calculation.figures for note in row.get("carried_forward", [])]
    return list(dict.fromkeys(found))


def result_context(calculation):
    shown = shown_rows(calculation)
    return {
        "calculation": calculation,
        "shown": shown,
        "columns": [item.heading for item in shown],
        "explanation": explanation(calculation),
        "sources": sources(calculation),
        "notes": notes(calculation),
        "figure_notes": figure_notes(calculation),
        "wage": whole_kroner_decimals(calculation.hourly_wage),
        "versions": versions_text(calculation.table_versions),
    }


def versions_text(versions):
    """The rule tables' versions as Danes write dates: "2025-01-01, 2025-07-01" → "01.01.2025, 01.07.2025"."""
    shown = []
    for version in versions.split(", "):
        try:
            shown.append(formats.date_format(_date(version), "SHORT_DATE_FORMAT"))
        except ValueError:
            shown.append(version)
    return ", ".join(shown)


def whole_kroner_decimals(value):
    return f"{formats.number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)} kr."


# --- Fetching within the user's scope ------------------------------------------------------------------------


def _enrolment(request, citizen_pk, enrolment_pk):
    if not may(request.user, Capability.CALCULATE_NET_GAIN):
        raise Http404
    citizen = access_citizen(request.user, citizen_pk)
    enrolment = (
        access.scope_enrolments(citizen.enrolments.filter(pk=enrolment_pk), request.user)
        .select_related("programme", "citizen")
        .first()
    )
    if enrolment is None:
        raise Http404
    return citizen, enrolment


def _calculation(request, citizen_pk, pk):
    citizen = access_citizen(request.user, citizen_pk)
    visible = access.scope_enrolments(citizen.enrolments.all(), request.user)
    calculation = (
        NetGainCalculation.objects.filter(pk=pk, enrolment__in=visible)
        .select_related("created_by", "enrolment__programme")
        .first()
    )
    if calculation is None:
        raise Http404
    return citizen, calculation


def _put_errors(form, error, fields):
    if hasattr(error, "error_dict"):
        error = ValidationError({fields.get(field, field): messages for field, messages in error.error_dict.items()})
    add_action_errors(form, error)


# --- The pages ------------------------------------------------------------------------------------------------


def _form_page(request, citizen, enrolment, form, *, months):
    return render(
        request,
        "netgain/form.html",
        {
            "citizen": citizen,
            "enrolment": enrolment,
            "form": form,
            "months": months,
            "no_rules": not form.fields["rate"].choices[1:],
        },
    )


@login_required
@logs_citizen_read
def netgain_new(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk)
    form = HoursForm(request.POST or None, initial=prefill(enrolment))
    if request.method == "POST" and form.is_valid():
        saved = _calculate(
            request, form, enrolment, HOURS_FORM_FIELDS, hours=form.hours(), on=form.cleaned_data["calculated_for"]
        )
        if saved is not None:
            return redirect("netgain_result", citizen_pk=citizen.pk, pk=saved.pk)
    return _form_page(request, citizen, enrolment, form, months=False)


@login_required
@logs_citizen_read
def netgain_months(request, citizen_pk, enrolment_pk):
    citizen, enrolment = _enrolment(request, citizen_pk, enrolment_pk)
    form = MonthsForm(request.POST or None, initial=prefill(enrolment))
    if request.method == "POST" and form.is_valid():
        saved = _calculate(
            request,
            form,
            enrolment,
            MONTHS_FORM_FIELDS,
            steps=form.cleaned_data["steps"],
            months=form.cleaned_data["months"],
        )
        if saved is not None:
            return redirect("netgain_result", citizen_pk=citizen.pk, pk=saved.pk)
    return _form_page(request, citizen, enrolment, form, months=True)


def _calculate(request, form, enrolment, fields, **plan):
    """Calculate and keep the form's calculation; None, with the action's refusals on the form's fields, when it
    refused (e.g. no rule table for a month)."""
    try:
        return actions.calculate_net_gain(
            acting_user=request.user,
            enrolment=enrolment,
            household=form.household(),
            hourly_wage=form.cleaned_data["hourly_wage"],
            **plan,
        )
    except ValidationError as error:
        _put_errors(form, error, fields)
        return None


@login_required
@logs_citizen_read
def netgain_result(request, citizen_pk, pk):
    citizen, calculation = _calculation(request, citizen_pk, pk)
    context = result_context(calculation)
    context.update(
        citizen=citizen,
        may_calculate=may(request.user, Capability.CALCULATE_NET_GAIN),
        print_url=reverse("netgain_print", kwargs={"citizen_pk": citizen.pk, "pk": calculation.pk}),
    )
    return render(request, "netgain/result.html", context)


@login_required
@logs_citizen_read
def netgain_print(request, citizen_pk, pk):
    citizen, calculation = _calculation(request, citizen_pk, pk)
    context = result_context(calculation)
    context.update(citizen=citizen, printed_on=today())
    return render(request, "netgain/print.html", context)
