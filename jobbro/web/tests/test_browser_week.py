"""In a real browser: a week of hours for 20 citizens by keyboard in under a minute, a refused value
shown without a reload, and the hours and Today pages pass axe."""

import datetime
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

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
    """`caseload(n, kind=hybrid internship)`: n citizens in alice's caseload, each with a placement running for
    eight weeks (by default a hybrid internship: ordinary paid hours and internship hours)."""

    def make(n, kind=PlacementKind.HYBRID_INTERNSHIP):
        placements = []
        for i in range(n):
            enrolment = refer(
                first_name=f"Borger{i:02d}",
                last_name="Ugeseddel",
                job_broker=alice,
                referred_on=last_monday() - 10 * WEEK,
            )
            placements.append(start(enrolment, starts_on=last_monday() - 8 * WEEK, kind=kind))
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


# --- A week without friction ------------------------------------------------------------------------


def wait_until(condition, seconds=10):
    """Poll a condition from Python (the page's CSP refuses the string predicates wait_for_function polls with)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def selection(page):
    """The focused field's value and whether all of it is selected (typing then replaces it)."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return [e.value, e.selectionStart === 0 && e.selectionEnd === e.value.length && e.value.length > 0]; })()"
    )


def test_typing_in_a_registered_row_replaces_its_hours_and_never_appends(alice, caseload, logged_in_page, live_server):
    """The tracker: "7,5" + "75" gave "757,5", and "4" + "1" saved 14. The cursor's field has its text selected."""
    first, second = caseload(2)
    for placement, ordinary in ((first, "7,5"), (second, "4")):
        register_hours(
            acting_user=alice,
            placement=placement,
            week_start=last_monday(),
            ordinary_hours=ordinary,
            internship_hours=2,
        )
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    order = rows_in_order(page)
    # Every row is registered: the cursor starts in the first, its hours selected.
    assert focused_id(page) == f"id_p{order[0]}-ordinary_hours"
    wait_until(lambda: selection(page)[1])
    assert selection(page) == ["7,5", True]
    page.keyboard.type("6")
    page.keyboard.press("Tab")
    assert selection(page) == ["2", True]
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{order[0]}[data-status="saved"]')
    # Enter moved the cursor on to the next row, its hours selected too.
    assert focused_id(page) == f"id_p{order[1]}-ordinary_hours"
    assert selection(page) == ["4", True]
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{order[1]}[data-status="saved"]')
    saved = {s.placement_id: (s.ordinary_hours, s.internship_hours) for s in Timesheet.objects.all()}
    assert saved == {order[0]: (Decimal(6), Decimal(3)), order[1]: (Decimal(1), Decimal(2))}


def unsaved(page):
    box = page.locator("#hours-unsaved")
    return None if box.is_hidden() else box.inner_text()


def test_rows_not_saved_are_announced_and_summed_up_until_they_are_saved(caseload, logged_in_page, live_server):
    caseload(3)
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    first, second, third = rows_in_order(page)
    assert unsaved(page) is None

    # A refused value: the cursor goes on, so the summary above the table and the live region say it.
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{first}[data-status="error"]')
    assert focused_id(page) == f"id_p{second}-ordinary_hours"
    name = page.locator(f"#row-{first} .jb-citizen-name").inner_text()
    expect(page.locator("#hours-unsaved")).to_be_visible()
    assert unsaved(page).startswith("1 række er ikke gemt: ret den, og tryk Enter igen.")
    assert name in unsaved(page)
    expect(page.locator("#hours-announcer")).to_contain_text("1 række er ikke gemt")  # announced after the count
    announced = page.locator("#hours-announcer").inner_text()
    assert name in announced and "Ikke gemt" in announced

    # The next row saves; the summary still counts the first.
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{second}[data-status="saved"]')
    assert unsaved(page).startswith("1 række er ikke gemt")

    # The server fails on the third row: that is a row not saved too, announced with what to do.
    page.route(f"**/placements/{third}/", lambda route: route.fulfill(status=500, body="fejl"))
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{third}[data-status="error"]')
    expect(page.locator("#hours-unsaved")).to_have_attribute("data-count", "2")
    assert unsaved(page).startswith("2 rækker er ikke gemt: ret dem, og tryk Enter igen.")
    assert "serveren svarede ikke" in page.locator(f"#row-{third} .jb-status").inner_text()
    expect(page.locator("#hours-announcer")).to_contain_text("serveren svarede ikke")  # announced after the count
    page.unroute(f"**/placements/{third}/")

    # The summary's link takes the cursor back to the first row; corrected, it leaves the count.
    page.locator("#hours-unsaved a", has_text=name).click()
    assert focused_id(page) == f"id_p{first}-ordinary_hours"
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{first}[data-status="saved"]')
    expect(page.locator("#hours-unsaved")).to_have_attribute("data-count", "1")
    page.locator(f"#id_p{third}-ordinary_hours").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{third}[data-status="saved"]')
    expect(page.locator("#hours-unsaved")).to_be_hidden()
    assert Timesheet.objects.count() == 3


def test_internship_hours_on_a_row_without_an_internship_part_are_refused_next_to_the_field(
    caseload, logged_in_page, live_server
):
    (placement,) = caseload(1, kind=PlacementKind.SMALL_JOB)
    pk = placement.pk
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    assert "Ingen praktikdel" in page.locator(f"#row-{pk} [data-no-internship]").inner_text()
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="error"]')
    error = page.locator(f"#id_p{pk}-internship_hours-error")
    assert error.inner_text().startswith("Praktiktimer: dette virksomhedsforløb (Småjob) har ingen praktikdel.")
    assert error.evaluate(
        "(e) => e.closest('td') === document.getElementById(e.id.replace('-error', '')).closest('td')"
    )
    assert not Timesheet.objects.exists()
    # The cursor waits in the field in error, its text selected: 0 replaces it, and the row saves.
    assert focused_id(page) == f"id_p{pk}-internship_hours"
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="saved"]')
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal(3), Decimal(0))


def test_today_lists_the_earlier_missing_weeks_the_hours_page_shows(alice, caseload, logged_in_page, live_server):
    """The tracker: Today said nothing was missing for last week while the hours page listed earlier weeks."""
    (placement,) = caseload(1)
    for weeks_back in range(3):
        register_hours(
            acting_user=alice,
            placement=placement,
            week_start=last_monday() - weeks_back * WEEK,
            ordinary_hours=5,
            internship_hours=0,
        )
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/today/")
    section = page.locator("#missing_timesheets")
    assert section.get_attribute("data-count") == "1"
    missing = [last_monday() - n * WEEK for n in range(8, 2, -1)]
    item = section.locator(f"li[data-citizen='{placement.enrolment.citizen_id}']")
    assert ", ".join(str(m.isocalendar()[1]) for m in missing) in item.inner_text()
    with page.expect_navigation():
        item.locator(".jb-today-action").click()
    # The link opens the latest missing week, whose row lists the same earlier weeks.
    assert f"week={week_label(missing[-1])}" in page.url
    page.goto(f"{live_server.url}/hours/")
    shown = page.locator(f"#row-{placement.pk} .jb-missing").get_attribute("data-missing").split()
    assert shown == [week_label(m) for m in missing]


def test_a_refused_field_is_ready_for_typing_as_soon_as_the_refusal_shows_even_when_the_page_settles_late(
    caseload, logged_in_page, live_server
):
    """A fast typist on a busy machine: htmx settles a swapped row on a timer, and the field in error used to be
    selected only then, so a 0 typed as soon as the refusal showed was added to the refused value, not put in
    its place, Enter posted the whole page (htmx wires the new row's form only when it settles), and a later
    row's outcome, announced in between, was overwritten by the earlier one."""
    (placement,) = caseload(1, kind=PlacementKind.SMALL_JOB)
    pk = placement.pk
    page = logged_in_page("alice", PASSWORD)
    open_hours_page(page, f"{live_server.url}/hours/")
    page.evaluate("htmx.config.defaultSettleDelay = 3000")  # a settle as late as on a very busy machine
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="error"]')
    assert focused_id(page) == f"id_p{pk}-internship_hours"
    # Announced with the refusal, not when the row settles.
    assert "ingen praktikdel" in page.locator("#hours-announcer").inner_text()
    page.keyboard.type("0")
    assert page.locator(f"#id_p{pk}-internship_hours").input_value() == "0"
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#row-{pk}[data-status="saved"]')
    sheet = Timesheet.objects.get(placement=placement)
    assert (sheet.ordinary_hours, sheet.internship_hours) == (Decimal(3), Decimal(0))
