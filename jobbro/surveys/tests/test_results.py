"""The response rate equals answered / invited per site and in total, never above 100 %; a figure that cannot be
true is caught; small counts are withheld so that none can be worked out from the others."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from jobbro.companies.models import CompanyContact
from jobbro.conftest import make_company, rolled_back
from jobbro.surveys import results
from jobbro.surveys.models import Invitation
from jobbro.surveys.results import Rate, Withheld, rate_problems, withheld
from jobbro.surveys.tests.conftest import build

# Each invitation: at which of the two sites (or none), and whether it was answered.
invitation_spec = st.tuples(st.sampled_from(["a", "b", None]), st.booleans())


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(specs=st.lists(invitation_spec, max_size=25))
def test_the_response_rate_is_answered_of_invited_and_never_above_100(coordinator, programme, site, other_site, specs):
    with rolled_back():
        questionnaire = build(coordinator, programme, audience="company_contacts")
        company = make_company("Svar A/S", programme=programme)
        contacts = CompanyContact.objects.bulk_create(
            CompanyContact(company=company, name=f"Kontakt {n}") for n in range(len(specs))
        )
        now = timezone.now()
        sites = {"a": site, "b": other_site, None: None}
        Invitation.objects.bulk_create(
            Invitation(
                questionnaire=questionnaire,
                contact=contact,
                site=sites[where],
                digest=f"{n:064d}",
                created_by=coordinator,
                created_at=now,
                expires_at=now + datetime.timedelta(days=30),
                answered_at=now if answered else None,
            )
            for n, (contact, (where, answered)) in enumerate(zip(contacts, specs, strict=True))
        )
        rates = results.response_rates(questionnaire)
        assert not rates.problems
        assert (rates.total.answered, rates.total.invited) == (sum(a for _w, a in specs), len(specs))
        expected = {}
        for where, answered in specs:
            label = sites[where].name if where else gettext("No site")
            got = expected.setdefault(label, [0, 0])
            got[0] += answered
            got[1] += 1
        assert {label: [rate.answered, rate.invited] for label, rate in rates.rows} == expected
        for _label, rate in [*rates.rows, ("total", rates.total)]:
            assert rate.is_possible
            if rate.invited:
                assert 0 <= rate.percent <= 100
                assert abs(float(rate.percent) - 100 * rate.answered / rate.invited) <= 0.05


def test_an_impossible_rate_and_sites_that_do_not_add_up_are_named():
    rows = [("Aarhus", Rate(5, 3)), ("Randers", Rate(1, 2))]
    problems = rate_problems(rows, Rate(6, 6))
    assert len(problems) == 2  # 5 of 3 at Aarhus; the sites' invited add up to 5, not 6
    assert Rate(5, 3).percent is None


@given(st.lists(st.integers(0, 30), min_size=2, max_size=6))
def test_no_withheld_count_can_be_worked_out_from_the_total(counts):
    shown = withheld(counts)
    hidden = [i for i, value in enumerate(shown) if isinstance(value, Withheld)]
    assert all(isinstance(shown[i], Withheld) for i, n in enumerate(counts) if 0 < n < results.SMALLEST)
    assert len(hidden) != 1 or all(n == 0 for i, n in enumerate(counts) if i not in hidden)
    assert all(shown[i] == n for i, n in enumerate(counts) if i not in hidden)
