"""Programme thresholds: defaults in code, overrides in Programme.settings, nothing but whole numbers in range."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jobbro.accounts import thresholds
from jobbro.accounts.models import Programme


def test_the_defaults_are_the_ones_the_programmes_agreed():
    assert thresholds.DEFAULTS == {
        "no_contact_days": 14,
        "parked_days": 30,
        "three_month_talk_days": 90,
        "ending_soon_days": 14,
        "internship_without_hours_weeks": 4,
        "small_job_monthly_hours": 30,
        "factory_min_internships": 4,
        "factory_max_paid_share_percent": 10,
        "factory_lookback_days": 730,
        "unmatched_weeks": 8,
    }


@pytest.mark.django_db
def test_a_programme_without_settings_gets_the_defaults(programme):
    values = thresholds.for_programme(programme)
    assert {key: values.get(key) for key in thresholds.DEFAULTS} == thresholds.DEFAULTS


@pytest.mark.django_db
def test_a_programme_setting_overrides_its_default_and_leaves_the_others(programme):
    Programme.objects.filter(pk=programme.pk).update(
        settings={"no_contact_days": 10, "small_job_monthly_hours": 40, "other_feature": "on"}
    )
    programme.refresh_from_db()
    values = thresholds.for_programme(programme)
    assert values.no_contact_days == 10
    assert values.small_job_monthly_hours == 40
    assert values.parked_days == 30


@pytest.mark.parametrize("bad", ["14", 0, -3, 14.5, True, None, [14], {"days": 14}, 10**9])
def test_a_bad_value_is_refused_by_validation_and_ignored_when_read(bad, caplog):
    with pytest.raises(ValidationError) as refused:
        thresholds.validate_settings({"parked_days": bad})
    assert "settings" in refused.value.message_dict
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            thresholds.validate_settings({"parked_days": bad})
        assert "parked_days" in refused.value.message_dict["settings"][0]
    assert thresholds.for_settings({"parked_days": bad}).parked_days == 30
    assert "parked_days" in caplog.text


def test_validation_accepts_good_values_empty_settings_and_other_features_keys():
    thresholds.validate_settings({"no_contact_days": 7, "internship_without_hours_weeks": 13, "something_else": "x"})
    thresholds.validate_settings({})
    thresholds.validate_settings(None)


def test_settings_that_are_not_an_object_are_refused_and_read_as_the_defaults():
    with pytest.raises(ValidationError):
        thresholds.validate_settings([1, 2])
    assert thresholds.for_settings([1, 2]) == thresholds.for_settings({})


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as refused:
        thresholds.validate_settings({"no_contact_days": 0, "parked_days": "x", "ending_soon_days": 5})
    assert len(refused.value.message_dict["settings"]) == 2


@given(key=st.sampled_from(sorted(thresholds.DEFAULTS)), value=st.integers(min_value=-10, max_value=5000))
def test_a_whole_number_within_the_range_is_used_and_anything_else_is_the_default(key, value):
    valid = 1 <= value <= thresholds.MAXIMA[key]
    assert thresholds.for_settings({key: value}).get(key) == (value if valid else thresholds.DEFAULTS[key])
    try:
        thresholds.validate_settings({key: value})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == valid


@given(key=st.sampled_from(sorted(thresholds.DEFAULTS)))
def test_the_largest_allowed_value_still_gives_a_date(key):
    # The Today page subtracts the thresholds from today's date: the maxima must never overflow.
    days = thresholds.MAXIMA[key] * (7 if key.endswith("_weeks") else 1)
    assert datetime.date.today() - datetime.timedelta(days=days) > datetime.date.min


@pytest.mark.django_db
def test_the_listing_has_a_label_value_and_default_for_each_threshold(programme):
    Programme.objects.filter(pk=programme.pk).update(settings={"ending_soon_days": 21})
    programme.refresh_from_db()
    with translation.override("en"):
        listed = {row["key"]: row for row in thresholds.listing(programme)}
        assert set(listed) == set(thresholds.DEFAULTS)
        assert listed["ending_soon_days"]["value"] == 21 and not listed["ending_soon_days"]["is_default"]
        assert listed["ending_soon_days"]["default"] == 14
        assert listed["parked_days"]["is_default"]
        assert all(str(row["label"]) and str(row["unit"]) for row in listed.values())


@pytest.mark.django_db
def test_the_administration_refuses_a_programme_with_an_impossible_threshold():
    import datetime

    from django.core.exceptions import ValidationError

    from jobbro.accounts.models import Programme

    programme = Programme(name="Forkert", starts_on=datetime.date(2026, 1, 1), settings={"no_contact_days": -3})
    with pytest.raises(ValidationError) as refused:
        programme.full_clean()
    assert "settings" in refused.value.message_dict
    programme.settings = {"no_contact_days": 10}
    programme.full_clean()
