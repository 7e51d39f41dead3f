"""Keeping a net-gain calculation on a case (netgain/actions.py): who may, what is kept, what is refused.

The figures themselves are the calculator's (worked examples in test_calculator*.py); here they are compared with
what the calculator answers for the same inputs, so the kept snapshot is exactly what the citizen was shown.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import CharField
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.accounts import free_text
from jobbro.audit.models import Action, ChangeLog
from jobbro.netgain import actions, calculator
from jobbro.netgain.forms import HoursForm, MonthsForm
from jobbro.netgain.models import NetGainCalculation
from jobbro.netgain.views import nearest_hundred

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 2)


# The citizen's own cash benefit a month, as on a payment letter: an input like the wage (the 2026 table has no
# published cash-benefit amounts, so the job broker writes it in), not a figure of the rules.
OWN_BENEFIT = Decimal("11500")


def first_rate(benefit=calculator.Benefit.CASH, on=ON):
    """A rate of the benefit in the rule table in force (the tables name the rates, not this test)."""
    return next(rate for b, rate, _amount in calculator.rates_in_force(on) if b == benefit)


def household(**overrides):
    values = {
        "benefit": "cash",
        "rate": first_rate(),
        "monthly_benefit": OWN_BENEFIT,
        "age": 35,
        "couple": False,
        "children": 0,
    }
    values.update(overrides)
    return calculator.Household(**values)


def calculate(user, enrolment, **overrides):
    arguments = {"household": household(), "hourly_wage": Decimal("140.00"), "hours": [5, 10, 15], "on": ON}
    arguments.update(overrides)
    return actions.calculate_net_gain(acting_user=user, enrolment=enrolment, **arguments)


def danish(error):
    with translation.override("da"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}


# --- What is kept -------------------------------------------------------------------------------------------------


def test_a_job_broker_keeps_the_calculation_with_the_calculators_figures_and_a_change_log_row(world):
    enrolment = world.alices_enrolment
    kept = calculate(world.alice, enrolment)

    expected = calculator.gain_for_hours(household(), hourly_wage=Decimal("140.00"), hours=(5, 10, 15), on=ON)
    assert kept.enrolment == enrolment and kept.created_by == world.alice
    assert kept.kind == NetGainCalculation.Kind.HOURS and kept.calculated_for == ON
    assert kept.hours == ["5", "10", "15"]
    assert [Decimal(row["net_gain"]) for row in kept.figures] == [row.net_gain for row in expected]
    assert [Decimal(row["gross_wage"]) for row in kept.figures] == [row.gross_wage for row in expected]
    assert [row["sources"] for row in kept.figures] == [
        [[source.title, source.url] for source in row.sources] for row in expected
    ]
    assert kept.table_versions == expected[0].table_version
    assert all(row["sources"] for row in kept.figures), "every row names its public sources"

    log = ChangeLog.objects.get(action=Action.SAVE_NET_GAIN_CALCULATION)
    assert log.user == world.alice and log.citizen_ref == enrolment.citizen_id
    assert log.object_type == "netgaincalculation" and log.object_id == str(kept.pk)
    assert log.changes["hours"] == ["5", "10", "15"] and log.changes["hourly_wage"] == "140.00"


def test_the_snapshot_survives_a_reload_exactly(world):
    kept = calculate(world.alice, world.alices_enrolment, hourly_wage=Decimal("133.37"))
    again = NetGainCalculation.objects.get(pk=kept.pk)
    assert again.figures == kept.figures
    assert all(isinstance(value, (str, list, bool, type(None))) for row in again.figures for value in row.values())
    assert all(row["benefit_given"] for row in again.figures), "the citizen's own benefit was used"


def test_month_by_month_keeps_one_row_a_month_with_the_hours_of_the_latest_step(world):
    steps = [
        (datetime.date(2026, 1, 1), Decimal(5)),
        (datetime.date(2026, 3, 1), Decimal(10)),
        (datetime.date(2026, 5, 1), Decimal(15)),
    ]
    kept = actions.calculate_net_gain(
        acting_user=world.alice,
        enrolment=world.alices_enrolment,
        household=household(),
        hourly_wage=Decimal(140),
        steps=steps,
        months=6,
    )
    assert kept.kind == NetGainCalculation.Kind.MONTHS
    assert [row["month"] for row in kept.figures] == [f"2026-0{m}-01" for m in range(1, 7)]
    assert [Decimal(row["weekly_hours"]) for row in kept.figures] == [5, 5, 10, 10, 15, 15]
    expected = calculator.month_by_month(household(), hourly_wage=Decimal(140), plan=actions.expand_plan(steps, 6))
    assert [Decimal(row["net_gain"]) for row in kept.figures] == [row.net_gain for row in expected]
    gains = [Decimal(row["net_gain"]) for row in kept.figures]
    assert gains[0] == gains[1] and gains[2] == gains[3], "the same hours under the same table give the same gain"
    assert kept.hours == [["2026-01-01", "5"], ["2026-03-01", "10"], ["2026-05-01", "15"]]


# --- Who may ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "caseworker", "administrator"])
def test_job_brokers_caseworkers_and_administrators_may_calculate(world, who):
    assert calculate(getattr(world, who), world.alices_enrolment).pk


@pytest.mark.parametrize("who", ["mentor", "coordinator", "manager", "evaluator"])
def test_roles_without_the_capability_are_refused_and_nothing_is_kept(world, who):
    enrolment = world.bobs_enrolment if who == "mentor" else world.alices_enrolment  # the mentor's own citizen
    with pytest.raises(PermissionDenied):
        calculate(getattr(world, who), enrolment)
    assert (
        not NetGainCalculation.objects.exists()
        and not ChangeLog.objects.filter(action=Action.SAVE_NET_GAIN_CALCULATION).exists()
    )


@pytest.mark.parametrize(("who", "case"), [("alice", "randers_enrolment"), ("charlie", "alices_enrolment")])
def test_a_job_broker_of_another_site_or_programme_is_refused(world, who, case):
    with pytest.raises(PermissionDenied):
        calculate(getattr(world, who), getattr(world, case))
    assert not NetGainCalculation.objects.exists()


# --- What is refused ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hourly_wage": Decimal(0)}, "hourly_wage", "Timelønnen skal være mere end 0 kr."),
        ({"hourly_wage": Decimal("10000.01")}, "hourly_wage", "Timelønnen kan højst være 10.000 kr."),
        ({"hours": [5, 61]}, "hours", "Skriv mellem 1 og 60 timer om ugen."),
        ({"hours": [0]}, "hours", "Skriv mellem 1 og 60 timer om ugen."),
        ({"hours": []}, "hours", "Skriv mindst ét antal timer om ugen."),
    ],
)
def test_bad_input_is_refused_in_danish_naming_the_field_and_nothing_is_kept(world, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        calculate(world.alice, world.alices_enrolment, **overrides)
    assert danish(caught.value) == {field: [message]}
    assert not NetGainCalculation.objects.exists()


def test_a_date_without_rules_is_refused_on_the_date_never_with_a_figure(world):
    with pytest.raises(ValidationError) as caught:
        calculate(world.alice, world.alices_enrolment, on=datetime.date(2019, 6, 1))
    errors = danish(caught.value)
    assert list(errors) == ["calculated_for"]
    assert "01.06.2019" in errors["calculated_for"][0]
    assert not NetGainCalculation.objects.exists()


def test_a_rate_without_a_published_amount_and_no_own_benefit_is_refused_on_the_benefit_field(world):
    with pytest.raises(ValidationError) as caught:
        calculate(world.alice, world.alices_enrolment, household=household(monthly_benefit=None))
    assert list(danish(caught.value)) == ["monthly_benefit"]
    assert not NetGainCalculation.objects.exists()


def test_a_rate_not_in_the_benefits_table_is_refused_on_the_rate(world):
    with pytest.raises(ValidationError) as caught:
        calculate(world.alice, world.alices_enrolment, household=household(rate="no_such_rate"))
    assert list(danish(caught.value)) == ["rate"]


# --- No free text -------------------------------------------------------------------------------------------------


def test_a_calculation_holds_no_free_text_about_the_citizen():
    """Every text field of the model is a choice or classified as not free text (accounts/free_text.py), and every
    text box of the forms takes a number: prose typed into any of them is refused on that field."""
    for field in NetGainCalculation._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField, models.JSONField)) and not field.choices:
            assert free_text.group_of(f"netgain.NetGainCalculation.{field.name}") == ["not_free_text"], field.name
    for form_class in (HoursForm, MonthsForm):
        boxes = [name for name, field in form_class().fields.items() if type(field) is CharField]
        assert len(boxes) >= 4
        form = form_class(dict.fromkeys(boxes, "Borgeren er syg"))
        assert not form.is_valid()
        assert set(boxes) <= set(form.errors), form_class.__name__


def test_typed_text_in_a_number_field_is_refused_naming_the_field(world):
    form = HoursForm(
        {
            "rate": f"cash:{first_rate()}",
            "age": "35",
            "children": "0",
            "hourly_wage": "140",
            "hours_1": "5",
            "monthly_rent": "ring til mor",
            "calculated_for": ON.isoformat(),
        }
    )
    with translation.override("da"):
        assert not form.is_valid()
        assert form.errors["monthly_rent"] == [
            "Husleje om måneden (kr., valgfrit): skriv beløbet med cifrene 0-9, f.eks. 135,50."
        ]


# --- The plan and the rounding (pure) ------------------------------------------------------------------------------


def test_a_plan_of_steps_becomes_hours_month_by_month():
    plan = actions.expand_plan([(datetime.date(2027, 3, 9), 10), (datetime.date(2027, 1, 1), 5)], 4)
    assert plan == [
        (datetime.date(2027, 1, 1), 5),
        (datetime.date(2027, 2, 1), 5),
        (datetime.date(2027, 3, 1), 10),
        (datetime.date(2027, 4, 1), 10),
    ]


@given(
    st.lists(
        st.tuples(st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)), st.integers(1, 60)),
        min_size=1,
        max_size=4,
        unique_by=lambda step: (step[0].year, step[0].month),
    ),
    st.integers(1, 24),
)
def test_each_month_of_a_plan_has_the_hours_of_the_latest_step_from_on_or_before_it(steps, months):
    plan = actions.expand_plan(steps, months)
    firsts = sorted((day.replace(day=1), hours) for day, hours in steps)
    assert len(plan) == months and plan[0][0] == firsts[0][0]
    for (month, _hours), (following, _h) in zip(plan, plan[1:], strict=False):
        assert actions.add_months(month, 1) == following
    for month, hours in plan:
        assert hours == [h for first, h in firsts if first <= month][-1]


@pytest.mark.parametrize(
    ("gain", "told"),
    [("2349.99", 2300), ("2350", 2400), ("49.99", 0), ("50", 100), ("-149", -100), ("-150", -200), ("0", 0)],
)
def test_the_gain_is_told_to_the_nearest_100_kr(gain, told):
    assert nearest_hundred(Decimal(gain)) == told


@given(st.decimals(min_value=-100000, max_value=100000, places=2))
def test_the_told_gain_is_never_more_than_50_kr_off(gain):
    told = nearest_hundred(gain)
    assert told % 100 == 0 and abs(told - gain) <= 50
