"""The report facts after an import: the rows go in in bulk, past the receivers that mark facts stale, so the import
refreshes, in its own transaction, the facts of exactly the cases and companies it wrote (reporting/facts.py
refresh_for). Each test names a write whose facts live on a case or company the file does not name."""

import pytest
from django.utils import translation

from jobbro.cases.models import Placement
from jobbro.companies.models import Company
from jobbro.conftest import make_cvr
from jobbro.imports import runner
from jobbro.imports.tests.helpers import example_sheets, workbook
from jobbro.reporting import company_facts, facts
from jobbro.reporting.models import CompanyTrackRecord, EnrolmentFacts

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(programme, site, alice, caseworker, coordinator):
    return coordinator


def import_book(sheets, user):
    with translation.override("da"):
        return runner.run([("import.xlsx", workbook(sheets))], user=user)


def set_cell(sheets, sheet, column, value):
    header, row = sheets[sheet]
    row[header.index(column)] = value


def test_a_company_s_new_kind_reaches_the_facts_of_the_cases_placed_there(cast):
    """A company's kind decides which placements are social-economic: importing the companies sheet alone changes
    the facts of a case the file does not name."""
    assert import_book(example_sheets(), cast).committed
    facts_before = EnrolmentFacts.objects.get()
    assert facts_before.first_start_on is not None and facts_before.first_social_economic_start_on is None
    sheets = example_sheets(["companies"])
    set_cell(sheets, "Virksomheder", "Type", "socialøkonomisk")
    result = import_book(sheets, cast)
    assert result.committed and result.counts["companies"]["updated"] == 1
    assert Company.objects.get().kind == Company.Kind.SOCIAL_ECONOMIC
    assert EnrolmentFacts.objects.get().first_social_economic_start_on == facts_before.first_start_on
    assert facts.stale() == [] and company_facts.stale() == []


def test_a_placement_moved_to_another_company_leaves_no_stale_track_record_behind(cast):
    assert import_book(example_sheets(), cast).committed
    first = Company.objects.get()
    assert CompanyTrackRecord.objects.filter(company=first).exists()
    other = make_cvr()
    sheets = example_sheets(["companies", "placements"])
    set_cell(sheets, "Virksomheder", "CVR-nummer", other)
    set_cell(sheets, "Virksomhedsforløb", "CVR-nummer", other)
    set_cell(sheets, "Virksomhedsforløb", "Ledigt job", "")
    result = import_book(sheets, cast)
    assert result.rejected == [] and result.committed
    assert Placement.objects.get().company.cvr == other
    # The company the placement left has no placement or contact left: its stored figures are gone with it.
    assert not CompanyTrackRecord.objects.filter(company=first).exists()
    assert CompanyTrackRecord.objects.filter(company__cvr=other).exists()
    assert facts.stale() == [] and company_facts.stale() == []


def test_written_names_what_each_written_row_belongs_to_and_ignores_the_rest():
    """facts.Written reads facts.OWNERS, the table the save receivers read too: one list of what facts are made of."""
    from jobbro.bulk import New
    from jobbro.cases.models import Milestone, StepChange, Timesheet

    written = facts.Written()
    written.add(Placement, New({"pk": 7, "enrolment_id": 3, "company_id": 11}))
    written.add(Timesheet, New({"pk": 8, "placement_id": 7}))
    written.add(StepChange, New({"pk": 9, "enrolment_id": 4}))
    written.add(Company, New({"pk": 12}))
    written.add(Milestone, New({"pk": 10, "plan_id": 1}))  # no fact is made from milestones
    assert written.ids == {
        "enrolment": {3, 4},
        "placement": {7},
        "citizen": set(),
        "company": {12},
        "track_record": {11},
    }
    assert set(facts.SOURCES) == set(facts.OWNERS)
