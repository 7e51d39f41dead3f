"""The import engine: round trips, rejected rows, all or nothing, idempotency, history."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import translation

from jobbro.accounts.models import Membership, Programme, ResultGoal, Site
from jobbro.cases.models import (
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    JobPlan,
    Milestone,
    Outcome,
    Placement,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
)
from jobbro.companies.models import Company, NetworkAgreement, Opening
from jobbro.conftest import ALICES_CPR, make_cpr, make_cvr
from jobbro.imports import runner, schemas
from jobbro.imports.tests.helpers import csv_bytes, example_sheets, workbook
from jobbro.people import cpr
from jobbro.people.models import Citizen, CVEntry, JobGoal, TrafficLightChange
from jobbro.reporting import result_goals

NEEDS = {
    "programmes": [],
    "sites": ["programmes"],
    "memberships": ["programmes", "sites"],
    "result_goals": ["programmes"],
    "companies": [],
    "openings": ["companies"],
    "citizens": [],
    "enrolments": ["citizens"],
    "step_changes": ["citizens", "enrolments"],
    "cv": ["citizens"],
    "job_goals": ["citizens"],
    "job_plans": ["citizens", "enrolments"],
    "milestones": ["citizens", "enrolments", "job_plans"],
    "placements": ["companies", "openings", "citizens", "enrolments"],
    "timesheets": ["companies", "openings", "citizens", "enrolments", "placements"],
    "contacts": ["citizens", "enrolments"],
    "outcomes": ["citizens", "enrolments"],
    "progression": ["citizens", "enrolments"],
}
MODEL = {
    "programmes": Programme,
    "sites": Site,
    "memberships": Membership,
    "result_goals": ResultGoal,
    "companies": Company,
    "openings": Opening,
    "citizens": Citizen,
    "enrolments": Enrolment,
    "step_changes": StepChange,
    "cv": CVEntry,
    "job_goals": JobGoal,
    "job_plans": JobPlan,
    "milestones": Milestone,
    "placements": Placement,
    "timesheets": Timesheet,
    "contacts": Contact,
    "outcomes": Outcome,
    "progression": ProgressionAssessment,
}
# Tables that record the import itself; every other table must be untouched by a rejected or repeated import.
RECORDING = {"imports_importrun", "audit_changelog", "audit_accesslog"}


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    """The programme, site and staff the template examples name."""
    return coordinator


def table_counts():
    return {m._meta.db_table: m.objects.count() for m in apps.get_models() if m._meta.db_table not in RECORDING}


def table_dump():
    return {
        m._meta.db_table: sorted(map(repr, m.objects.values_list()))
        for m in apps.get_models()
        if m._meta.db_table not in RECORDING
    }


def import_book(sheets, **options):
    return runner.run([("import.xlsx", workbook(sheets))], **options)


def test_every_sheet_has_needs_and_a_model():
    assert set(NEEDS) == set(MODEL) == set(schemas.ORDER)


@pytest.mark.parametrize("kind", schemas.ORDER)
def test_the_templates_example_rows_import(kind, cast, administrator):
    """Each template, downloaded as it is (with its explanation sheet), imports with the templates it depends on
    (the set-up sheets by an administrator, the others by a coordinator)."""
    files = [(f"{k}.xlsx", schemas.template_workbook(k)) for k in [*NEEDS[kind], kind]]
    result = runner.run(files, user=administrator if kind in schemas.SETUP_KINDS else cast)
    assert result.rejected == []
    assert result.committed
    assert result.counts[kind] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    assert MODEL[kind].objects.count() >= 1


def test_the_whole_example_workbook_makes_one_consistent_case(cast, programme, alice):
    result = import_book(example_sheets(), user=cast)
    assert result.rejected == [] and result.committed
    citizen = Citizen.objects.get(cpr_hash=cpr.lookup_hash(cpr.validate(ALICES_CPR)))
    assert (citizen.first_name, citizen.last_name, citizen.birth_date, citizen.sex) == (
        "Mette",
        "Sørensen",
        datetime.date(1990, 1, 1),
        "female",
    )
    assert citizen.reveal_cpr() == "0101901234"
    enrolment = citizen.enrolments.get()
    assert (enrolment.programme, enrolment.site.name, enrolment.referred_on, enrolment.job_broker) == (
        programme,
        "Aarhus Kommune",
        datetime.date(2025, 3, 3),
        alice,
    )
    assert enrolment.estimated_weekly_hours == Decimal("10")
    # The start form's history, then the sheet's step change: the current step follows the last one.
    assert list(enrolment.step_changes.values_list("step", "changed_on")) == [
        (Step.CLARIFICATION, datetime.date(2025, 3, 3)),
        (Step.TOWARDS_JOB, datetime.date(2025, 4, 1)),
    ]
    assert enrolment.current_step == Step.TOWARDS_JOB
    assert set(AssignmentChange.objects.filter(enrolment=enrolment).values_list("role", "changed_on")) == {
        ("job_broker", datetime.date(2025, 3, 3)),
        ("caseworker", datetime.date(2025, 3, 3)),
    }
    placement = Placement.objects.get(external_id="VF-1")
    assert (placement.enrolment, placement.company.cvr, placement.opening.external_id, placement.kind) == (
        enrolment,
        "12345674",
        "SJ-101",
        "small_job",
    )
    assert list(AgreedHoursChange.objects.filter(placement=placement).values_list("from_date", "ordinary_hours")) == [
        (datetime.date(2025, 3, 17), Decimal("8.0"))
    ]
    assert Timesheet.objects.get(placement=placement).ordinary_hours == Decimal("8.0")
    opening = Opening.objects.get(external_id="SJ-101")
    assert (opening.days, opening.requirements, opening.weekly_hours) == (
        ["mon", "wed"],
        ["hygiene_certificate"],
        Decimal("8"),
    )
    assert NetworkAgreement.objects.get(company__cvr="12345674").programme == programme
    contact = Contact.objects.get(external_id="K-1")
    assert list(contact.staff.all()) == [alice]
    package = JobPlan.objects.get(external_id="JP-1")
    assert package.is_job_package and package.target_occupation_code == "9412"
    assert package.milestones.get().kind == "internship"


def test_rejected_rows_report_row_column_and_reason_and_all_of_them_are_listed(cast):
    sheets = example_sheets(["citizens"])
    header, good = sheets["Borgere"]
    bad_cpr = list(good)
    bad_cpr[0] = "311399-1234"  # no such date
    bad_light = list(good)
    bad_light[0] = make_cpr(dashed=True)
    bad_light[header.index("Trafiklys")] = "lilla"
    sheets["Borgere"] = [header, good, bad_cpr, bad_light]
    with translation.override("en"):
        result = import_book(sheets, user=cast, dry_run=True)
    assert [(p["sheet"], p["row"], p["column"]) for p in result.rejected] == [
        ("Borgere", 3, "CPR-nummer"),
        ("Borgere", 4, "Trafiklys"),
    ]
    assert "date of birth" in result.rejected[0]["reason"]
    assert "Green, Yellow, Red" in result.rejected[1]["reason"]  # the words, not the stored codes
    assert "311399" not in str(result.rejected)  # the CPR number never appears in the report
    assert result.counts["citizens"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert not result.committed
    assert Citizen.objects.count() == 0


def test_a_missing_required_column_and_a_reference_to_a_rejected_row_are_reported(cast):
    sheets = example_sheets(["citizens", "enrolments"])
    header, row = sheets["Forløb"]
    assert header[3] == "Startdato"
    sheets["Forløb"] = [header[:3] + header[4:], row[:3] + row[4:]]  # without the start date column
    result = import_book(sheets, user=cast, dry_run=True)
    # Reported once for the sheet, not once per row.
    assert result.rejected == [
        {"sheet": "Forløb", "row": 1, "column": "Startdato", "reason": result.rejected[0]["reason"]}
    ]
    assert result.counts["enrolments"]["rejected"] == 1
    sheets = example_sheets(["citizens", "enrolments"])
    sheets["Borgere"][1][0] = "123"
    result = import_book(sheets, user=cast, dry_run=True)
    assert [(p["sheet"], p["row"], p["column"]) for p in result.rejected] == [
        ("Borgere", 2, "CPR-nummer"),
        ("Forløb", 2, "CPR-nummer"),
    ]


def test_a_bad_row_in_the_middle_leaves_the_database_untouched(cast, refer):
    refer()  # something already there
    before = table_dump()
    sheets = example_sheets()
    header, good = sheets["Borgere"]
    rows = [header]
    for n in range(6):
        row = list(good)
        row[0] = make_cpr(dashed=True) if n else good[0]
        rows.append(row)
    rows[4][header.index("E-mail")] = "not an e-mail"
    sheets["Borgere"] = rows
    result = import_book(sheets, user=cast)
    assert [(p["row"], p["column"]) for p in result.rejected] == [(5, "E-mail")]
    assert not result.committed
    assert table_dump() == before


def test_a_bad_row_in_the_last_sheet_undoes_every_sheet_before_it(cast):
    before = table_counts()
    sheets = example_sheets()
    sheets["Progression"][1][3] = 11  # a score above 10
    result = import_book(sheets, user=cast)
    assert [(p["sheet"], p["column"]) for p in result.rejected] == [("Progression", "Arbejdsevne")]
    assert result.counts["citizens"]["created"] == 1  # it got that far ...
    assert table_counts() == before  # ... and took it all back


def test_importing_the_same_file_twice_changes_nothing_the_second_time(cast, administrator):
    data = workbook(example_sheets(schemas.ORDER))  # every sheet, the set-up sheets too: an administrator's import
    first = runner.run([("a.xlsx", data)], user=administrator)
    assert first.committed
    after_first = table_dump()
    second = runner.run([("a.xlsx", data)], user=administrator)
    assert second.committed
    assert table_dump() == after_first
    for kind in schemas.ORDER:
        assert second.counts[kind] == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}, kind
    assert not any(second.counts["_history"].values())


def test_a_changed_cell_updates_that_record_only(cast):
    import_book(example_sheets(), user=cast)
    sheets = example_sheets()
    header, row = sheets["Borgere"]
    row[header.index("Telefon")] = "99887766"
    result = import_book(sheets, user=cast)
    assert result.counts["citizens"] == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    assert result.counts["placements"]["unchanged"] == 1
    assert Citizen.objects.get().phone == "99887766"


def test_a_placement_agreement_cannot_be_rewritten_by_a_later_import(cast):
    import_book(example_sheets(), user=cast)
    sheets = example_sheets()
    header, row = sheets["Virksomhedsforløb"]
    row[header.index("Aftalte ordinære timer")] = "12"
    result = import_book(sheets, user=cast)
    assert [p["column"] for p in result.rejected] == ["Aftalte ordinære timer"]
    assert Placement.objects.get().agreed_ordinary_hours == Decimal("8.0")


def test_history_gives_the_result_goals_as_of_past_dates(cast, programme):
    """Three citizens referred over the spring, two placed, one with ordinary hours: the figures as of each date."""
    cprs = [make_cpr(dashed=True) for _n in range(3)]
    cvr = make_cvr()
    sheets = {
        "Virksomheder": [
            ["CVR-nummer", "Navn", "Branchekode", "Type"],
            [cvr, "Vaskeriet", "960100", "socialøkonomisk"],
        ],
        "Borgere": [["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys"]]
        + [[c, f"B{i}", "Borger", "gul"] for i, c in enumerate(cprs)],
        "Forløb": [
            ["CPR-nummer", "Site", "Startdato", "Trafiklys ved start", "Forventede timer"],
            [cprs[0], "Aarhus Kommune", "03.02.2025", "gul", "10"],
            [cprs[1], "Aarhus Kommune", "2025-03-03", "grøn", "15,5"],
            [cprs[2], "Aarhus Kommune", "05.05.2025", "rød", "5"],
        ],
        "Virksomhedsforløb": [
            [
                "Ekstern id",
                "CPR-nummer",
                "CVR-nummer",
                "Type",
                "Startdato",
                "Aftalte ordinære timer",
                "Betingelse for ordinære timer",
            ],
            ["P1", cprs[0], cvr, "praktik", "03.03.2025", "", "Når hygiejnebeviset er taget"],
            ["P2", cprs[1], cvr, "småjob", "07.04.2025", "8", ""],
        ],
        "Timer": [
            ["Virksomhedsforløb", "Uge", "Ordinære timer", "Praktiktimer"],
            ["P1", "03.03.2025", "0", "12"],
            ["P1", "2025-W11", "0", "12"],
            ["P2", "07.04.2025", "0", "0"],
            ["P2", "16.04.2025", "7,5", "0"],
        ],  # a Wednesday: its week's Monday is 14.04
    }
    result = import_book(sheets, user=cast, programme=programme)
    assert result.rejected == [] and result.committed
    assert Timesheet.objects.filter(week_start=datetime.date(2025, 4, 14), ordinary_hours=Decimal("7.5")).exists()
    figures = {
        on: (
            result_goals.referred(programme, on),
            result_goals.matched_and_started(programme, on),
            result_goals.employed(programme, on),
            result_goals.employed(programme, on, social_economic_only=True),
        )
        for on in (
            datetime.date(2025, 2, 28),
            datetime.date(2025, 3, 31),
            datetime.date(2025, 4, 10),
            datetime.date(2025, 4, 30),
            datetime.date(2025, 6, 1),
        )
    }
    assert figures == {
        datetime.date(2025, 2, 28): (1, 0, 0, 0),
        datetime.date(2025, 3, 31): (2, 1, 0, 0),
        datetime.date(2025, 4, 10): (2, 2, 0, 0),
        datetime.date(2025, 4, 30): (2, 2, 1, 1),
        datetime.date(2025, 6, 1): (3, 2, 1, 1),
    }


def test_the_current_step_and_traffic_light_follow_the_imported_history(cast, programme):
    number = make_cpr(dashed=True)
    sheets = {
        "Borgere": [
            ["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys", "Trafiklys dato"],
            [number, "A", "B", "grøn", "01.06.2025"],
        ],
        "Forløb": [
            ["CPR-nummer", "Site", "Startdato", "Slutdato", "Trafiklys ved start", "Forventede timer"],
            [number, "Aarhus Kommune", "03.02.2025", "", "rød", "10"],
        ],
        # Out of order in the sheet: the latest by date wins.
        "Trinskift": [
            ["CPR-nummer", "Trin", "Dato"],
            [number, "i virksomhed", "01.04.2025"],
            [number, "2", "01.03.2025"],
        ],
    }
    result = import_book(sheets, user=cast, programme=programme)
    assert result.rejected == []
    citizen = Citizen.objects.get()
    assert list(citizen.traffic_light_changes.values_list("light", "changed_on")) == [
        ("red", datetime.date(2025, 2, 3)),
        ("green", datetime.date(2025, 6, 1)),
    ]
    assert citizen.traffic_light == "green"
    assert Enrolment.objects.get().current_step == Step.IN_COMPANY


def test_an_ended_enrolment_gets_step_4_and_refuses_later_steps_and_open_placements(cast, programme):
    number = make_cpr(dashed=True)
    cvr = make_cvr()
    sheets = {
        "Virksomheder": [["CVR-nummer", "Navn", "Branchekode", "Type"], [cvr, "Firma", "561010", "privat"]],
        "Borgere": [["CPR-nummer", "Fornavn", "Efternavn", "Trafiklys"], [number, "A", "B", "gul"]],
        "Forløb": [
            ["CPR-nummer", "Site", "Startdato", "Slutdato", "Trafiklys ved start", "Forventede timer"],
            [number, "Aarhus Kommune", "03.02.2025", "30.06.2025", "gul", "10"],
        ],
        "Trinskift": [["CPR-nummer", "Trin", "Dato"], [number, "2", "01.07.2025"]],
        "Virksomhedsforløb": [
            ["Ekstern id", "CPR-nummer", "CVR-nummer", "Type", "Startdato", "Aftalte ordinære timer"],
            ["P1", number, cvr, "praktik", "03.03.2025", "0"],
        ],
        "Resultater": [
            ["CPR-nummer", "Type", "Dato", "Status"],
            [number, "udskrivning", "30.06.2025", "stadig i programmet"],
        ],
    }
    result = import_book(sheets, user=cast, programme=programme, dry_run=True)
    assert sorted((p["sheet"], p["column"]) for p in result.rejected) == [
        ("Resultater", "Status"),
        ("Trinskift", "Dato"),
        ("Virksomhedsforløb", "Slutdato"),
    ]
    del sheets["Trinskift"], sheets["Virksomhedsforløb"]
    sheets["Resultater"][1][3] = "ordinært job"
    result = import_book(sheets, user=cast, programme=programme)
    assert result.rejected == []
    enrolment = Enrolment.objects.get()
    assert enrolment.current_step == Step.ENDED
    assert enrolment.outcomes.get().status == "ordinary_job"


def test_overlapping_enrolments_are_refused_and_a_later_one_is_a_new_enrolment(cast, programme, refer):
    number = make_cpr(dashed=True)
    refer(cpr_number=number)  # running since REFERRED_ON, 3 March 2025
    header = ["CPR-nummer", "Site", "Startdato", "Slutdato", "Trafiklys ved start", "Forventede timer"]
    result = import_book(
        {"Forløb": [header, [number, "Aarhus Kommune", "01.04.2025", "", "gul", "10"]]}, user=cast, programme=programme
    )
    assert [(p["row"], p["column"]) for p in result.rejected] == [(2, "Startdato")]
    # The existing enrolment itself (same start date) is found and compared, not duplicated.
    result = import_book(
        {"Forløb": [header, [number, "Aarhus Kommune", "03.03.2025", "", "gul", "10"]]}, user=cast, programme=programme
    )
    assert result.counts["enrolments"] == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}


def test_a_coordinator_imports_only_into_their_own_programmes(cast, other_programme, other_programme_site):
    sheets = example_sheets(["citizens", "enrolments"])
    header, row = sheets["Forløb"]
    row[header.index("Program")] = "Job i Syd"
    row[header.index("Site")] = "Odense Kommune"
    result = import_book(sheets, user=cast)
    assert [p["column"] for p in result.rejected] == ["Program"]
    assert Enrolment.objects.count() == 0


def test_a_csv_file_with_danish_headers_semicolons_and_decimal_commas(cast, programme):
    number = make_cpr()
    data = csv_bytes([["cpr nummer", "FORNAVN", "Efternavn", "trafiklys"], [number, "Åse", "Ørum", "Grøn"]])
    result = runner.run([("borgere.csv", data)], user=cast)
    assert result.rejected == [] and Citizen.objects.get().traffic_light == "green"
    # A csv file named anything is told by its header row; Windows-1252 is read too.
    data = (
        csv_bytes(
            [
                ["CPR-nummer", "Site", "Startdato", "Trafiklys ved start", "Forventede timer"],
                [number, "aarhus kommune", "03.03.2025", "gul", "7,5"],
            ]
        )
        .decode()
        .encode("cp1252")
    )
    result = runner.run([("eksport 2025.csv", data)], user=cast, programme=programme)
    assert result.rejected == []
    assert Enrolment.objects.get().estimated_weekly_hours == Decimal("7.5")


def test_dry_run_counts_without_writing(cast):
    before = table_counts()
    result = import_book(example_sheets(), user=cast, dry_run=True)
    assert result.rejected == [] and not result.committed
    assert result.counts["timesheets"]["created"] == 1
    assert table_counts() == before


def test_cells_in_many_spellings():
    from jobbro.imports import reader

    column = schemas.BY_KIND["timesheets"].column("ordinary_hours")
    assert reader.convert(column, "7,5") == Decimal("7.5") == reader.convert(column, 7.5)
    with pytest.raises(reader.CellError):
        reader.convert(column, "61")
    with pytest.raises(reader.CellError):
        reader.convert(column, "7,25")
    date = schemas.BY_KIND["enrolments"].column("referred_on")
    assert {
        reader.convert(date, v)
        for v in ("22.11.2026", "2026-11-22", "22/11/2026", datetime.datetime(2026, 11, 22, 0, 0))
    } == {datetime.date(2026, 11, 22)}
    week = schemas.BY_KIND["timesheets"].column("week_start")
    assert reader.convert(week, "2025-W10") == reader.convert(week, "06.03.2025") == datetime.date(2025, 3, 3)
    kind = schemas.BY_KIND["placements"].column("kind")
    assert [
        reader.convert(kind, v) for v in ("Småjob", "smaajob", "small_job", "Virksomhedspraktik", "LØNTILSKUD")
    ] == ["small_job", "small_job", "small_job", "internship", "wage_subsidy"]
    assert (
        reader.convert(schemas.BY_KIND["citizens"].column("cpr"), 101901234) == "0101901234"
    )  # the leading zero a sheet drops
    assert schemas.sheet_for_name("FORLØB") is schemas.sheet_for_name("forloeb") is schemas.BY_KIND["enrolments"]


def test_sites_are_matched_by_name_within_the_programme(cast, programme, other_site):
    assert Site.objects.filter(programme=programme).count() == 2
    sheets = example_sheets(["citizens", "enrolments"])
    sheets["Forløb"][1][sheets["Forløb"][0].index("Site")] = "RANDERS KOMMUNE"
    assert import_book(sheets, user=cast).rejected == []
    assert Enrolment.objects.get().site == other_site
    # The citizens sheet's dated light and the referral's light are the same light on the same day: one history row.
    assert list(TrafficLightChange.objects.values_list("light", "changed_on")) == [
        ("yellow", datetime.date(2025, 3, 3))
    ]


def test_an_import_fills_the_companies_track_records(cast, programme):
    """The rows go in in bulk, past the receivers: the runner refreshes the track records of the companies its
    cases were placed at, so the companies list reads figures that agree with the records."""
    from jobbro.reporting import company_facts
    from jobbro.reporting.models import CompanyTrackRecord

    result = import_book(example_sheets(), user=cast)
    assert result.committed
    assert CompanyTrackRecord.objects.filter(programme=programme).exists()
    assert company_facts.stale() == []


def test_a_new_job_broker_in_a_later_import_is_assigned_from_today_once(cast, alice, coordinator):
    sheets = example_sheets(["citizens", "enrolments"])
    assert import_book(sheets, user=cast).committed
    header, row = sheets["Forløb"]
    row[header.index("Jobformidler")] = "kim"
    assert import_book(sheets, user=cast).counts["enrolments"]["updated"] == 1
    enrolment = Enrolment.objects.get()
    assert enrolment.job_broker == coordinator
    brokers = AssignmentChange.objects.filter(enrolment=enrolment, role="job_broker").order_by("changed_on")
    assert list(brokers.values_list("user__username", "changed_on")) == [
        ("alice", datetime.date(2025, 3, 3)),
        ("kim", datetime.date.today()),
    ]
    again = import_book(sheets, user=cast)
    assert again.counts["enrolments"]["unchanged"] == 1 and again.counts["_history"].get("assignment_changes") == 0
    assert brokers.count() == 2


def test_the_end_form_date_of_an_ended_enrolment_is_not_changed_by_an_import(cast):
    sheets = example_sheets(["citizens", "enrolments"])
    header, row = sheets["Forløb"]
    row[header.index("Slutdato")] = "30.06.2025"
    assert import_book(sheets, user=cast).committed
    row[header.index("Slutdato")] = "31.07.2025"
    with translation.override("da"):
        result = import_book(sheets, user=cast)
    assert [(p["column"], p["reason"]) for p in result.rejected] == [
        ("Slutdato", "Slutskemadatoen for et afsluttet forløb kan ikke ændres ved en import.")
    ]
    assert Enrolment.objects.get().ended_on == datetime.date(2025, 6, 30)
