"""A table cell that fails a check never prints an impossible share: the page, the PDF and the spreadsheet show the
counts and the warning instead of a percent (docs/reports.md, "The checks that keep the figures honest")."""

import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from jobbro.accounts.models import ResultGoal
from jobbro.cases.models import PlacementKind
from jobbro.reporting import export, facts, presentation
from jobbro.reporting.base import Row, Scope, Scored, Share, Table
from jobbro.reporting.models import EnrolmentFacts
from jobbro.reporting.registry import BY_SLUG
from jobbro.reporting.templatetags.reports import table_rows
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

ON = datetime.date(2026, 6, 30)
WARNING = "cannot be true: the check failed"


def table_with(*cells):
    return Table(key="t", title="Test", columns=[f"c{n}" for n in range(len(cells))], rows=[Row("r", "Row", [*cells])])


@pytest.mark.parametrize(
    ("share", "counts"),
    [
        (Share(117, 100), "117 of 100"),
        (Share(3, 0), "3 of 0"),
        (Share(-1, 5), "-1 of 5"),
        (Share(1200, 1000), "1,200 of 1,000"),
    ],
)
def test_an_impossible_share_reads_as_its_counts_and_the_warning_never_a_percent(share, counts):
    text = presentation.cell_text(share)
    assert text == f"{counts} ({WARNING})"
    assert "%" not in text
    assert presentation.cell_text(Scored(share, "green")) == text  # a scored cell too


def test_a_possible_share_still_reads_as_count_and_percent():
    assert presentation.cell_text(Share(12, 40)) == "12 (30.0 %)"
    assert presentation.cell_text(Share(0, 0)) == "0 (–)"


def test_the_page_cell_of_an_impossible_share_is_marked_with_counts_and_warning():
    html = str(table_rows(table_with(Share(117, 100), Share(12, 40))))
    failed, fine = html.split("</td>")[:2]
    assert 'data-failed="true"' in failed and "117 of 100" in failed and WARNING in failed
    assert "117.0" not in html and "%" not in failed
    assert 'data-failed="true"' not in fine and "12 (30.0 %)" in fine


def test_the_spreadsheet_writes_the_counts_and_the_warning_in_place_of_the_percent():
    assert presentation.xlsx_slots(Share(117, 100)) == {
        "value": (117, "#,##0"),
        "share": (f"117 of 100 ({WARNING})", None),
    }
    assert presentation.xlsx_slots(Share(12, 40))["share"] == (0.3, "0.0%")


def test_yes_and_no_cells_are_words():
    assert (presentation.cell_text(True), presentation.cell_text(False)) == ("Yes", "No")
    assert presentation.xlsx_slots(True) == {"value": ("Yes", None)}


# --- An impossible figure from the database, through the report page and its exports -----------------------------


@pytest.fixture
def impossible(programme, site):
    """The social-economic part of "matched and started" made larger than the whole in the stored report facts, as a
    fact written wrongly would: two citizens with a social-economic first start but no first start at all."""
    ResultGoal.objects.create(
        programme=programme,
        metric=ResultGoal.Metric.MATCHED_AND_STARTED,
        target=10,
        deadline=datetime.date(2026, 12, 31),
        social_economic_target=5,
    )
    company = f.company()
    placed = f.enrolment(site, datetime.date(2026, 1, 5))
    f.placement(placed, company, PlacementKind.INTERNSHIP, datetime.date(2026, 2, 2))
    others = [f.enrolment(site, datetime.date(2026, 1, 5)) for _ in range(2)]
    facts.catch_up()
    EnrolmentFacts.objects.filter(enrolment__in=others).update(
        first_start_on=None, first_social_economic_start_on=datetime.date(2026, 2, 2)
    )
    EnrolmentFacts.objects.filter(enrolment=placed).update(first_social_economic_start_on=datetime.date(2026, 2, 2))
    return programme


def get_english(client, user, url, data):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url, data)


def test_an_impossible_share_from_the_database_shows_counts_and_warning_on_the_page(client, manager, impossible):
    data = {"programme": impossible.pk, "on": ON.isoformat()}
    page = get_english(client, manager, reverse("report", args=["result-goals"]), data)
    assert page.status_code == 200
    html = page.content.decode()
    # The check above the table, and in the cell the counts and the warning: 3 social-economic of 1 matched.
    assert 'id="report-problems"' in html
    assert "3 of 1" in html and WARNING in html and 'data-failed="true"' in html
    assert "300.0 %" not in html and "300,0 %" not in html

    workbook = get_english(client, manager, reverse("report_xlsx", args=["result-goals"]), data)
    cells = [
        cell
        for sheet in load_workbook(io.BytesIO(workbook.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert f"3 of 1 ({WARNING})" in cells
    assert not [cell for cell in cells if isinstance(cell, float) and cell == 3.0]  # no share of 300 % as a number


def test_the_pdf_prints_the_counts_and_the_warning_of_the_impossible_share(impossible, site):
    from weasyprint.formatting_structure import boxes

    report = BY_SLUG["result-goals"].module.build(Scope(impossible, (site,), ON))
    document = export.report_document(report, [])
    text = " ".join(
        box.text for page in document.pages for box in page._page_box.descendants() if isinstance(box, boxes.TextBox)
    )
    assert "3 of 1" in text and WARNING in text
    assert "300.0" not in text
