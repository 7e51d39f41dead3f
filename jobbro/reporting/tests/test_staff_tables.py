"""Tables with a row per job broker, at a size where every row on one page would be unreadable.

The page shows a page of job brokers at a time, found by name, with the totals over everyone; the spreadsheet
holds every row; the PDF prints both ends of the ranking; no chart draws a bar per job broker. The data-quality
page runs its record checks only, never the reports.
"""

import datetime
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from jobbro.accounts.models import Role
from jobbro.cases.models import Outcome, PlacementKind
from jobbro.conftest import make_user
from jobbro.reporting import export, fidelity, presentation, quality, status
from jobbro.reporting.base import Row, Scope
from jobbro.reporting.registry import REPORTS
from jobbro.reporting.tests import factories as f

D = datetime.date
ON = D(2025, 3, 14)
BROKERS = 60
WAGE_SUBSIDY = status.FIGURES.index("wage_subsidy")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

SURNAMES = ["Hansen", "Jensen", "Nielsen", "Pedersen", "Larsen", "Sørensen"]


def broker_name(n):
    """Broker n's name: 60 different names, so a search can single one out ("Broker 07 Larsen")."""
    return f"Broker {n:02}", SURNAMES[n % len(SURNAMES)]


@pytest.fixture
def many(programme, site, other_site):
    """60 job brokers at the programme's two sites; broker n has n % 4 + 1 citizens, all in wage subsidy in the
    fortnight, and three citizens have no job broker."""
    sites = (site, other_site)
    company = f.company()
    brokers = []
    for n in range(1, BROKERS + 1):
        broker = f.broker(f"jb{n:02}")
        broker.first_name, broker.last_name = broker_name(n)
        broker.save()
        brokers.append(broker)
        for _ in range(n % 4 + 1):
            enrolment = f.enrolment(sites[n % 2], D(2025, 1, 6), job_broker=broker)
            f.placement(enrolment, company, PlacementKind.WAGE_SUBSIDY, D(2025, 3, 3))
    for _ in range(3):
        f.enrolment(sites[0], D(2025, 1, 6))
    return programme, sites, brokers


def query(programme, **extra):
    return {"programme": programme.pk, "on": ON.isoformat(), **extra}


def shown_rows(response):
    """The data-row keys of the page's job-broker table, top to bottom."""
    html = response.content.decode()
    table = html[html.index('id="staff-status"') : html.index("</section>", html.index('id="staff-status"'))]
    return re.findall(r'<tr data-row="([^"]+)">', table)


def label_of(key, brokers):
    pk = int(key.removeprefix("broker-"))
    return next(" ".join(broker_name(n)) for n, broker in enumerate(brokers, 1) if broker.pk == pk)


def brokers_by_name(brokers):
    return sorted(brokers, key=lambda broker: (broker.get_full_name().casefold(), broker.pk))


# --- The status page ----------------------------------------------------------------------------------------------


def test_the_page_shows_the_first_25_job_brokers_by_name_then_no_job_broker_and_the_total(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    response = client.get(reverse("report", args=["status"]), query(programme))
    rows = shown_rows(response)
    expected = [f"broker-{broker.pk}" for broker in brokers_by_name(brokers)[: presentation.PAGE_SIZE]]
    assert rows == [*expected, status.NO_BROKER_KEY, status.TOTAL_KEY]
    assert "Viser 1–25 af 60 jobformidlere." in response.content.decode()


def test_the_total_counts_everyone_and_agrees_with_the_sum_over_all_job_brokers(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    response = client.get(reverse("report", args=["status"]), query(programme, q="Broker 07"))
    full = response.context["report"].tables[0]
    assert len(full.rows) == BROKERS + 2, "the report keeps every job broker"
    everyone = sum(n % 4 + 1 for n in range(1, BROKERS + 1))
    assert full.row(status.TOTAL_KEY).cells[WAGE_SUBSIDY] == everyone
    assert sum(row.cells[WAGE_SUBSIDY] for row in full.rows if row.key != status.TOTAL_KEY) == everyone
    # The page shows one job broker, and the same total: it is the report's total row, not a sum of what is shown.
    shown = response.context["tables"][0]["table"]
    assert [row.key for row in shown.rows][-1] == status.TOTAL_KEY and len(shown.rows) == 3
    assert shown.row(status.TOTAL_KEY).cells == full.row(status.TOTAL_KEY).cells
    assert response.context["problems"] == [] == full.problems()


def test_page_2_shows_the_next_25_and_its_links_keep_the_scope(client, manager, many):
    programme, sites, brokers = many
    client.force_login(manager)
    first = client.get(reverse("report", args=["status"]), query(programme, site=sites[0].pk))
    next_link = first.context["tables"][0]["links"]["next"]
    url = urlsplit(next_link)
    assert url.fragment == "staff-status"
    assert parse_qs(url.query) == {
        "programme": [str(programme.pk)],
        "on": [ON.isoformat()],
        "site": [str(sites[0].pk)],
        "page": ["2"],
    }
    second = client.get(reverse("report", args=["status"]), parse_qs(url.query))
    at_site = [broker for n, broker in enumerate(brokers, 1) if n % 2 == 0]  # the site's 30 job brokers
    expected = [f"broker-{broker.pk}" for broker in brokers_by_name(at_site)[25:]]
    assert shown_rows(second) == [*expected, status.NO_BROKER_KEY, status.TOTAL_KEY]
    assert "Viser 26–30 af 30 jobformidlere." in second.content.decode()
    assert second.context["tables"][0]["links"]["next"] == ""


@pytest.mark.parametrize(("asked", "shown"), [("abc", 1), ("0", 3), ("999", 3), ("", 1)])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, manager, many, asked, shown):
    programme, *_rest = many
    client.force_login(manager)
    response = client.get(reverse("report", args=["status"]), query(programme, page=asked))
    assert response.status_code == 200
    assert response.context["tables"][0]["staff"].page.number == shown


def test_a_search_finds_a_job_broker_by_any_part_of_their_name_ignoring_case(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    assert broker_name(7) == ("Broker 07", "Jensen")
    response = client.get(reverse("report", args=["status"]), query(programme, q="  jensen   BROKER 07 "))
    assert shown_rows(response) == [f"broker-{brokers[6].pk}", status.NO_BROKER_KEY, status.TOTAL_KEY]
    html = response.content.decode()
    assert "Viser 1–1 af de 1 af 60 jobformidlere med »jensen BROKER 07« i navnet." in html
    # The search field keeps what was asked, and a link shows everyone again.
    assert 'value="jensen BROKER 07"' in html and escape(response.context["tables"][0]["clear"]) in html
    surnames = client.get(reverse("report", args=["status"]), query(programme, q="hansen"))
    assert {label_of(key, brokers).split()[-1] for key in shown_rows(surnames)[:-2]} == {"Hansen"}
    assert len(shown_rows(surnames)) == BROKERS // len(SURNAMES) + 2


def test_a_search_that_finds_nobody_says_so_and_keeps_the_totals(client, manager, many):
    programme, *_rest = many
    client.force_login(manager)
    response = client.get(reverse("report", args=["status"]), query(programme, q="Zebulon"))
    assert shown_rows(response) == [status.NO_BROKER_KEY, status.TOTAL_KEY]
    assert "Ingen af de 60 jobformidlere har »Zebulon« i navnet." in response.content.decode()


def test_the_order_by_citizens_in_work_puts_the_most_first_or_the_fewest(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    most = shown_rows(client.get(reverse("report", args=["status"]), query(programme, order="most")))
    # Broker n has n % 4 + 1 citizens in wage subsidy: the 15 with n % 4 == 3 have 4, then those with 3.
    in_work = {f"broker-{broker.pk}": n % 4 + 1 for n, broker in enumerate(brokers, 1)}
    assert [in_work[key] for key in most[:25]] == [4] * 15 + [3] * 10
    fewest = shown_rows(client.get(reverse("report", args=["status"]), query(programme, order="fewest")))
    assert [in_work[key] for key in fewest[:25]] == [1] * 15 + [2] * 10
    # Equal counts keep the name order.
    ones = [broker for n, broker in enumerate(brokers, 1) if n % 4 == 0]
    assert fewest[:15] == [f"broker-{broker.pk}" for broker in brokers_by_name(ones)]
    # The order travels with the page links; an unknown order is the name order.
    next_link = client.get(reverse("report", args=["status"]), query(programme, order="most")).context["tables"][0]
    assert "order=most" in next_link["links"]["next"]
    unknown = client.get(reverse("report", args=["status"]), query(programme, order="sideways"))
    assert unknown.context["tables"][0]["staff"].order == presentation.BY_NAME


def test_the_download_holds_every_job_broker(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    page = client.get(reverse("report", args=["status"]), query(programme)).content.decode()
    link = re.search(r'href="([^"]+)" id="staff-xlsx-status"', page).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("report_xlsx", args=["status"]))
    response = client.get(link)
    names = {
        cell.value
        for sheet in load_workbook(io.BytesIO(response.content)).worksheets
        for row in sheet.iter_rows()
        for cell in row
    }
    assert {" ".join(broker_name(n)) for n in range(1, BROKERS + 1)} <= names
    assert "Regnearket har alle rækker i tabellen, alle 60 jobformidlere." in page


def test_the_chart_on_the_page_draws_both_ends_and_not_every_job_broker(client, manager, many):
    programme, *_rest = many
    client.force_login(manager)
    chart = client.get(reverse("report", args=["status"]), query(programme)).context["report"].charts[0]
    drawn = re.findall(r"<text[^>]*>(Broker \d\d [^<]+)</text>", chart.svg)
    assert len(drawn) == 20
    assert "20 af 60 jobformidlere" in chart.svg


def test_the_page_stays_small_with_many_job_brokers(client, manager, many):
    programme, *_rest = many
    client.force_login(manager)
    few = len(client.get(reverse("report", args=["status"]), query(programme, q="Broker 07")).content)
    full_page = len(client.get(reverse("report", args=["status"]), query(programme)).content)
    # 24 more rows, a few hundred bytes each: the page grows with the page size, never with the programme.
    assert full_page - few < 24 * 1200


def test_a_programme_without_job_brokers_shows_the_total_without_paging(client, manager, programme):
    client.force_login(manager)
    response = client.get(reverse("report", args=["status"]), query(programme))
    assert "staff" not in response.context["tables"][0]
    html = response.content.decode()
    assert 'id="staff-status"' not in html and '<tr data-row="total">' in html


def test_a_search_counts_its_first_100_characters():
    rows = [Row("broker-1", "Anna Berg", [1]), Row("total", "Total", [1])]
    table = presentation.StaffTable("t", "T", ["N"], rows, pinned=("total",), staff="job brokers")
    assert presentation.staff_page(table, search="berg" + " " * 96 + "zzz").matching == 1
    assert presentation.staff_page(table, search="berg" + " " * 95 + "zzz").matching == 0


# --- Fidelity -----------------------------------------------------------------------------------------------------


def test_the_fidelity_page_shows_a_page_of_job_brokers_and_finds_one(client, manager, many):
    programme, _sites, brokers = many
    client.force_login(manager)
    response = client.get(reverse("report", args=["fidelity"]), query(programme))
    html = response.content.decode()
    section = html[html.index('id="staff-fidelity_by_broker"') :]
    rows = re.findall(r'<tr data-row="([^"]+)">', section[: section.index("</section>")])
    assert len(rows) == presentation.PAGE_SIZE + 2 and rows[-2:] == ["no-broker", "total"]
    full = response.context["report"].tables[1]
    assert len(full.rows) == BROKERS + 2 and full.problems() == []
    found = client.get(reverse("report", args=["fidelity"]), query(programme, q="broker 42"))
    shown = found.context["tables"][1]["table"]
    assert [row.label for row in shown.rows] == [" ".join(broker_name(42)), "Ingen jobformidler", "I alt"]
    assert shown.row("total").cells == full.row("total").cells
    # Ranked by lights: the orders are offered, and the first of "most red first" has no more green than the last.
    worst = client.get(reverse("report", args=["fidelity"]), query(programme, order="fewest"))
    ranked = worst.context["tables"][1]["table"].rows[:-2]
    assert fidelity.lights_score(ranked[0]) <= fidelity.lights_score(ranked[-1])


# --- Every report, every chart ----------------------------------------------------------------------------------


def bars_drawn(svg):
    return len(re.findall(r'<g id="patch_\d+">\s*<path [^>]*clip-path=', svg))


def test_no_chart_in_any_report_draws_a_bar_or_label_per_job_broker(client, manager, many):
    programme, *_rest = many
    client.force_login(manager)
    for entry in REPORTS:
        response = client.get(reverse("report", args=[entry.slug]), query(programme))
        assert response.status_code == 200, entry.slug
        for chart in response.context["report"].charts:
            assert len(re.findall(r">Broker \d\d ", chart.svg)) <= 20, entry.slug
            assert bars_drawn(chart.svg) <= 3 * 21, entry.slug
        # Nor does any table on the page list them all.
        assert len(re.findall(r'<tr data-row="broker-', response.content.decode())) <= presentation.PAGE_SIZE


# --- The PDF ------------------------------------------------------------------------------------------------------


def test_the_pdf_prints_both_ends_and_the_totals_and_points_to_the_spreadsheet(many):
    programme, sites, brokers = many
    report = status.build(Scope(programme, tuple(sites), ON))
    html = export.render_report_html(report, [])
    printed = re.findall(r"<tr><th>(Broker \d\d [^<]+)</th>", html)
    assert len(printed) == 20
    in_work = {" ".join(broker_name(n)): n % 4 + 1 for n in range(1, BROKERS + 1)}
    assert [in_work[name] for name in printed] == [4] * 10 + [1] * 10
    assert "<tr><th>Total</th>" in html and "<tr><th>No job broker</th>" in html
    assert "This table shows 20 of 60 job brokers: the 10 with the most and the 10 with the fewest citizens" in html
    assert "The spreadsheet (xlsx) of the report holds every row." in html
    # The small-jobs table is printed whole, without a summary.
    assert html.count('class="note" id="summary-') == 1
    assert export.report_pdf(report, []).startswith(b"%PDF")


def test_a_staff_table_with_few_rows_is_printed_whole():
    rows = [Row(f"broker-{n}", f"Broker {n:02}", [n]) for n in range(1, 26)] + [Row("total", "Total", [325])]
    table = presentation.StaffTable(
        "t", "T", ["N"], rows, pinned=("total",), staff="job brokers", rank=lambda row: row.cells[0]
    )
    assert presentation.both_ends_of(table) == (table, "")
    rows.insert(0, Row("broker-0", "Broker 00", [0]))
    printed, summary = presentation.both_ends_of(table)
    assert len(printed.rows) == 21 and summary


# --- The data-quality page ----------------------------------------------------------------------------------------


def test_the_data_quality_page_runs_its_checks_and_builds_no_report(client, manager, many):
    programme, sites, _brokers = many
    scope = Scope(programme, tuple(sites), ON)
    with CaptureQueriesContext(connection) as checks:
        quality.findings(scope)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("data_quality"), query(programme))
    assert response.status_code == 200
    # The checks, the login, the scope form's choices and the menu: a report would add several queries each, and
    # the status report reads the small jobs, which no record check does.
    assert len(page) <= len(checks) + 15
    assert not any("companies_opening" in query["sql"] for query in page.captured_queries)
    html = response.content.decode()
    assert 'id="figure-checks"' in html and "report-problems" not in html


def test_the_data_quality_page_lists_citizens_only_to_staff_who_may_see_them(client, programme, site):
    enrolment = f.enrolment(site, D(2025, 1, 6))
    Outcome.objects.create(enrolment=enrolment, kind="exit", measured_on=D(2024, 12, 1), status="other")
    name = enrolment.citizen.full_name
    for role, lists in [(Role.MANAGER, True), (Role.EVALUATOR, False)]:
        user = make_user(f"dq-{role}", role, programme=programme)
        client.force_login(user)
        html = client.get(reverse("data_quality"), query(programme)).content.decode()
        assert 'data-check="outcome_before_referral"' in html
        assert (name in html) == lists, role
