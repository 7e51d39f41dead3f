"""The network on a date: companies with an agreement in force then, by the same last-day rule as placements."""

import datetime

import pytest

from jobbro.companies.models import NetworkAgreement
from jobbro.conftest import make_company
from jobbro.matching.views import network_companies

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


def agreement(company, programme, signed_on, ended_on=None):
    return NetworkAgreement.objects.create(company=company, programme=programme, signed_on=signed_on, ended_on=ended_on)


def test_an_agreement_ending_on_the_date_no_longer_holds_and_one_ending_the_day_after_does(programme):
    ends_today, ends_tomorrow, open_ended = make_company("I dag"), make_company("I morgen"), make_company("Åben")
    agreement(ends_today, programme, ON - 100 * DAY, ON)
    agreement(ends_tomorrow, programme, ON - 100 * DAY, ON + DAY)
    agreement(open_ended, programme, ON)
    assert set(network_companies(programme, ON)) == {ends_tomorrow, open_ended}


def test_an_ended_agreement_and_a_later_one_not_yet_signed_do_not_make_one_in_force(programme):
    # Both conditions must hold of the same agreement: the old one is signed, the new one open, neither in force.
    company = make_company("To aftaler")
    agreement(company, programme, ON - 400 * DAY, ON - 100 * DAY)
    agreement(company, programme, ON + 10 * DAY)
    assert list(network_companies(programme, ON)) == []
    assert list(network_companies(programme, ON + 10 * DAY)) == [company]
