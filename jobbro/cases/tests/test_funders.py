"""The funder's participant forms: the answers on the start form and the end form, the age group computed from the
birth date, the legal basis of each placement, and the export "Deltagerskemaer" (docs/funders.md).

The age groups are those of Regulation (EU) 2021/1057 (ESF+), Annex I (below 18, 18-29, 55 and above; 30-54 between
them), eur-lex.europa.eu CELEX 32021R1057. The legal bases are those of lov om en aktiv beskæftigelsesindsats,
lovbekendtgørelse nr. 280 af 1. marts 2024 (lovguiden.dk; elov.dk § 57, chapters 12 and 20), read 6 December 2026.
"""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobbro.audit.models import ChangeLog
from jobbro.cases import actions, funders
from jobbro.cases.models import (
    DEFAULT_LEGAL_BASIS,
    LegalBasis,
    ParticipantForm,
    Placement,
    PlacementKind,
    default_legal_basis,
)
from jobbro.conftest import REFERRED_ON

pytestmark = pytest.mark.django_db

D = datetime.date
START = {"sex": "female", "education_level": "isced_3_4", "status_at_entry": "long_term_unemployed"}
END = {"status_at_exit": "employed", "qualification_gained": True}


def born(enrolment, birth_date):
    enrolment.citizen.birth_date = birth_date
    enrolment.citizen.save(update_fields=["birth_date"])


def end(enrolment, user, on=None, **participant):
    return actions.end_enrolment(
        acting_user=user,
        enrolment=enrolment,
        ended_on=on or REFERRED_ON + datetime.timedelta(days=60),
        status="ordinary_job",
        participant=participant or None,
    )


# --- The age group: computed from the birth date at the start form date ---------------------------------------------


def reference_age(birth, on):
    """Whole years by counting birthdays: one born on 29 February has a birthday on 1 March in other years."""
    age = 0
    while True:
        year = birth.year + age + 1
        try:
            birthday = birth.replace(year=year)
        except ValueError:
            birthday = D(year, 3, 1)
        if birthday > on:
            return age
        age += 1


@given(
    birth=st.dates(min_value=D(1940, 1, 1), max_value=D(2015, 12, 31)),
    days_later=st.integers(min_value=0, max_value=80 * 366),
)
@example(birth=D(2007, 3, 3), days_later=(D(2025, 3, 3) - D(2007, 3, 3)).days)  # the 18th birthday
@example(birth=D(2007, 3, 4), days_later=(D(2025, 3, 3) - D(2007, 3, 4)).days)  # the day before it
@example(birth=D(1995, 3, 3), days_later=(D(2025, 3, 3) - D(1995, 3, 3)).days)  # the 30th birthday
@example(birth=D(1970, 3, 3), days_later=(D(2025, 3, 3) - D(1970, 3, 3)).days)  # the 55th birthday
@example(birth=D(1970, 3, 4), days_later=(D(2025, 3, 3) - D(1970, 3, 4)).days)  # still 54
@example(birth=D(2004, 2, 29), days_later=(D(2022, 2, 28) - D(2004, 2, 29)).days)  # not 18 on 28 February
@example(birth=D(2004, 2, 29), days_later=(D(2022, 3, 1) - D(2004, 2, 29)).days)  # 18 on 1 March
def test_the_age_group_follows_the_birthdays_at_each_boundary(birth, days_later):
    on = birth + datetime.timedelta(days=days_later)
    age = reference_age(birth, on)
    expected = "under 18" if age < 18 else "18-29" if age < 30 else "30-54" if age < 55 else "55+"
    assert funders.age_on(birth, on) == age
    assert funders.age_group(birth, on) == expected


def test_no_age_group_without_a_start_form_date_or_birth_date():
    assert funders.age_group(None, D(2025, 1, 1)) == ""
    assert funders.age_group(D(1990, 1, 1), None) == ""


# --- Recording the answers -------------------------------------------------------------------------------------------


def test_the_answers_are_recorded_and_each_change_is_logged_with_before_and_after(refer, caseworker):
    enrolment = refer()
    actions.record_participant_form(acting_user=caseworker, enrolment=enrolment, **START)
    form = ParticipantForm.objects.get(enrolment=enrolment)
    assert (form.sex, form.education_level, form.status_at_entry) == ("female", "isced_3_4", "long_term_unemployed")
    actions.record_participant_form(acting_user=caseworker, enrolment=enrolment, education_level="isced_5_8")
    rows = ChangeLog.objects.filter(action="record_participant_form", object_id=str(enrolment.pk)).order_by("id")
    assert [row.changes for row in rows] == [
        {
            "sex": ["", "female"],
            "education_level": ["", "isced_3_4"],
            "status_at_entry": ["", "long_term_unemployed"],
        },
        {"education_level": ["isced_3_4", "isced_5_8"]},
    ]
    # The same answers again change nothing and log nothing.
    actions.record_participant_form(acting_user=caseworker, enrolment=enrolment, education_level="isced_5_8")
    assert rows.count() == 2


def test_start_answers_need_a_start_form_and_end_answers_an_end_form(refer, caseworker):
    waiting = refer(started_on=None)
    with pytest.raises(ValidationError) as caught:
        actions.record_participant_form(acting_user=caseworker, enrolment=waiting, sex="male")
    assert list(caught.value.message_dict) == ["sex"]
    started = refer()
    with pytest.raises(ValidationError) as caught:
        actions.record_participant_form(acting_user=caseworker, enrolment=started, status_at_exit="employed")
    assert list(caught.value.message_dict) == ["status_at_exit"]
    assert not ParticipantForm.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [("sex", "m"), ("education_level", "isced_9"), ("status_at_entry", "retired"), ("status_at_exit", "rich")],
)
def test_an_answer_outside_the_list_is_refused_naming_its_field(refer, caseworker, field, value):
    enrolment = refer()
    end(enrolment, caseworker)
    with pytest.raises(ValidationError) as caught:
        actions.record_participant_form(acting_user=caseworker, enrolment=enrolment, **{field: value})
    assert list(caught.value.message_dict) == [field]
    assert not ParticipantForm.objects.exists()


def test_staff_outside_the_case_or_without_case_work_cannot_record(refer, charlie, manager, evaluator):
    enrolment = refer()
    for user in (charlie, manager, evaluator):
        with pytest.raises(PermissionDenied):
            actions.record_participant_form(acting_user=user, enrolment=enrolment, sex="male")
    assert not ParticipantForm.objects.exists()


def test_the_start_form_and_the_end_form_carry_their_answers(refer, caseworker):
    enrolment = refer(started_on=None)
    actions.fill_start_form(acting_user=caseworker, enrolment=enrolment, on=REFERRED_ON, participant=START)
    end(enrolment, caseworker, **END)
    form = ParticipantForm.objects.get(enrolment=enrolment)
    assert (form.status_at_entry, form.status_at_exit, form.qualification_gained) == (
        "long_term_unemployed",
        "employed",
        True,
    )
    actions_logged = set(ChangeLog.objects.filter(object_id=str(enrolment.pk)).values_list("action", flat=True))
    assert {"fill_start_form", "end_enrolment", "record_participant_form"} <= actions_logged


def test_the_referral_page_takes_the_start_answers_with_the_start_form(client, caseworker, site):
    from jobbro.cases.tests.test_referral_views import full_form, post_as

    response = post_as(client, caseworker, full_form(site, sex="not_stated", status_at_entry="inactive"))
    assert response.status_code == 302
    form = ParticipantForm.objects.get()
    assert (form.sex, form.status_at_entry, form.education_level) == ("not_stated", "inactive", "")


def test_the_referral_without_a_start_form_records_no_answers(client, caseworker, site):
    from jobbro.cases.tests.test_referral_views import full_form, post_as

    response = post_as(client, caseworker, full_form(site, started_on="", sex="male"))
    assert response.status_code == 302
    assert not ParticipantForm.objects.exists()


def test_the_sex_is_asked_never_taken_from_the_cpr_number(refer, caseworker):
    enrolment = refer()
    assert enrolment.citizen.sex  # the CPR number's digit is known ...
    assert not ParticipantForm.objects.exists()  # ... but is not the answer
    assert funders.missing_answers(enrolment, None)[0] == str(ParticipantForm._meta.get_field("sex").verbose_name)


# --- The pages on the case ---------------------------------------------------------------------------------------------


def participant_url(enrolment):
    return reverse(
        "enrolment_participant_form", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk}
    )


def test_the_case_shows_the_answers_and_the_computed_age_group(client, refer, alice):
    enrolment = refer(job_broker=alice)
    born(enrolment, D(1970, 3, 4))  # 54 on the start form date, 3 March 2025
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})).content.decode()
    assert f'data-participant-form="{enrolment.pk}" data-missing="3"' in page
    assert "30-54" in page
    response = client.post(participant_url(enrolment), START)
    assert response.status_code == 302
    page = client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})).content.decode()
    assert f'data-participant-form="{enrolment.pk}" data-missing="0"' in page
    assert "Long-term unemployed" in page


def test_the_participant_form_page_asks_the_end_answers_only_after_the_end_form(client, refer, alice, caseworker):
    enrolment = refer(job_broker=alice)
    client.force_login(alice)
    page = client.get(participant_url(enrolment)).content.decode()
    assert 'name="status_at_exit"' not in page and 'name="sex"' in page
    end(enrolment, caseworker)
    page = client.get(participant_url(enrolment)).content.decode()
    assert 'name="status_at_exit"' in page
    client.post(participant_url(enrolment), {**START, "status_at_exit": "education", "qualification_gained": "no"})
    form = ParticipantForm.objects.get(enrolment=enrolment)
    assert (form.status_at_exit, form.qualification_gained) == ("education", False)


def test_the_participant_form_page_is_not_found_for_others(client, refer, charlie, evaluator, manager):
    enrolment = refer()
    for user in (charlie, evaluator, manager):
        client.force_login(user)
        assert client.get(participant_url(enrolment)).status_code == 404
        assert client.post(participant_url(enrolment), START).status_code == 404
    assert not ParticipantForm.objects.exists()


def test_the_start_form_page_and_the_end_form_page_take_the_answers(client, refer, alice):
    enrolment = refer(job_broker=alice, started_on=None)
    client.force_login(alice)
    url = reverse("enrolment_start_form", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    assert client.post(url, {"started_on": REFERRED_ON.isoformat(), **START}).status_code == 302
    url = reverse("enrolment_end", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})
    data = {"ended_on": (REFERRED_ON + datetime.timedelta(days=30)).isoformat(), "status": "education"}
    assert client.post(url, {**data, "status_at_exit": "education", "qualification_gained": "yes"}).status_code == 302
    form = ParticipantForm.objects.get(enrolment=enrolment)
    assert (form.sex, form.status_at_exit, form.qualification_gained) == ("female", "education", True)


# --- The legal basis of each placement ------------------------------------------------------------------------------


def test_every_kind_has_a_usual_legal_basis_with_a_law_reference():
    assert set(DEFAULT_LEGAL_BASIS) == set(PlacementKind.values)
    assert default_legal_basis(PlacementKind.INTERNSHIP) == LegalBasis.INTERNSHIP
    assert default_legal_basis(PlacementKind.WAGE_SUBSIDY) == LegalBasis.WAGE_SUBSIDY
    assert default_legal_basis(PlacementKind.FLEX_JOB) == LegalBasis.FLEX_JOB
    assert "§ 57" in str(LegalBasis.INTERNSHIP.label) and "§ 66" in str(LegalBasis.WAGE_SUBSIDY.label)
    assert "§ 116" in str(LegalBasis.FLEX_JOB.label)


@pytest.mark.parametrize("kind", PlacementKind.values)
def test_a_placement_gets_its_kinds_usual_legal_basis_unless_another_is_chosen(refer, start, kind):
    placement = start(refer(), kind=kind)
    assert placement.legal_basis == DEFAULT_LEGAL_BASIS[kind]
    chosen = start(refer(), kind=kind, legal_basis=LegalBasis.OTHER)
    assert chosen.legal_basis == LegalBasis.OTHER
    log = ChangeLog.objects.get(action="start_placement", object_id=str(placement.pk))
    assert log.changes["legal_basis"] == DEFAULT_LEGAL_BASIS[kind]


def test_the_legal_basis_is_changed_on_the_placement_page_and_logged(client, refer, start, alice):
    placement = start(refer(job_broker=alice), kind=PlacementKind.INTERNSHIP)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = reverse("placement_detail", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})
    assert "LAB § 57" in client.get(detail).content.decode()
    url = reverse("placement_legal_basis", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})
    assert client.post(url, {"legal_basis": "lab_wage_subsidy"}).status_code == 302
    placement.refresh_from_db()
    assert placement.legal_basis == "lab_wage_subsidy"
    log = ChangeLog.objects.get(action="set_legal_basis")
    assert log.changes == {"legal_basis": ["lab_internship", "lab_wage_subsidy"]}
    response = client.post(url, {"legal_basis": "§ 999"})
    assert response.status_code == 200 and "legal_basis" in response.context["form"].errors


def test_the_legal_basis_cannot_be_changed_by_others(client, refer, start, charlie, manager):
    placement = start(refer(), kind=PlacementKind.INTERNSHIP)
    url = reverse("placement_legal_basis", kwargs={"citizen_pk": placement.enrolment.citizen_id, "pk": placement.pk})
    for user in (charlie, manager):
        client.force_login(user)
        assert client.post(url, {"legal_basis": "other"}).status_code == 404
        with pytest.raises(PermissionDenied):
            actions.set_legal_basis(acting_user=user, placement=placement, legal_basis="other")
    assert Placement.objects.get().legal_basis == "lab_internship"


def test_the_action_refuses_a_legal_basis_outside_the_list(refer, start, caseworker):
    placement = start(refer())
    with pytest.raises(ValidationError) as caught:
        actions.set_legal_basis(acting_user=caseworker, placement=placement, legal_basis="lab_something")
    assert list(caught.value.message_dict) == ["legal_basis"]


# --- The export ---------------------------------------------------------------------------------------------------


PERIOD = {"first": "2025-01-01", "last": "2025-12-31"}


def export(client, user, programme, kind="xlsx", **params):
    client.force_login(user)
    return client.get(reverse(f"funder_forms_{kind}"), {"programme": programme.pk, **PERIOD, **params})


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[1], rows[2:]  # the title, then the header


def csv_rows(response):
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return rows[0], rows[1:]


@pytest.fixture
def participants(refer, start, caseworker, alice):
    """Three participants: one complete who left employed, one started without answers, one not yet started."""
    complete = refer(
        first_name="Karen", last_name="Kvist", job_broker=alice, referral_text="Vil gerne arbejde i et køkken"
    )
    born(complete, D(2000, 3, 4))  # 24 at the start form
    actions.record_participant_form(acting_user=caseworker, enrolment=complete, **START)
    start(complete, kind=PlacementKind.WAGE_SUBSIDY)
    complete.placements.update(ended_on=REFERRED_ON + datetime.timedelta(days=30), end_reason="completed")
    end(complete, caseworker, **END)
    bare = refer(first_name="Bent", last_name="Bar")
    born(bare, D(1960, 1, 1))
    waiting = refer(started_on=None)
    return complete, bare, waiting


def test_the_export_has_the_documented_columns_and_one_row_per_participant(
    client, coordinator, programme, participants
):
    complete, bare, _waiting = participants
    header, rows = xlsx_rows(export(client, coordinator, programme))
    assert header == [str(column.title) for column in funders.COLUMNS]
    by_number = {row[0]: dict(zip([c.key for c in funders.COLUMNS], row, strict=True)) for row in rows}
    assert set(by_number) == {f"JB-{complete.pk}", f"JB-{bare.pk}"}
    first = by_number[f"JB-{complete.pk}"]
    assert first["sex"] == "Kvinde"
    assert first["age_group"] == "18-29"
    assert first["education_level"] == "ISCED 3-4"
    assert (first["unemployed"], first["long_term_unemployed"], first["inactive"], first["employed"]) == (
        "Ja",
        "Ja",
        "Nej",
        "Nej",
    )
    assert first["status_at_exit"] == "I beskæftigelse, inkl. selvstændig virksomhed"
    assert first["qualification_gained"] == "Ja"
    assert first["legal_bases"] == "Ansættelse med løntilskud – LAB § 66 ff. (kapitel 12)"
    assert first["started_on"].date() == REFERRED_ON
    assert first["missing"] is None
    second = by_number[f"JB-{bare.pk}"]
    assert second["age_group"] == "55+"
    assert second["unemployed"] is None and second["sex"] is None
    assert "køn" in second["missing"]


def test_the_csv_says_the_same_with_danish_dates(client, coordinator, programme, participants):
    complete, _bare, _waiting = participants
    header, rows = csv_rows(export(client, coordinator, programme, "csv"))
    assert header == [str(column.title) for column in funders.COLUMNS]
    row = next(r for r in rows if r[0] == f"JB-{complete.pk}")
    assert row[3] == REFERRED_ON.strftime("%d.%m.%Y")
    assert row[5] == "18-29"


def test_no_name_cpr_number_or_typed_text_is_in_the_files(client, coordinator, programme, participants):
    from jobbro.people import cpr

    complete, _bare, _waiting = participants
    digits = cpr.decrypt(complete.citizen.cpr_encrypted)
    for kind in ("xlsx", "csv"):
        response = export(client, coordinator, programme, kind)
        if kind == "xlsx":
            header, rows = xlsx_rows(response)
            text = " ".join(str(v) for row in rows for v in row if v is not None)
        else:
            text = response.content.decode("utf-8-sig")
        for forbidden in (
            "Karen",
            "Kvist",
            "Bent",
            digits[:6],
            "køkken",
            complete.citizen.birth_date.strftime("%d.%m"),
        ):
            assert forbidden not in text, (kind, forbidden)


def test_the_file_is_named_in_danish_after_the_programme_and_the_period(client, coordinator, programme, participants):
    response = export(client, coordinator, programme)
    assert response["Content-Disposition"] == 'attachment; filename="deltagerskemaer-job-i-nordvest-31.12.2025.xlsx"'


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "evaluator", "charlie"])
def test_roles_without_the_capability_get_no_file_and_no_page(client, programme, participants, who, request):
    user = request.getfixturevalue(who)
    for kind in ("xlsx", "csv"):
        assert export(client, user, programme, kind).status_code == 404
    assert client.get(reverse("funder_forms")).status_code == 404


def test_a_programme_outside_ones_memberships_gives_no_file(client, coordinator, other_programme, participants):
    response = export(client, coordinator, other_programme)
    assert response.status_code == 302 and response["Location"].startswith(reverse("funder_forms"))


def test_without_a_choice_the_file_is_the_pages_first_programme_and_last_half_year(client, coordinator, site):
    client.force_login(coordinator)
    response = client.get(reverse("funder_forms_csv"))
    last = funders.default_period(timezone.localdate())[1]
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-{last:%d.%m.%Y}.csv"')


@pytest.mark.parametrize("who", ["coordinator", "manager", "administrator"])
def test_the_page_names_whose_answers_are_missing_to_those_who_may_export(
    client, programme, participants, who, request
):
    complete, bare, _waiting = participants
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("funder_forms"), {"programme": programme.pk, **PERIOD})
    page = response.content.decode()
    assert 'id="missing-answers" data-count="1"' in page
    assert f'data-enrolment="{bare.pk}"' in page and f'data-enrolment="{complete.pk}"' not in page
    assert 'data-count="2"' in page  # two participants


def test_a_period_ending_before_the_end_form_reports_the_start_only(client, coordinator, programme, participants):
    complete, _bare, _waiting = participants
    header, rows = xlsx_rows(export(client, coordinator, programme, first="2025-03-01", last="2025-03-31"))
    row = dict(zip([c.key for c in funders.COLUMNS], next(r for r in rows if r[0] == f"JB-{complete.pk}"), strict=True))
    assert row["ended_on"] is None and row["status_at_exit"] is None and row["missing"] is None


def test_a_period_ending_before_its_start_is_refused_naming_the_field(client, coordinator, programme, participants):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("funder_forms"), {"programme": programme.pk, "first": "2025-06-01", "last": "2025-01-01"}
    )
    assert response.context["form"].errors == {"last": ["The end of the period cannot be before its start."]}
    assert export(client, coordinator, programme, first="2025-06-01", last="2025-01-01").status_code == 302


def test_the_default_period_is_the_last_half_year_the_funder_reports():
    assert funders.default_period(D(2026, 12, 6)) == (D(2026, 3, 1), D(2026, 8, 31))
    assert funders.default_period(D(2026, 3, 1)) == (D(2025, 9, 1), D(2026, 2, 28))
    assert funders.default_period(D(2024, 4, 1)) == (D(2023, 9, 1), D(2024, 2, 29))
    assert funders.default_period(D(2026, 1, 15)) == (D(2025, 3, 1), D(2025, 8, 31))


def test_the_reports_page_links_the_export_only_for_those_who_may(client, coordinator, evaluator):
    for user, shown in ((coordinator, True), (evaluator, False)):
        client.force_login(user)
        page = client.get(reverse("reports")).content.decode()
        assert (reverse("funder_forms") in page) is shown
