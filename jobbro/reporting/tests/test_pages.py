"""The reports pages and their exports: who may open them, the scope form, and the checks on the first page."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jobbro.accounts.models import Membership, Role, Site
from jobbro.cases.models import Outcome
from jobbro.conftest import make_user
from jobbro.filenames import slug
from jobbro.reporting import export, quality
from jobbro.reporting.base import Report, Row, Scope, Share, Table
from jobbro.reporting.registry import REPORTS
from jobbro.reporting.tests import factories

ON = datetime.date(2026, 6, 30)


def page_texts(document):
    from weasyprint.formatting_structure import boxes

    return [
        " ".join(box.text for box in page._page_box.descendants() if isinstance(box, boxes.TextBox))
        for page in document.pages
    ]


@pytest.fixture
def data(programme, site, other_site):
    """Two citizens at each of the programme's two sites, one placed with ordinary hours."""
    company = factories.company()
    for a_site in (site, other_site):
        placed = factories.enrolment(a_site, datetime.date(2026, 2, 2))
        factories.enrolment(a_site, datetime.date(2026, 3, 2))
        placement = factories.placement(
            placed, company, "small_job", datetime.date(2026, 3, 2), agreed_ordinary_hours=5
        )
        factories.week(placement, datetime.date(2026, 3, 2), ordinary=5)
    return company


def query(programme, on=ON, **extra):
    return {"programme": programme.pk, "on": on.isoformat(), **extra}


def test_every_report_has_a_page_and_a_spreadsheet(client, manager, programme, data):
    client.force_login(manager)
    for entry in REPORTS:
        page = client.get(reverse("report", args=[entry.slug]), query(programme))
        assert page.status_code == 200, entry.slug
        assert page.context["report"].scope.on == ON
        workbook = client.get(reverse("report_xlsx", args=[entry.slug]), query(programme))
        # Named in Danish after the report, with the as-of date as Danish writes it: resultatmaal-30.06.2026.xlsx.
        with translation.override("da"):
            expected = f'attachment; filename="{slug(entry.title)}-30.06.2026.xlsx"'
        assert workbook["Content-Disposition"] == expected
        assert len(load_workbook(io.BytesIO(workbook.content)).sheetnames) == 2  # the checks, then the figures


@pytest.mark.parametrize("who", ["coordinator", "manager", "evaluator", "administrator"])
def test_report_roles_open_the_reports_and_their_exports(client, staff, programme, data, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("reports")).status_code == 200
    assert client.get(reverse("report", args=["status"]), query(programme)).status_code == 200
    pdf = client.get(reverse("report_pdf", args=["sites"]), query(programme))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("data_quality"), query(programme)).status_code == 200


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "charlie"])
def test_case_roles_are_refused_the_reports_like_a_missing_page(client, staff, programme, data, who):
    client.force_login(getattr(staff, who))
    for url in [
        reverse("reports"),
        reverse("data_quality"),
        reverse("report", args=["sites"]),
        reverse("report_xlsx", args=["sites"]),
        reverse("report_pdf", args=["sites"]),
    ]:
        assert client.get(url, query(programme)).status_code == 404, url


def test_an_unknown_report_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get(reverse("report", args=["nonsense"])).status_code == 404


def test_reports_need_a_login(client, programme):
    response = client.get(reverse("report", args=["sites"]), query(programme))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_site_member_sees_only_their_own_site(client, programme, site, other_site, data):
    local = make_user("lokal", Role.MANAGER, programme=programme, site=site)
    client.force_login(local)
    report = client.get(reverse("report", args=["sites"]), query(programme)).context["report"]
    assert report.scope.sites == (site,)
    # Asking for the other site directly is refused by the form: the site is not among the choices.
    response = client.get(reverse("report", args=["sites"]), query(programme, site=other_site.pk))
    assert "report" not in response.context and response.context["form"].errors["site"]
    assert client.get(reverse("report_xlsx", args=["sites"]), query(programme, site=other_site.pk))[
        "Content-Type"
    ].startswith("text/html")


def test_the_scope_form_refuses_a_future_date_and_a_site_of_another_programme(
    client, manager, programme, other_programme
):
    foreign = Site.objects.create(programme=other_programme, name="Randers")
    Membership.objects.create(user=manager, programme=other_programme)
    client.force_login(manager)
    future = client.get(reverse("report", args=["sites"]), query(programme, on=datetime.date(2999, 1, 1)))
    assert "report" not in future.context and future.context["form"].errors["on"]
    mixed = client.get(reverse("report", args=["sites"]), query(programme, site=foreign.pk))
    assert mixed.context["form"].errors["site"]


def test_the_scope_form_takes_a_danish_date(client, manager, programme):
    client.force_login(manager)
    response = client.get(reverse("report", args=["sites"]), {"programme": programme.pk, "on": "31.05.2026"})
    assert response.context["report"].scope.on == datetime.date(2026, 5, 31)


def test_the_page_is_danish_with_comma_decimals(client, manager, programme, data):
    client.force_login(manager)
    html = client.get(reverse("report", args=["sites"]), query(programme)).content.decode()
    assert "Rapporter" in html or "Sammenligning" in html
    assert "50,0 %" in html  # one of two citizens at each site has ordinary hours


def broken_report(scope):
    table = Table(
        "t",
        "Andele",
        ["A", "B", "I alt"],
        [Row("cv", "Med CV", [Share(3, 2), Share(1, 1), Share(4, 3)]), Row("n", "Henvist", [1, 1, 3], additive=True)],
        total_column=2,
    )
    return Report(key="broken", title="Prøve", scope=scope, tables=[table])


def test_an_export_that_fails_a_check_says_so_on_its_first_page(programme, site):
    scope = Scope(programme, (site,), ON)
    report = broken_report(scope)
    failed = export.check_lines(report, [])
    assert len(failed) == 3  # two shares above 100 % and one row whose sites do not add up to the total
    first_page = page_texts(export.report_document(report, []))[0]
    assert "3" in first_page and "Med CV" in first_page and "Henvist" in first_page
    workbook = load_workbook(io.BytesIO(export.report_xlsx(report, [])))
    checks = workbook.worksheets[0]
    assert checks["A3"].value.endswith(":") and checks["A4"].value == failed[0]


def test_an_export_says_which_records_need_correcting(programme, site):
    enrolment = factories.enrolment(site, datetime.date(2026, 2, 2))
    Outcome.objects.create(enrolment=enrolment, kind="exit", measured_on=datetime.date(2026, 1, 1), status="other")
    scope = Scope(programme, (site,), ON)
    findings = quality.findings(scope)
    assert any(finding.count for finding in findings)
    first_page = page_texts(export.report_document(REPORTS[0].build(scope), findings))[0]
    before = [finding for finding in findings if finding.count][0]
    assert before.title in first_page


def test_a_clean_export_says_all_checks_passed(programme, site, data):
    scope = Scope(programme, (site,), ON)
    report = REPORTS[3].build(scope)
    assert export.check_lines(report, quality.findings(scope)) == []
    workbook = load_workbook(io.BytesIO(export.report_xlsx(report, quality.findings(scope))))
    assert workbook.worksheets[0]["A3"].value == "Alle kontroller bestået."
    assert workbook.worksheets[1].max_row > 3


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("coordinator", True),
        ("manager", True),
        ("evaluator", True),
        ("administrator", True),
        ("alice", False),
        ("caseworker", False),
        ("mentor", False),
    ],
)
def test_the_reports_menu_item(client, staff, who, shown):
    client.force_login(getattr(staff, who))
    urls = [item["url"] for item in client.get(reverse("result_goals")).context["nav_items"]]
    assert (reverse("reports") in urls) == shown
    # Those without the reports keep the result goals in the menu.
    assert (reverse("result_goals") in urls) == (not shown)


def test_a_downloaded_spreadsheet_names_the_failed_record_check_first(client, manager, programme, site):
    enrolment = factories.enrolment(site, datetime.date(2026, 2, 2))
    Outcome.objects.create(enrolment=enrolment, kind="exit", measured_on=datetime.date(2026, 1, 1), status="other")
    failing = [f for f in quality.findings(Scope(programme, (site,), ON)) if f.count]
    client.force_login(manager)
    response = client.get(reverse("report_xlsx", args=["follow-up"]), query(programme))
    checks = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert checks["A3"].value != "Alle kontroller bestået."
    assert checks["A4"].value.startswith(failing[0].title)
    # The page itself points to the data-quality page, where the record is listed.
    page = client.get(reverse("report", args=["follow-up"]), query(programme)).content.decode()
    assert reverse("data_quality") in page


@pytest.mark.parametrize("slug", ["status", "fidelity"])
def test_an_evaluator_sees_job_brokers_as_letters_and_a_manager_by_name(client, staff, programme, site, slug):
    """Evaluators may not see staff names: the tables per job broker, their search, spreadsheet and PDF say Job
    broker A, B, … (the same letters in both reports); a manager reads the names."""
    for broker in (staff.bob, staff.alice):  # alice has the lower id: she is A, bob B
        factories.enrolment(site, datetime.date(2026, 2, 2), job_broker=broker)
    names = ("Alice", "Bob")

    client.force_login(staff.evaluator)
    page = client.get(reverse("report", args=[slug]), query(programme)).content.decode()
    assert "Jobformidler A" in page and "Jobformidler B" in page
    assert not any(name in page for name in names)
    found = client.get(reverse("report", args=[slug]), {**query(programme), "q": "Alice"}).context["tables"]
    assert [shown["staff"].matching for shown in found if "staff" in shown] == [0], "the real name finds nobody"
    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx", args=[slug]), query(programme)).content))
    cells = {str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value}
    assert "Jobformidler A" in cells and not any(name in text for text in cells for name in names)
    pdf = client.get(reverse("report_pdf", args=[slug]), query(programme))
    assert pdf.status_code == 200

    client.force_login(staff.manager)
    page = client.get(reverse("report", args=[slug]), query(programme)).content.decode()
    assert all(name in page for name in names) and "Jobformidler A" not in page
