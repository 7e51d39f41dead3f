"""The Content-Security-Policy in a real browser: every page in each role's menu loads without a single
refusal, and the pages still work (HTMX requests, the hours page's script, the print button)."""

import datetime

import pytest

from conftest import is_csp_refusal, log_in, open_hours_page
from jobbro.cases.actions import monday_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"  # the shared fixtures' password


@pytest.fixture
def strict_page(browser):
    """A tab that obeys the policy, with every refusal recorded for the test to look at (the shared `page`
    fails a test on the first refusal, and bypasses the policy where axe runs)."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.refusals = []
    page.on("console", lambda message: _record(page, message.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield page
    context.close()


def _record(page, text):
    if is_csp_refusal(text) or text.startswith("CSP violation"):
        page.refusals.append(f"{page.url}: {text}")


def visit_every_menu_page(page, base_url):
    menu = page.locator("nav.jb-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(menu) >= 3
    for href in menu:
        response = page.goto(base_url + href)
        assert response.status == 200, href
        page.wait_for_load_state("networkidle")
    return menu


def test_the_job_brokers_pages_load_without_a_refusal_and_htmx_still_swaps(strict_page, live_server, world, start):
    page = strict_page
    start(world.alices_enrolment, starts_on=monday_of(datetime.date.today()) - datetime.timedelta(weeks=6))
    log_in(page, live_server.url, "alice", PASSWORD)
    assert page.evaluate("typeof htmx") == "object"  # the script from our own origin ran
    visit_every_menu_page(page, live_server.url)

    # HTMX: reveal the CPR number in place.
    page.goto(f"{live_server.url}/citizens/{world.alices_citizen.pk}/")
    page.evaluate("window.__noReload = 'still the same page'")
    page.get_by_role("button", name="Vis CPR-nummer").click()
    page.wait_for_function("!document.querySelector('#cpr').textContent.includes('*')")
    assert page.evaluate("window.__noReload") == "still the same page"

    # The hours page's own script and an HTMX post: type the hours, press Enter, the row comes back saved.
    open_hours_page(page, f"{live_server.url}/hours/")
    page.keyboard.type("7,5")
    page.keyboard.press("Tab")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_selector('tr[data-status="saved"]')

    # The print button's handler lives in jobbro.js, not in an onclick attribute.
    page.evaluate(
        "window.print = () => { window.__printed = true; };"
        "const b = document.createElement('button'); b.dataset.jbPrint = ''; b.id = 'print-probe';"
        "b.textContent = 'Print'; document.querySelector('main').append(b);"
    )
    page.click("#print-probe")
    assert page.evaluate("window.__printed") is True

    assert not page.refusals, "\n".join(page.refusals)


def test_the_coordinators_pages_and_every_report_load_without_a_refusal(strict_page, live_server, world, coordinator):
    page = strict_page
    log_in(page, live_server.url, coordinator.username, PASSWORD)
    visit_every_menu_page(page, live_server.url)
    reports = page.goto(live_server.url + "/reports/")
    assert reports.status == 200
    for href in page.locator("main a[href^='/reports/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    ):
        if href.rstrip("/").endswith(("xlsx", "pdf")):
            continue
        assert page.goto(live_server.url + href).status == 200, href
    assert not page.refusals, "\n".join(page.refusals)


def test_a_refusal_would_be_noticed(strict_page, live_server, db):
    """The listener is live: a page that breaks the policy is caught (here an inline script added on purpose)."""
    page = strict_page
    page.goto(live_server.url + "/login/")
    page.evaluate(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s);"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert page.refusals
