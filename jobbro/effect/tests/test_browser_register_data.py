"""In a real browser: an evaluator uploads Statistics Denmark's persons file on the register data page; the page says
it is queued, the worker imports it, and the page then lists it as imported with its rows and shows the current
generation's counts, in Danish, without a name or CPR number and without the CPR list's buttons. Axe checks the page
and the benefit codes page."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from jobbro.accounts.models import Membership, Programme, Role, User
from jobbro.effect import panels, tasks
from jobbro.effect.models import RegisterImport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"
PERSONS_CSV = (
    "person_key;birth_year;sex;origin;municipality_code\n"
    "k-001;1980;K;dansk;751\nk-002;1975;M;indvandrer;101\nk-003;1999;K;efterkommer;730\n"
)


def danish(message):
    with translation.override("da"):
        return translation.gettext(message)


@pytest.fixture
def evaluator_world(settings, tmp_path):
    settings.REGISTER_DIR = tmp_path / "register"
    programme = Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))
    evaluator = User.objects.create_user(
        "evaluator", password=PASSWORD, first_name="Eva", last_name="Luator", role=Role.EVALUATOR
    )
    Membership.objects.create(user=evaluator, programme=programme)
    return programme


def test_an_evaluator_imports_a_persons_file_on_the_register_data_page(
    evaluator_world, logged_in_page, live_server, axe_check, tmp_path
):
    programme = evaluator_world
    delivery = tmp_path / "personer.csv"
    delivery.write_text(PERSONS_CSV, encoding="utf-8")
    page = logged_in_page("evaluator", PASSWORD)
    page.click("#effect-setup-link")
    page.click(f'[data-programme="{programme.pk}"] a')
    expect(page.locator("h1")).to_contain_text(programme.name)
    expect(page.locator("#generation")).to_contain_text(danish("No register data has been imported yet."))
    assert page.locator("#issue-keys").count() == 0  # the CPR list is for administrators only

    page.select_option("#id_kind", "persons")
    page.set_input_files("#id_file", str(delivery))
    with page.expect_navigation():
        page.click("#upload")
    made = RegisterImport.objects.get()
    expect(page.locator(f'[data-import="{made.pk}"]')).to_contain_text(danish("Queued"))
    expect(page.locator(".alert-success, .alert")).to_contain_text("personer.csv")

    tasks.execute(made.pk, "da")  # what the worker does with the queued task
    page.click("#refresh")
    made.refresh_from_db()
    row = page.locator(f'[data-import="{made.pk}"]')
    expect(row).to_contain_text(danish("Imported"))
    expect(row).to_have_attribute("data-state", "done")
    assert made.generation == panels.current_generation(tmp_path / "register" / f"programme-{programme.pk}")
    expect(page.locator("#generation")).to_contain_text(made.generation)
    expect(page.locator('#panel-counts [data-kind="persons"]')).to_contain_text("3")
    expect(page.locator('#panel-counts [data-kind="status"]')).to_contain_text(danish("not imported"))
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    # The benefit codes the status file will be checked against, one click away.
    page.click("#mapping-link")
    expect(page.locator('#codes [data-code="111"]')).to_contain_text("Arbejdsløshedsdagpenge")
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)
