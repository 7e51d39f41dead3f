"""Pages that grow with the programme stay bounded: the unmatched list a page at a time, the speed-dating page
offering a bounded list of candidates and planning for at most so many."""

import datetime

import pytest
from django.urls import reverse

from jobbro.cases import actions as case_actions
from jobbro.cases.models import Step
from jobbro.conftest import REFERRED_ON, make_company, make_opening
from jobbro.matching import type3
from jobbro.matching.forms import SPEED_DATING_COMPANIES
from jobbro.matching.views import UNMATCHED_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(refer, caseworker):
    """`waiting(k, **overrides)`: a citizen in step 2 since day k after the referral (a smaller k waited longer)."""

    def _waiting(k, **overrides):
        enrolment = refer(first_name=f"Borger{k:03d}", **overrides)
        on = REFERRED_ON + datetime.timedelta(days=7 + k)
        return case_actions.change_step(acting_user=caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=on)

    return _waiting


def listed(response):
    return [row.enrolment.pk for row in response.context["rows"]]


def test_the_unmatched_list_comes_a_page_at_a_time_longest_waiting_first(client, coordinator, waiting):
    enrolments = [waiting(k) for k in range(UNMATCHED_PAGE + 2)]
    client.force_login(coordinator)
    first = client.get(reverse("match_unmatched"))
    assert first.status_code == 200
    assert listed(first) == [e.pk for e in enrolments[:UNMATCHED_PAGE]]
    assert first.context["page"].paginator.count == UNMATCHED_PAGE + 2
    second = client.get(reverse("match_unmatched"), {"page": 2})
    assert listed(second) == [e.pk for e in enrolments[UNMATCHED_PAGE:]]
    assert b"page=2" in first.content and b"Borger051" in second.content and b"Borger051" not in first.content
    # The same rows as the whole list, in the same order.
    assert listed(first) + listed(second) == [row.enrolment.pk for row in type3.unmatched(coordinator)]


def test_the_unmatched_page_reads_a_fixed_number_of_queries(
    client, coordinator, waiting, django_assert_max_num_queries
):
    for k in range(8):
        waiting(k)
    client.force_login(coordinator)
    client.get(reverse("match_unmatched"))  # warm the session and the thresholds
    with django_assert_max_num_queries(12):
        few = client.get(reverse("match_unmatched"))
    for k in range(8, 30):
        waiting(k)
    with django_assert_max_num_queries(12):
        many = client.get(reverse("match_unmatched"))
    assert len(listed(few)) == 8 and len(listed(many)) == 30


def test_the_unmatched_list_filters_by_site_and_keeps_the_filter_on_the_next_page(
    client, coordinator, waiting, site, other_site
):
    here = waiting(1, site=site)
    there = waiting(2, site=other_site)
    client.force_login(coordinator)
    assert listed(client.get(reverse("match_unmatched"), {"site": other_site.pk})) == [there.pk]
    assert listed(client.get(reverse("match_unmatched"), {"site": site.pk})) == [here.pk]
    assert listed(client.get(reverse("match_unmatched"))) == [here.pk, there.pk]
    for k in range(3, UNMATCHED_PAGE + 3):
        waiting(k, site=other_site)
    page = client.get(reverse("match_unmatched"), {"site": other_site.pk})
    assert f"site={other_site.pk}&amp;page=2".encode() in page.content


def test_a_job_broker_sees_only_their_scope_in_the_unmatched_list(
    client, alice, waiting, charlies_enrolment, outside_caseworker
):
    own = waiting(1)
    case_actions.change_step(
        acting_user=outside_caseworker,
        enrolment=charlies_enrolment,
        step=Step.TOWARDS_JOB,
        on=REFERRED_ON + datetime.timedelta(days=7),
    )
    client.force_login(alice)
    response = client.get(reverse("match_unmatched"))
    assert listed(response) == [own.pk]
    assert response.context["page"].paginator.count == 1


def test_the_speed_dating_page_offers_a_bounded_list_of_companies(client, coordinator, programme):
    companies = [make_company(f"Firma {k:03d}", programme=programme) for k in range(SPEED_DATING_COMPANIES + 5)]
    for company in companies:
        make_opening(company, programme, f"Job hos {company.name}")
    far = make_company("Fjernt Bageri", programme=programme, city="Skagen")  # no open small job
    client.force_login(coordinator)
    page = client.get(reverse("match_speed_dating"))
    offered = list(page.context["form"].fields["companies"].queryset)
    assert len(offered) == SPEED_DATING_COMPANIES
    assert far not in offered
    # A search finds the one not shown; a company chosen earlier stays on the list beside it.
    found = client.get(
        reverse("match_speed_dating"), {"show": "1", "company_search": "Skagen", "companies": companies[-1].pk}
    )
    assert set(found.context["form"].fields["companies"].queryset) == {far, companies[-1]}
    assert found.context["form"].initial["companies"] == [companies[-1].pk]


def test_the_speed_dating_plan_takes_at_most_so_many_companies(client, coordinator, programme, waiting):
    enrolment = waiting(1)
    companies = [make_company(f"Firma {k:03d}", programme=programme) for k in range(SPEED_DATING_COMPANIES + 1)]
    client.force_login(coordinator)
    query = [("rounds", "2"), ("enrolments", enrolment.pk)] + [("companies", c.pk) for c in companies]
    refused = client.get(reverse("match_speed_dating"), query)
    assert refused.status_code == 200 and refused.context["plan"] is None
    assert "companies" in refused.context["form"].errors
    allowed = client.get(reverse("match_speed_dating"), query[: 2 + SPEED_DATING_COMPANIES])
    assert allowed.context["plan"] is not None


def test_the_speed_dating_candidates_follow_the_site_and_keep_the_chosen(
    client, coordinator, waiting, site, other_site
):
    here, there = waiting(1, site=site), waiting(2, site=other_site)
    client.force_login(coordinator)
    first = client.get(reverse("match_speed_dating"))
    assert set(first.context["form"].initial["enrolments"]) == {here.pk, there.pk}
    narrowed = client.get(reverse("match_speed_dating"), {"show": "1", "site": site.pk, "enrolments": there.pk})
    offered = {e.pk for e in narrowed.context["form"].fields["enrolments"].queryset}
    assert offered == {here.pk, there.pk}  # the chosen one from the other site stays
    assert narrowed.context["form"].initial["enrolments"] == [there.pk]
    only_here = client.get(reverse("match_speed_dating"), {"show": "1", "site": site.pk})
    assert {e.pk for e in only_here.context["form"].fields["enrolments"].queryset} == {here.pk}
    # Someone outside the user's choice of programme or scope cannot be slipped in by id.
    refused = client.get(reverse("match_speed_dating"), {"rounds": "1", "enrolments": 999999})
    assert refused.context["plan"] is None and "enrolments" in refused.context["form"].errors


@pytest.mark.parametrize("who", ["alice", "caseworker", "manager", "evaluator"])
def test_the_speed_dating_page_is_refused_to_those_who_may_not_run_matching(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("match_speed_dating"), {"show": "1"}).status_code == 404


def test_an_enrolment_is_among_a_small_jobs_citizens_until_its_end_date(
    client, coordinator, waiting, company, programme
):
    # Active on a date is one definition (cases/models.py): an end form dated later leaves the enrolment active
    # until that day, on this page as in the ranking; one dated today has ended.
    from jobbro.cases.models import Enrolment
    from jobbro.days import today

    staying, leaving, gone = waiting(1), waiting(2), waiting(3)
    Enrolment.objects.filter(pk=leaving.pk).update(ended_on=today() + datetime.timedelta(days=30))
    Enrolment.objects.filter(pk=gone.pk).update(ended_on=today())
    opening = make_opening(company, programme, "Opvask", weekly_hours=5)
    client.force_login(coordinator)
    response = client.get(reverse("opening_matches", kwargs={"pk": opening.pk}))
    assert {row["match"].enrolment.pk for row in response.context["rows"]} == {staying.pk, leaving.pk}
