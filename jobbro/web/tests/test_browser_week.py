"""In a real browser: a week of hours for 20 citizens by keyboard in under a minute, a refused value
shown without a reload, and the hours and Today pages pass axe."""

import datetime
import time
from decimal import Decimal

import pytest

from conftest import open_hours_page
from jobbro.cases.actions import monday_of, register_hours
from jobbro.cases.models import PlacementKind, Timesheet
from jobbro.cases.timesheets import week_label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password
WEEK = datetime.timedelta(days=7)


def last_monday():
    return monday_of(datetime.date.today()) - WEEK


@pytest.fixture
def caseload(alice, refer, start):
    """`caseload(n)`: n citizens in alice's caseload, each with a placement running for eight weeks."""

    def make(n):
        placements = []
        for i in range(n):
            enrolment = refer(
                first_name=f"Borger{i:02d}",
                last_name="Ugeseddel",
                job_broker=alice,
                referred_on=last_monday() - 10 * WEEK,
            )
            placements.append(start(enrolment, starts_on=last_monday() - 8 * WEEK))
        return placements

    return make


def rows_in_order(page):
    return page.locator("#hours-table tbody tr[data-placement]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.placement))"
    )


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_week_of_hours_for_20_citizens_is_typed_by_keyboard_in_under_a_minute(caseload, logged_in_page, live_server):
    placements = caseload(20)
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    page.evaluate("window.__noReload = 'still the same page'")
    order = rows_in_order(page)
    assert sorted(order) == sorted(p.pk for p in placements)

    typed = {}
    started = time.monotonic()
    for i, pk in enumerate(order):
        # The cursor is already in the row: on opening the page, and after each Enter.
        assert focused_id(page) == f"id_p{pk}-ordinary_hours"
        ordinary, internship = f"{i % 9 + 1},5", str(i % 4)
        page.keyboard.type(ordinary)
        page.keyboard.press("Tab")
        page.keyboard.type(internship)
        page.keyboard.press("Enter")
        page.wait_for_selector(f'#row-{pk}[data-status="saved"]')
        typed[pk] = (Decimal(ordinary.replace(",", ".")), Decimal(internship))
    elapsed = time.monotonic() - started

    print(f"\n20 rows typed and saved in {elapsed:.1f} s")
    assert elapsed < 60, f"a week for 20 citizens took {elapsed:.1f} s"
    assert page.evaluate("window.__noReload") == "still the same page"
    saved = {
        sheet.placement_id: (sheet.ordinary_hours, sheet.internship_hours)
        for sheet in Timesheet.objects.filter(week_start=last_monday())
    }
    assert saved == typed
    assert Timesheet.objects.count() == 20


def test_a_value_over_60_is_refused_next_to_the_field_without_a_reload_and_then_corrected(
    caseload, logged_in_page, live_server
):
    (placement,) = caseload(1)
    pk = placement.pk
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    page.evaluate("window.__noReload = 'still the same page'")

    page.keyboard.type("75")
    page.keyboard.press("Tab")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="error"]')

    error = page.locator(f"#id_p{pk}-ordinary_hours-error")
    assert error.is_visible() and error.inner_text().strip()
    field = page.locator(f"#id_p{pk}-ordinary_hours")
    assert field.input_value() == "75"
    assert field.get_attribute("aria-invalid") == "true"
    # The error cell sits in the same table cell as the field it is about.
    assert error.evaluate(
        "(e) => e.closest('td') === document.getElementById(e.id.replace('-error', '')).closest('td')"
    )
    assert page.evaluate("window.__noReload") == "still the same page"
    assert not Timesheet.objects.exists()

    # The cursor waits in the field in error: type over it and save.
    assert focused_id(page) == f"id_p{pk}-ordinary_hours"
    page.keyboard.type("7,5")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="saved"]')
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal("7.5"), Decimal("0"))
    assert page.evaluate("window.__noReload") == "still the same page"


def test_tab_goes_ordinary_then_internship_then_the_next_rows_ordinary(caseload, logged_in_page, live_server):
    caseload(2)
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    first, second = rows_in_order(page)
    visited = [focused_id(page)]
    for _ in range(3):
        page.keyboard.press("Tab")
        visited.append(focused_id(page))
    assert visited == [
        f"id_p{first}-ordinary_hours",
        f"id_p{first}-internship_hours",
        f"id_p{second}-ordinary_hours",
        f"id_p{second}-internship_hours",
    ]
    # The row's links stay within reach: Shift+Tab from a row's first field goes back to them.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"


def test_the_hours_and_today_pages_pass_axe(alice, caseload, start, logged_in_page, live_server, axe_check, screenshot):
    placements = caseload(3)
    # Some history: missing weeks, last week's hours, a month over the small-job threshold.
    for week in range(1, 5):
        register_hours(
            acting_user=alice,
            placement=placements[0],
            week_start=last_monday() - week * WEEK,
            ordinary_hours=10,
            internship_hours=2,
        )
    register_hours(
        acting_user=alice, placement=placements[1], week_start=last_monday(), ordinary_hours="7,5", internship_hours=0
    )
    start(
        placements[2].enrolment,
        starts_on=last_monday() - 6 * WEEK,
        kind=PlacementKind.INTERNSHIP,
        agreed_ordinary_hours=None,
        ordinary_hours_condition="Efter 6 uger",
        planned_end_on=datetime.date.today() + datetime.timedelta(days=5),
    )
    page = logged_in_page("alice", PASSWORD)

    page.goto(f"{live_server.url}/hours/?week={week_label(last_monday())}")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    # A refused value must not break the page's accessibility either.
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    page.wait_for_selector('tr[data-status="error"]')
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    screenshot(page, "hours-week")

    page.goto(f"{live_server.url}/")
    assert page.url.rstrip("/").endswith("/today")
    assert int(page.locator("#missing_timesheets").get_attribute("data-count")) >= 2
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
    screenshot(page, "today")
