"""The citizen list's pages are the name-ordered list cut in pages, however they are found.

A long list is paged by walking the citizens in name order (views.NameOrderPaginator; on SQLite with the citizens
as the outer loop of the query), a page in the second half from the end. Here the walk is used for every list
(WALK_FROM = 0) and its pages are compared with the database's own sort of the same queryset cut by Django's
Paginator: the same rows, in the same order, on every page, for several scopes and filters, with many citizens of
the same name and enrolments of the same date (ties broken by the id).
"""

import datetime
import itertools

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobbro.cases import actions
from jobbro.cases.models import Enrolment, OutcomeStatus, Step
from jobbro.conftest import make_cpr
from jobbro.web import views
from jobbro.web.tests.test_query_counts import add_citizens, assert_same_queries_for_few_and_many
from jobbro.web.tests.test_views import CITIZEN_LIST_MAX_QUERIES

pytestmark = pytest.mark.django_db

LAST_NAMES = ["Hansen", "Jensen", "Sørensen", "Ærø", "Andersen"]
FIRST_NAMES = ["Anna", "Bo", "Åse"]
DAYS = [datetime.date(2026, 1, 5), datetime.date(2026, 3, 2), datetime.date(2026, 3, 2), datetime.date(2025, 11, 3)]


@pytest.fixture
def many_namesakes(world, refer, other_site):
    """40 more enrolments: five last names by three first names, two sites, four dates (two the same), some in
    step 2, three ended, and two of those citizens referred again later (a second enrolment each)."""
    made, numbers = [], []
    for i in range(40):
        numbers.append(make_cpr())
        enrolment = refer(
            cpr_number=numbers[-1],
            first_name=FIRST_NAMES[i % 3],
            last_name=LAST_NAMES[(i // 3) % 5],
            referred_on=DAYS[i % 4],
            site=other_site if i % 5 == 0 else world.alices_enrolment.site,
            job_broker=world.alice if i % 2 else None,
        )
        if i % 7 == 0:
            actions.change_step(
                acting_user=world.caseworker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=DAYS[i % 4]
            )
        made.append(enrolment)
    for enrolment in made[3:6]:
        actions.end_enrolment(
            acting_user=world.caseworker,
            enrolment=enrolment,
            ended_on=datetime.date(2026, 4, 1),
            status=OutcomeStatus.ORDINARY_JOB,
        )
    for i in (3, 4):
        again = refer(cpr_number=numbers[i], referred_on=datetime.date(2026, 5, 4), site=made[i].site)
        assert again.citizen_id == made[i].citizen_id
    return made


def pages(paginator):
    return [[e.pk for e in paginator.page(n)] for n in paginator.page_range]


def filtered(user, search="", **params):
    request = RequestFactory().get(reverse("citizen_list"), params)
    request.user = user
    return views._filtered_enrolments(user, views._citizen_filters(request), search)


@pytest.mark.parametrize("per_page", [1, 4, 7, 50])
@pytest.mark.parametrize(
    ("who", "search", "params"),
    [
        ("coordinator", "", {}),
        ("coordinator", "", {"status": "all"}),
        ("coordinator", "", {"status": "ended"}),
        ("caseworker", "", {"step": Step.TOWARDS_JOB}),
        ("manager", "sen", {}),
        ("alice", "", {}),
        ("administrator", "", {"status": "all"}),
    ],
)
def test_every_page_of_the_walk_is_the_page_of_the_sorted_list(
    world, many_namesakes, monkeypatch, who, search, params, per_page, other_site
):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    user = getattr(world, who)
    enrolments = filtered(user, search, **params)
    expected = pages(Paginator(enrolments.order_by(*views.LIST_ORDER), per_page))
    got = pages(views.NameOrderPaginator(enrolments, per_page))
    assert got == expected
    listed = list(itertools.chain.from_iterable(got))
    assert sorted(listed) == sorted(enrolments.values_list("pk", flat=True))
    assert len(listed) >= 3  # each case lists something, so the comparison means something


def test_the_order_is_by_name_then_latest_enrolment_then_id(world, many_namesakes, monkeypatch):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    enrolments = filtered(world.administrator, status="all")
    listed = [e for page in views.NameOrderPaginator(enrolments, 6) for e in page]
    assert len(listed) == enrolments.count() > 40
    rows = Enrolment.objects.in_bulk([e.pk for e in listed])
    keys = [
        (rows[e.pk].citizen.last_name, rows[e.pk].citizen.first_name, -rows[e.pk].referred_on.toordinal(), e.pk)
        for e in listed
    ]
    # Python compares by code point as SQLite does (and PostgreSQL under a C collation); within a name the dates
    # fall and equal dates rise by id.
    same_name = [(a, b) for a, b in itertools.pairwise(keys) if a[:2] == b[:2]]
    assert same_name and all(a[2:] < b[2:] for a, b in same_name)
    assert any(a[2] == b[2] for a, b in same_name)  # a tie on the date, broken by the id


def test_a_page_past_the_end_is_the_last_and_an_empty_list_has_one_empty_page(world, many_namesakes, monkeypatch):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    enrolments = filtered(world.coordinator)
    paginator = views.NameOrderPaginator(enrolments, 7)
    assert [e.pk for e in paginator.get_page(10_000)] == [e.pk for e in paginator.page(paginator.num_pages)]
    empty = views.NameOrderPaginator(filtered(world.coordinator, "no such name anywhere"), 7)
    assert empty.count == 0 and list(empty.get_page(1)) == []


def test_the_list_page_shows_the_walked_pages(client, world, many_namesakes, monkeypatch):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(world.coordinator)
    expected = pages(Paginator(filtered(world.coordinator).order_by(*views.LIST_ORDER), 5))
    for number, ids in enumerate(expected, start=1):
        response = client.get(reverse("citizen_list"), {"page": number})
        assert [e.pk for e in response.context["page"]] == ids


def test_the_walk_reads_the_citizens_in_name_order_instead_of_sorting_every_enrolment(
    world, many_namesakes, monkeypatch
):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    paginator = views.NameOrderPaginator(filtered(world.coordinator), 5)
    with CaptureQueriesContext(connection) as captured:
        first = list(paginator.page(1))
        last = list(paginator.page(paginator.num_pages))
    assert first and last
    id_queries = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "cases_enrolment"."id" AS "pk"')
    ]
    assert len(id_queries) == 2
    for sql in id_queries:
        if connection.vendor == "sqlite":
            assert 'FROM "people_citizen" CROSS JOIN "cases_enrolment"' in sql
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = [row[-1] for row in cursor.fetchall()]
            assert plan[0].startswith("SCAN people_citizen USING COVERING INDEX"), plan
            assert "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" in plan, plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
        else:  # PostgreSQL's planner picks the walk itself when it pays; the query is the ORM's own
            assert "CROSS JOIN" not in sql


def test_a_short_list_is_sorted_whole(world, many_namesakes):
    paginator = views.NameOrderPaginator(filtered(world.coordinator), 5)
    assert paginator.count <= views.WALK_FROM
    with CaptureQueriesContext(connection) as captured:
        list(paginator.page(1))
    assert not any("CROSS JOIN" in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize("who", ["coordinator", "caseworker", "administrator"])
def test_the_walked_list_costs_the_same_queries_for_few_and_many_rows(client, world, refer, start, who, monkeypatch):
    monkeypatch.setattr(views, "WALK_FROM", 0)
    client.force_login(getattr(world, who))
    assert_same_queries_for_few_and_many(client, reverse("citizen_list"), add_citizens(refer, start, world.alice))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("citizen_list"))
    second_factor = 1 if who == "administrator" else 0  # the administrator's confirmed authenticator is looked up
    assert len(captured) <= CITIZEN_LIST_MAX_QUERIES + second_factor
    assert any("CROSS JOIN" in q["sql"] for q in captured.captured_queries) == (connection.vendor == "sqlite")
