"""Test set-up shared by every app: fast password hashing, Hypothesis profile and the browser fixtures.

Browser tests use Playwright's sync API with Debian's Chromium (Playwright cannot download its own
browsers here; `bin/setup --browser` installs the package). Mark them `@pytest.mark.browser` and use
`live_server`, which gives them transactional database access.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django would otherwise refuse
# ORM calls from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("JOBBRO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"

try:
    from hypothesis import settings as hypothesis_settings

    # Database-backed examples vary in speed; a per-example deadline only makes them flaky.
    hypothesis_settings.register_profile("jobbro", deadline=None)
    # CI explores the same examples on every run, so a landing never depends on luck; local runs keep exploring.
    hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
    default_profile = "ci" if os.environ.get("CI") else "jobbro"
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default_profile))
except ImportError:  # pragma: no cover - hypothesis is in requirements-dev.txt
    pass


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """PBKDF2 costs ~0.3 s per user; tests create many users and never check hash strength."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- Browser ------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item so `page` can screenshot a failed test.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `bin/setup --browser` (installs Debian's chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def is_csp_refusal(console_text):
    """Whether a console message is Chromium reporting something the Content-Security-Policy refused."""
    return "Content Security Policy" in console_text or console_text.startswith("Refused to")


@pytest.fixture
def page(browser, request):
    """A fresh browser tab with Danish locale that obeys the Content-Security-Policy: anything the policy
    refuses on the test's pages fails the test. A failed test leaves a screenshot in test-artifacts/."""
    # axe is injected as an inline script, so only the tests that run it bypass the policy.
    bypass_csp = "axe_check" in request.fixturenames
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
    context.set_default_timeout(10_000)
    page = context.new_page()
    refusals = []
    page.on("console", lambda message: is_csp_refusal(message.text) and refusals.append(f"{page.url}: {message.text}"))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # a screenshot must never hide the real failure
            pass
    context.close()
    if refusals:
        pytest.fail("the Content-Security-Policy refused:\n" + "\n".join(refusals), pytrace=False)


def log_in(page, base_url, username, password):
    """Log in through the login form, as a person would, and return the page."""
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").click()
    if "/login/" in page.url:
        errors = page.locator(".errornote, .alert-error, .form-error-message, [role=alert]").all_inner_texts()
        pytest.fail(f"logging in as {username!r} failed: {' | '.join(errors) or page.url}", pytrace=False)
    return page


def open_hours_page(page, url):
    """Open the hours page and wait for the cursor: the browser moves it to the autofocus field while
    rendering, which may come after the load event Playwright waits for."""
    page.goto(url)
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('jb-hours')")
    return page


@pytest.fixture
def logged_in_page(page, live_server):
    """A factory: `logged_in_page("broker", "password")` logs in on the live server and returns the page."""

    def login(username, password):
        return log_in(page, live_server.url, username, password)

    return login


@pytest.fixture
def axe_check():
    """A function `axe_check(page)` returning the page's serious and critical WCAG 2.1 A/AA violations.

    Each violation is a dict with `id`, `impact`, `help`, `nodes` and a readable `summary`, so a test
    can write `assert not violations, "\\n".join(v["summary"] for v in violations)`.
    """
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} is missing: run `bin/setup` (npm ci)", pytrace=False)

    def check(page):
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                                          summary: n.failureSummary}))}));
            }""",
            AXE_TAGS,
        )
        for v in violations:
            where = "\n".join(f"    {n['target']}: {n['html'][:160]}" for n in v["nodes"][:5])
            v["summary"] = f"[{v['impact']}] {v['id']}: {v['help']} ({page.url})\n{where}"
        return violations

    return check


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")`: a PNG into docs/screenshots/ when JOBBRO_SCREENSHOTS=1, else test-artifacts/."""

    def take(page, name, full_page=True):
        folder = SCREENSHOTS if os.environ.get("JOBBRO_SCREENSHOTS") == "1" else ARTIFACTS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
