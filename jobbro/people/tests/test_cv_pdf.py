"""The printable CV: one A4 page for a typical CV, the citizen's name and CV on it, never the CPR number or health data."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from jobbro import codes
from jobbro.audit.models import AccessLog
from jobbro.people import actions
from jobbro.people.cv_pdf import FONT_SIZES, cv_document, render_cv_html
from jobbro.people.models import CVEntry, ParallelEffort, Restriction

CPR_NUMBER = "1207851238"
PHONE = "22 33 44 55"
EMAIL = "amina.yusuf@example.dk"
RESTRICTION_TEXT = "Må ikke løfte over 10 kg efter operation"
EFFORT_TEXT = "Samtaler i distriktspsykiatrien"

TYPICAL_CV = [
    (
        CVEntry.Kind.WORK,
        "Køkkenmedhjælper",
        "Restaurant Frederiks",
        (2019, 3, 1),
        (2022, 6, 30),
        "Opvask, klargøring af grøntsager og rengøring af køkkenet efter lukketid. Fast på weekendholdet.",
    ),
    (
        CVEntry.Kind.WORK,
        "Rengøringsassistent",
        "ISS Facility Services",
        (2016, 8, 1),
        (2019, 2, 28),
        "Daglig rengøring af kontorer og kantine, selvstændigt ansvar for to etager.",
    ),
    (CVEntry.Kind.WORK, "Avisbud", "Morgenavisen Jyllands-Posten", (2014, 1, 1), (2016, 7, 31), "Tidlig morgenrute."),
    (
        CVEntry.Kind.INTERNSHIP,
        "Lagermedarbejder i praktik",
        "Bilka Tilst",
        (2023, 4, 1),
        (2023, 6, 30),
        "Modtagelse af varer, opfyldning og pluk af ordrer.",
    ),
    (CVEntry.Kind.EDUCATION, "Grundskole (9. klasse)", "Skole i Mogadishu", (2002, 8, 1), (2011, 6, 30), ""),
    (CVEntry.Kind.COURSE, "Hygiejnecertifikat", "AMU Østjylland", (2022, 9, 1), (2022, 9, 5), ""),
    (CVEntry.Kind.LANGUAGE, "Somali", "", None, None, "Modersmål"),
    (CVEntry.Kind.SKILL, "Truckcertifikat A", "", None, None, "Gyldigt til 2028"),
]


def date(parts):
    return datetime.date(*parts) if parts else None


def text_of(document):
    """Every piece of text WeasyPrint laid out, page by page: what a reader of the PDF sees."""
    return "\n".join(
        box.text for page in document.pages for box in page._page_box.descendants() if isinstance(box, boxes.TextBox)
    )


@pytest.fixture
def amina(refer, alice):
    enrolment = refer(
        cpr_number=CPR_NUMBER,
        first_name="Amina",
        last_name="Yusuf",
        job_broker=alice,
        phone=PHONE,
        email=EMAIL,
        postcode="8200",
        city="Aarhus N",
    )
    citizen = enrolment.citizen
    actions.set_job_goal(
        acting_user=alice,
        citizen=citizen,
        occupation_code="9412",
        text="Køkkenmedhjælper i en kantine",
        set_on=timezone.localdate(),
    )
    actions.add_restriction(
        acting_user=alice,
        citizen=citizen,
        tag=Restriction.Tag.NO_HEAVY_LIFTING,
        description=RESTRICTION_TEXT,
        recorded_on=timezone.localdate(),
    )
    actions.add_parallel_effort(
        acting_user=alice,
        citizen=citizen,
        kind=ParallelEffort.Kind.PSYCHIATRIC,
        description=EFFORT_TEXT,
        starts_on=timezone.localdate(),
    )
    return citizen


def add_lines(citizen, user, lines):
    for kind, title, place, starts, ends, description in lines:
        actions.add_cv_entry(
            acting_user=user,
            citizen=citizen,
            kind=kind,
            title=title,
            organisation=place,
            starts_on=date(starts),
            ends_on=date(ends),
            description=description,
        )


def test_a_typical_cv_of_eight_lines_is_exactly_one_page_at_full_size(amina, alice):
    add_lines(amina, alice, TYPICAL_CV)
    document = cv_document(amina)
    assert len(document.pages) == 1
    assert len(TYPICAL_CV) == 8
    pdf = document.write_pdf(uncompressed_pdf=True)
    assert pdf.startswith(b"%PDF")
    # The same count read from the file itself: one page object.
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    # A4 (210 x 297 mm) in CSS pixels at 96 dpi.
    assert (round(document.pages[0].width), round(document.pages[0].height)) == (794, 1123)


def test_the_cv_shows_the_name_contact_goal_and_every_line(amina, alice):
    add_lines(amina, alice, TYPICAL_CV)
    shown = text_of(cv_document(amina, reader=alice))
    for expected in ("Amina Yusuf", PHONE, EMAIL, "Køkkenmedhjælper i en kantine", "Aarhus N"):
        assert expected in shown, expected
    for _, title, place, *_rest in TYPICAL_CV:
        assert title in shown, title
        assert place in shown, place
    assert "03.2019" in shown and "06.2022" in shown


def test_the_cv_never_shows_the_cpr_number_the_birth_date_or_health_data(amina, alice):
    add_lines(amina, alice, TYPICAL_CV)
    shown = text_of(cv_document(amina))
    html = render_cv_html(amina)
    for secret in (
        CPR_NUMBER,
        f"{CPR_NUMBER[:6]}-{CPR_NUMBER[6:]}",
        CPR_NUMBER[6:],
        "12.07.1985",
        RESTRICTION_TEXT,
        EFFORT_TEXT,
    ):
        assert secret not in shown, secret
        assert secret not in html, secret
    pdf = cv_document(amina).write_pdf(uncompressed_pdf=True)
    assert CPR_NUMBER.encode() not in pdf and CPR_NUMBER[:6].encode() not in pdf


def test_the_job_goal_in_the_citizens_words_is_a_case_note(amina, alice, coordinator):
    # The CV lines are shared with companies by design; the goal's own words are a case note: a reader who may not
    # read notes gets the occupation instead, and so does a CV made outside a request.
    add_lines(amina, alice, TYPICAL_CV[:2])
    occupation = codes.occupation_title("9412")
    for reader in (coordinator, None):
        shown = text_of(cv_document(amina, reader=reader))
        assert "Køkkenmedhjælper i en kantine" not in shown
        assert occupation in shown
    assert "Køkkenmedhjælper i en kantine" in text_of(cv_document(amina, reader=alice))


def test_the_cv_is_written_in_danish_whatever_the_users_language(amina):
    with translation.override("en"):
        html = render_cv_html(amina)
    assert '<html lang="da">' in html


def test_a_long_cv_is_set_in_smaller_type_to_stay_on_one_page(amina, alice):
    # Twenty lines with descriptions: more than a page at the full type size.
    add_lines(amina, alice, TYPICAL_CV[:4] * 5)
    full = HTML(string=render_cv_html(amina, font_size=FONT_SIZES[0])).render()
    assert len(full.pages) > 1, "the test needs a CV too long for the full type size"
    assert len(cv_document(amina).pages) == 1


def test_an_empty_cv_still_prints_the_name(amina):
    document = cv_document(amina)
    assert len(document.pages) == 1
    assert "Amina Yusuf" in text_of(document)


# --- The page serving it ----------------------------------------------------------------------


def test_the_pdf_is_served_inline_as_cv_pdf_and_the_read_is_logged(client, amina, alice):
    add_lines(amina, alice, TYPICAL_CV[:2])
    client.force_login(alice)
    response = client.get(reverse("cv_pdf", kwargs={"citizen_pk": amina.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="cv.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(user=alice, citizen=amina, view="cv_pdf", status_code=200).exists()


def test_someone_outside_the_programme_gets_no_pdf(client, amina, charlie):
    client.force_login(charlie)
    response = client.get(reverse("cv_pdf", kwargs={"citizen_pk": amina.pk}))
    assert response.status_code == 404
    assert AccessLog.objects.filter(user=charlie, citizen=amina, view="cv_pdf", status_code=404).exists()
