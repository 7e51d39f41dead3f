"""The effect report's pages: who may open them (managers and evaluators of the programme; everyone else 404), the
form, the run's state while it waits, the report when done, and the exports of the same report."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from jobbro.accounts.models import Role
from jobbro.conftest import make_user
from jobbro.effect.models import EffectRun, TrialDesign
from jobbro.effect.tests.test_report import AS_OF, register_result
from jobbro.web.tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/reports/effect/"


@pytest.fixture
def done_run(programme, site, other_site, evaluator):
    return EffectRun.objects.create(
        programme=programme,
        as_of=AS_OF,
        state=EffectRun.State.DONE,
        design_kind=TrialDesign.Kind.REGISTER_COMPARISON,
        result=register_result(site, other_site),
        requested_by=evaluator,
    )


@pytest.fixture
def outside_evaluator(other_programme):
    return make_user("emil", Role.EVALUATOR, programme=other_programme, last_name="Andetsteds")


def query(run):
    return f"?programme={run.programme_id}&on={run.as_of.isoformat()}"


def test_the_page_is_at_reports_effect():
    assert reverse("effect_report") == PAGE


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_managers_and_evaluators_read_the_report_and_its_exports(client, staff, done_run, who):
    client.force_login(getattr(staff, who))
    page = client.get(PAGE + query(done_run))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="table-effect_estimates"' in html
    assert 'id="effect-compute"' in html
    # The week-by-week figures behind each curve are folded away under the chart's own table.
    assert 'id="details-effect_curve_self_sufficient"' in html
    assert client.get(reverse("effect_report_xlsx") + f"?run={done_run.pk}").status_code == 200
    assert client.get(reverse("effect_report_pdf") + f"?run={done_run.pk}").status_code == 200


@pytest.mark.parametrize("who", ["alice", "caseworker", "mentor", "coordinator", "administrator"])
def test_everyone_else_gets_404_on_every_effect_page(client, staff, done_run, who):
    client.force_login(getattr(staff, who))
    assert client.get(PAGE + query(done_run)).status_code == 404
    assert (
        client.post(PAGE, {"programme": done_run.programme_id, "on": "30.11.2026", "do": "compute"}).status_code == 404
    )
    for name in ("effect_report_state", "effect_report_xlsx", "effect_report_pdf"):
        assert client.get(reverse(name) + f"?run={done_run.pk}").status_code == 404, name
    assert EffectRun.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, done_run):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_evaluator_of_another_programme_sees_nothing_of_it(client, done_run, outside_evaluator):
    client.force_login(outside_evaluator)
    page = client.get(PAGE + query(done_run))
    assert page.status_code == 200  # the page of their own programme, with the foreign programme refused
    html = page.content.decode()
    assert "table-effect_estimates" not in html and "Job i Nordvest" not in html
    for name in ("effect_report_state", "effect_report_xlsx", "effect_report_pdf"):
        assert client.get(reverse(name) + f"?run={done_run.pk}").status_code == 404, name
    response = client.post(PAGE, {"programme": done_run.programme_id, "on": "30.11.2026", "do": "compute"})
    assert response.status_code == 200 and EffectRun.objects.count() == 1


def test_the_reports_index_lists_the_effect_report_only_for_managers_and_evaluators(client, staff):
    for who, listed in (("manager", True), ("evaluator", True), ("coordinator", False), ("administrator", False)):
        client.force_login(getattr(staff, who))
        html = client.get(reverse("reports")).content.decode()
        assert ('id="effect-entry"' in html) is listed, who
        assert (f'href="{PAGE}"' in html) is listed, who


def test_the_page_in_danish_shows_the_date_as_danish_and_withheld_cells_as_words(client, evaluator, done_run):
    client.force_login(evaluator)
    with translation.override("da"):
        html = client.get(PAGE + query(done_run), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert 'value="2026-11-30"' in html  # a date field, shown by the browser in the reader's format
    assert "Per 30.11.2026" in html  # the method notes
    assert "færre end 5" in html
    assert "Beregn" in html


def test_a_queued_run_is_polled_and_the_page_reloads_when_it_is_done(client, evaluator, done_run):
    done_run.state = EffectRun.State.QUEUED
    done_run.result = None
    done_run.save()
    client.force_login(evaluator)
    html = client.get(PAGE + query(done_run)).content.decode()
    assert 'id="effect-state"' in html and 'data-state="queued"' in html
    assert "table-effect_estimates" not in html
    state = client.get(reverse("effect_report_state") + f"?run={done_run.pk}")
    assert state.status_code == 200 and b'data-state="queued"' in state.content
    EffectRun.objects.filter(pk=done_run.pk).update(state=EffectRun.State.FAILED, error="Analysen kunne ikke beregnes")
    finished = client.get(reverse("effect_report_state") + f"?run={done_run.pk}")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    html = client.get(PAGE + query(done_run)).content.decode()
    assert 'id="effect-failed"' in html and "Analysen kunne ikke beregnes" in html
    # A run not done has no exports.
    assert client.get(reverse("effect_report_xlsx") + f"?run={done_run.pk}").status_code == 404


def test_compute_without_register_data_says_why_and_queues_nothing(client, evaluator, programme, done_run):
    TrialDesign.objects.create(programme=programme, kind=TrialDesign.Kind.REGISTER_COMPARISON)
    client.force_login(evaluator)
    with translation.override("en"):
        response = client.post(PAGE, {"programme": programme.pk, "on": "01.12.2026", "do": "compute"})
    assert response.status_code == 200
    assert EffectRun.objects.count() == 1
    assert 'id="error-summary"' in response.content.decode()


def test_show_keeps_the_choice_in_the_address(client, evaluator, programme):
    client.force_login(evaluator)
    response = client.post(PAGE, {"programme": programme.pk, "on": "30.11.2026", "do": "show"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?programme={programme.pk}&on=2026-11-30"


def test_a_date_after_today_is_refused(client, evaluator, programme):
    client.force_login(evaluator)
    later = (datetime.date.today() + datetime.timedelta(days=3)).strftime("%d.%m.%Y")
    html = client.get(PAGE + f"?programme={programme.pk}&on={later}").content.decode()
    assert 'id="error-summary"' in html


def test_the_exports_are_the_report_with_danish_file_names(client, evaluator, done_run):
    client.force_login(evaluator)
    with translation.override("da"):
        xlsx = client.get(reverse("effect_report_xlsx") + f"?run={done_run.pk}", HTTP_ACCEPT_LANGUAGE="da")
        pdf = client.get(reverse("effect_report_pdf") + f"?run={done_run.pk}", HTTP_ACCEPT_LANGUAGE="da")
    assert xlsx["Content-Disposition"] == 'attachment; filename="effekt-30.11.2026.xlsx"'
    assert pdf["Content-Disposition"] == 'attachment; filename="effekt-30.11.2026.pdf"'
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    values = [v for row in book.worksheets[1].iter_rows(values_only=True) for v in row if v is not None]
    assert "færre end 5" in values
    assert pdf.content.startswith(b"%PDF") and "færre end 5" in pdf_text(pdf.content)


def test_a_formula_in_a_site_name_is_neutralised_in_the_spreadsheet(client, evaluator, done_run, site):
    site.name = '=HYPERLINK("http://x")'
    site.save()
    client.force_login(evaluator)
    xlsx = client.get(reverse("effect_report_xlsx") + f"?run={done_run.pk}")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    labels = [row[0] for row in book.worksheets[1].iter_rows(values_only=True) if row and row[0]]
    assert not any(str(label).startswith("=") for label in labels)
    assert any("HYPERLINK" in str(label) for label in labels)


def test_the_page_s_queries_do_not_grow_with_the_citizens(client, evaluator, done_run, refer, site, other_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(evaluator)
    url = PAGE + query(done_run)
    client.get(url)  # the report facts caught up once

    def counted():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = counted()
    for n in range(6):
        refer(site=site if n % 2 else other_site, first_name=f"Ny{n}", referred_on=datetime.date(2026, 3, 2))
    client.get(url)
    assert counted() == before
