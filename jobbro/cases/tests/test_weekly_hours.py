"""One weekly hours rule (jobbro/weekly_hours.py): the validator, the model fields, the typed-hours parser behind
every form, the import and the actions, and the matching's agreement form accept exactly the same hours."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from jobbro.cases import rules
from jobbro.cases.models import Placement, Timesheet
from jobbro.companies.models import Opening
from jobbro.matching.forms import AgreeForm
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, validate_weekly_hours

tenths = st.integers(-30, 10 * MAX_WEEKLY_HOURS + 30).map(lambda n: Decimal(n) / 10)


def accepts(check, value):
    try:
        check(value)
    except ValidationError:
        return False
    return True


def field_accepts(model, name, value):
    field = model._meta.get_field(name)
    return all(accepts(validator, value) for validator in field.validators if not hasattr(validator, "max_digits"))


@given(hours=tenths)
def test_every_reader_of_the_rule_accepts_the_same_hours(hours):
    allowed = Decimal(0) <= hours <= MAX_WEEKLY_HOURS
    assert accepts(validate_weekly_hours, hours) is allowed
    assert accepts(rules.parse_hours, str(hours).replace(".", ",")) is allowed
    for model, name in (
        (Timesheet, "ordinary_hours"),
        (Timesheet, "internship_hours"),
        (Placement, "agreed_ordinary_hours"),
        (Opening, "weekly_hours"),
    ):
        assert field_accepts(model, name, hours) is allowed, (model, name)
    form = AgreeForm(data={"starts_on": "2026-01-05", "agreed_ordinary_hours": str(hours)})
    assert (form.is_valid() or "agreed_ordinary_hours" not in form.errors) is allowed


def test_the_limit_is_60():
    assert MAX_WEEKLY_HOURS == 60
    assert rules.week_hours_errors("40", "20") == {}
    assert "internship_hours" in rules.week_hours_errors("40", "20,1")
