"""The small-jobs board's export: the xlsx holds exactly the filtered openings, the PDF lists them by company."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobbro.companies import board_export
from jobbro.companies.forms import OpeningFilterForm
from jobbro.companies.models import Company, Opening
from jobbro.conftest import make_company, make_opening

pytestmark = pytest.mark.django_db

DANISH_HEADERS = [
    "Job",
    "Virksomhed",
    "Virksomhedstype",
    "Adresse",
    "Stilling (DISCO-08)",
    "Opgaver",
    "Timer om ugen",
    "Dage",
    "Krav",
    "Dansk (niveau 1-5)",
    "Buddy",
    "Pladser",
    "Opslået",
]


@pytest.fixture
def board(programme, other_programme, company, social_company, buddy):
    Company.objects.filter(pk=company.pk).update(address="Havnegade 2", postcode="8000")
    company.refresh_from_db()
    return {
        "kitchen": make_opening(
            company,
            programme,
            "Køkkenhjælp",
            weekly_hours=8,
            days=("mon", "wed"),
            buddy=buddy,
            requirements=["long_standing"],
            occupation_code="9412",
            danish_level_required=2,
        ),
        "cleaning": make_opening(
            company, programme, "Rengøring", weekly_hours=15, days=("fri",), posted_on=datetime.date(2025, 3, 5)
        ),
        "garden": make_opening(social_company, programme, "Havearbejde", weekly_hours=25, days=("tue",), capacity=3),
        "closed": make_opening(company, programme, "Lukket", status=Opening.Status.CLOSED),
        "elsewhere": make_opening(make_company("Syd ApS", programme=other_programme), other_programme, "I Syd"),
    }


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="ledige-smaajob-')
    return load_workbook(io.BytesIO(response.content)).active


def data_rows(sheet):
    return [row for row in sheet.iter_rows(min_row=3, values_only=True)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"buddy": "on"},
        {"hours": "20"},
        {"day": "tue"},
        {"social_economic": "on"},
        {"q": "ren"},
        {"postcode": "8000"},
        {"occupation": "9412"},
        {"hours": "10", "day": "fri"},
    ],
)
def test_the_xlsx_rows_are_the_filtered_openings_of_the_board(client, alice, board, params, programme):
    client.force_login(alice)
    sheet = sheet_of(client.get(reverse("opening_board_xlsx"), params))
    form = OpeningFilterForm(params or None)
    expected = list(board_export.board_openings(alice, form))
    assert [row[0] for row in data_rows(sheet)] == [o.title for o in expected]
    page = client.get(reverse("opening_board"), params).content.decode()
    assert {o.pk for o in expected} == {o.pk for o in Opening.objects.all() if f'data-opening="{o.pk}"' in page}


def test_the_xlsx_has_a_title_row_danish_headers_and_the_openings_facts(client, alice, board, programme):
    client.force_login(alice)
    sheet = sheet_of(client.get(reverse("opening_board_xlsx")))
    title = sheet["A1"].value
    assert programme.name in title and f"{timezone.localdate():%d.%m.%Y}" in title
    assert [cell.value for cell in sheet[2]] == DANISH_HEADERS
    rows = {row[0]: dict(zip(DANISH_HEADERS, row, strict=True)) for row in data_rows(sheet)}
    assert set(rows) == {"Køkkenhjælp", "Rengøring", "Havearbejde"}
    kitchen = rows["Køkkenhjælp"]
    assert kitchen["Virksomhed"] == "Café Havnen"
    assert kitchen["Adresse"] == "Havnegade 2, 8000 Aarhus"
    assert kitchen["Timer om ugen"] == 8
    assert kitchen["Dage"] == "mandag, onsdag"
    assert kitchen["Buddy"] == "Birgit Buddy"
    assert kitchen["Stilling (DISCO-08)"] == "9412 Køkkenmedhjælper"
    assert kitchen["Dansk (niveau 1-5)"] == 2
    assert kitchen["Opslået"].date() == datetime.date(2025, 3, 1)
    assert rows["Havearbejde"]["Pladser"] == 3


def test_the_export_never_holds_another_programmes_or_closed_openings(client, coordinator, charlie, board):
    client.force_login(coordinator)
    titles = [row[0] for row in data_rows(sheet_of(client.get(reverse("opening_board_xlsx"))))]
    assert "I Syd" not in titles and "Lukket" not in titles
    client.force_login(charlie)
    titles = [row[0] for row in data_rows(sheet_of(client.get(reverse("opening_board_xlsx"))))]
    assert titles == ["I Syd"]


def test_an_invalid_filter_exports_the_whole_board_like_the_page_shows_it(client, alice, board):
    client.force_login(alice)
    titles = [row[0] for row in data_rows(sheet_of(client.get(reverse("opening_board_xlsx"), {"postcode": "abc"})))]
    assert sorted(titles) == ["Havearbejde", "Køkkenhjælp", "Rengøring"]


def test_the_pdf_lists_the_filtered_openings_grouped_by_company(client, alice, board):
    form = OpeningFilterForm({"hours": "20"})
    html = board_export.render_board_html(board_export.board_openings(alice, form), user=alice)
    assert "Rengøring" in html
    assert "Køkkenhjælp" not in html and "Havearbejde" not in html
    html = board_export.render_board_html(board_export.board_openings(alice, OpeningFilterForm()), user=alice)
    # Grouped by company in name order: Café Havnen's jobs, then Grønt Værksted's.
    assert (
        html.index("Café Havnen") < html.index("Køkkenhjælp") < html.index("Grønt Værksted") < html.index("Havearbejde")
    )
    assert html.index("Rengøring") < html.index("Grønt Værksted")

    client.force_login(alice)
    response = client.get(reverse("opening_board_pdf"), {"hours": "20"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def page_texts(document):
    from weasyprint.formatting_structure import boxes

    return " ".join(
        box.text for page in document.pages for box in page._page_box.descendants() if isinstance(box, boxes.TextBox)
    )


def test_the_pdf_is_a4_pages_with_the_openings_titles(alice, board):
    document = board_export.board_document(board_export.board_openings(alice, OpeningFilterForm()), user=alice)
    assert len(document.pages) >= 1
    assert (round(document.pages[0].width), round(document.pages[0].height)) == (794, 1123)  # A4 at 96 dpi
    text = page_texts(document)
    for title in ("Køkkenhjælp", "Rengøring", "Havearbejde"):
        assert title in text
    assert "Lukket" not in text and "I Syd" not in text


def test_the_pdf_has_one_page_for_an_empty_board(alice, programme):
    assert len(board_export.board_document(Opening.objects.none(), user=alice).pages) == 1
    assert board_export.board_pdf(Opening.objects.none(), user=alice).startswith(b"%PDF")


def test_a_long_board_runs_onto_more_pages(alice, programme, company):
    for i in range(60):
        make_opening(company, programme, f"Job nummer {i:02d}", tasks="Opvask, rengøring og anretning i køkkenet. " * 3)
    document = board_export.board_document(board_export.board_openings(alice, OpeningFilterForm()), user=alice)
    assert len(document.pages) > 1
    assert "Job nummer 59" in page_texts(document)


def bulk_openings(company, programme, count, **extra):
    Opening.objects.bulk_create(
        Opening(
            company=company,
            programme=programme,
            title=f"Job {i:03d}",
            tasks="Opvask",
            weekly_hours=8,
            days=["mon"],
            status=Opening.Status.OPEN,
            posted_on=datetime.date(2025, 3, 1),
            **extra,
        )
        for i in range(count)
    )


def test_above_the_limit_the_pdf_address_asks_to_narrow_the_filter_and_the_board_says_so(
    client, alice, programme, company, social_company
):
    bulk_openings(company, programme, board_export.PDF_MAX_OPENINGS)
    make_opening(social_company, programme, "Havearbejde", weekly_hours=25)
    client.force_login(alice)
    over = board_export.PDF_MAX_OPENINGS + 1

    response = client.get(reverse("opening_board_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not response.content.startswith(b"%PDF")
    assert "Content-Disposition" not in response
    message = response.content.decode()
    assert 'id="pdf-too-many"' in message
    assert f"Filteret giver {over} småjob" in message and f"højst {board_export.PDF_MAX_OPENINGS}" in message
    assert "regnearket" in message and reverse("opening_board_xlsx") in message

    board = client.get(reverse("opening_board")).content.decode()
    assert 'id="pdf-too-many"' in board and 'id="export-pdf"' not in board
    assert f"Filteret giver {over} småjob" in board

    # Narrowed to the limit or below, the PDF is made and the page links it again.
    narrowed = {"hours": "21"}
    response = client.get(reverse("opening_board_pdf"), narrowed)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    board = client.get(reverse("opening_board"), narrowed).content.decode()
    assert 'id="export-pdf"' in board and 'id="pdf-too-many"' not in board


def test_exactly_the_limit_still_makes_the_pdf(client, alice, programme, company):
    bulk_openings(company, programme, board_export.PDF_MAX_OPENINGS)
    client.force_login(alice)
    response = client.get(reverse("opening_board_pdf"))
    assert response["Content-Type"] == "application/pdf"


def test_the_xlsx_holds_every_filtered_opening_above_the_pdf_limit_with_formulas_neutralised(
    client, alice, programme, company, social_company
):
    bulk_openings(company, programme, board_export.PDF_MAX_OPENINGS + 20)
    hostile = make_company('=HYPERLINK("http://x")', programme=programme)
    make_opening(hostile, programme, "+SUM(A1:A9)", tasks="@cmd|' /C calc'!A0", weekly_hours=25)
    client.force_login(alice)

    rows = data_rows(sheet_of(client.get(reverse("opening_board_xlsx"))))
    assert len(rows) == board_export.PDF_MAX_OPENINGS + 21
    assert {row[0] for row in rows} >= {f"Job {i:03d}" for i in range(board_export.PDF_MAX_OPENINGS + 20)}
    (bad,) = [row for row in rows if "SUM" in row[0]]
    cells = dict(zip(DANISH_HEADERS, bad, strict=True))
    assert cells["Job"] == "'+SUM(A1:A9)"
    assert cells["Virksomhed"] == '\'=HYPERLINK("http://x")'
    assert cells["Opgaver"] == "'@cmd|' /C calc'!A0"
    assert cells["Timer om ugen"] == 25

    rows = data_rows(sheet_of(client.get(reverse("opening_board_xlsx"), {"hours": "21"})))
    assert [row[0] for row in rows] == ["'+SUM(A1:A9)"]


def test_the_xlsx_dates_and_tasks_keep_their_format(client, alice, board):
    client.force_login(alice)
    sheet = sheet_of(client.get(reverse("opening_board_xlsx")))
    dates = [row[12] for row in sheet.iter_rows(min_row=3)]
    assert dates and all(cell.number_format == "DD.MM.YYYY" for cell in dates)
    tasks = [row[5] for row in sheet.iter_rows(min_row=3)]
    assert all(cell.alignment.wrap_text for cell in tasks)
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:M5"


def test_the_pdf_facts_are_separated_by_written_dots(alice, board):
    html = board_export.render_board_html(board_export.board_openings(alice, OpeningFilterForm()), user=alice)
    kitchen = html[html.index("Køkkenhjælp") :]
    facts = kitchen[kitchen.index('<p class="facts">') : kitchen.index("</p>")]
    assert facts.endswith("8,0 timer om ugen · mandag, onsdag · Buddy: Birgit Buddy")
    assert "::before" not in html
