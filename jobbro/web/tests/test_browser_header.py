"""The header as staff see it on an ordinary laptop and a tablet: the menu on one line at 1366 px, a keyboard focus
ring that stands out from the dark header (WCAG 1.4.11: 3:1), and tables that show there is more to scroll to."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"

CONTRAST = """
(element) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ring = getComputedStyle(element).outlineColor;
  const background = getComputedStyle(document.querySelector(".jb-header")).backgroundColor;
  const [a, b] = [luminance(ring), luminance(background)].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), width: parseFloat(getComputedStyle(element).outlineWidth)};
}
"""


def test_a_job_brokers_menu_fits_one_line_at_1366_px(logged_in_page, live_server, alice, alices_enrolment):
    page = logged_in_page("alice", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/")
    items = page.locator(".jb-nav li")
    assert items.count() >= 5
    tops = {round(items.nth(k).bounding_box()["y"]) for k in range(items.count())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines"


def test_the_keyboard_focus_ring_in_the_header_has_3_to_1_contrast(logged_in_page, live_server, alice):
    page = logged_in_page("alice", PASSWORD)
    page.goto(f"{live_server.url}/")
    for selector in (".jb-nav a", ".jb-header-tools .jb-link-button", ".jb-logo"):
        link = page.locator(selector).first
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focused by the keyboard, so :focus-visible applies
        seen = link.evaluate(CONTRAST)
        assert seen["width"] >= 2, selector
        assert seen["ratio"] >= 3, f"{selector}: {seen['ratio']:.1f}:1"


def test_a_wide_table_on_a_tablet_shows_that_it_scrolls(logged_in_page, live_server, alice, alices_enrolment):
    page = logged_in_page("alice", PASSWORD)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server.url}/citizens/")
    wrap = page.locator(".jb-table-wrap").first
    assert wrap.evaluate("(el) => el.scrollWidth > el.clientWidth"), "the citizen list is wider than a tablet"
    assert wrap.evaluate("(el) => el.classList.contains('jb-scrolls')"), "marked as scrolling"
    assert wrap.evaluate("(el) => getComputedStyle(el).backgroundImage") != "none", "a shadow at the hidden edge"
    page.set_viewport_size({"width": 1600, "height": 1024})
    page.wait_for_function("() => !document.querySelector('.jb-table-wrap').classList.contains('jb-scrolls')")
