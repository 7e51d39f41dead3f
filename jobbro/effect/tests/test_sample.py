"""The demo's register sample end to end: a small demo programme, `load_register_sample`, and the effect report an
evaluator then reads, with its exports."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from jobbro.accounts.models import Programme, User
from jobbro.days import today
from jobbro.demo.generator import PROGRAMME_NAME, generate
from jobbro.effect import panels
from jobbro.effect.actions import current_mapping, register_directory
from jobbro.effect.models import EffectRun, ProjectKey, RegisterImport, TrialDesign
from jobbro.people.models import Citizen, ConsentKind, consent_in_force_on

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def demo(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.REGISTER_DIR = tmp_path / "register"
    generate(citizens=40, seed=7, today=TODAY)
    return Programme.objects.get(name=PROGRAMME_NAME)


def test_the_sample_is_made_imported_and_analysed_and_the_evaluator_reads_the_report(client, demo, settings):
    out = io.StringIO()
    call_command("load_register_sample", "--pool", "400", "--today", TODAY.isoformat(), stdout=out)
    design = TrialDesign.objects.get(programme=demo)
    assert design.kind == TrialDesign.Kind.REGISTER_COMPARISON
    # Keys go to the participants who consent to the evaluation (docs/consent.md): most of them, not all.
    participants = Citizen.objects.filter(enrolments__programme=demo).distinct()
    consenting = participants.filter(consent_in_force_on(ConsentKind.EVALUATION, today())).count()
    assert 0 < consenting < participants.count()
    assert ProjectKey.objects.filter(programme=demo).count() == consenting
    # The delivery files lie under the register directory's sample/, and were imported as any import is.
    sample = settings.REGISTER_DIR / "sample"
    assert sorted(path.name for path in sample.iterdir()) == ["hours.parquet", "persons.parquet", "status.parquet"]
    imports = RegisterImport.objects.filter(programme=demo)
    assert sorted(imports.values_list("kind", "state")) == [("hours", "done"), ("persons", "done"), ("status", "done")]
    assert panels.current_generation(register_directory(demo)) is not None
    # Every code the sample uses is in the mapping the run records; the made-up ones say so.
    mapping = current_mapping()
    assert "DEMO codes are not DREAM codes" in mapping.source
    run = EffectRun.objects.get(programme=demo)
    assert run.state == EffectRun.State.DONE, run.error
    assert run.as_of == TODAY and run.mapping == mapping
    assert run.result["counts"]["pool"] == 400
    assert "/reports/effect/" in out.getvalue()

    client.force_login(User.objects.get(username="evaluator"))
    page = client.get(reverse("effect_report") + f"?programme={demo.pk}&on={TODAY.isoformat()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="table-effect_estimates"' in html and 'id="table-effect_balance"' in html
    assert "<svg" in html
    xlsx = client.get(reverse("effect_report_xlsx") + f"?run={run.pk}")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["Kontroller"]["A3"].value == "Alle kontroller bestået."

    # Run again: the same sample, nothing new to compute; no second mapping version.
    call_command("load_register_sample", "--pool", "400", "--today", TODAY.isoformat(), stdout=io.StringIO())
    assert current_mapping() == mapping
    assert EffectRun.objects.filter(programme=demo, state=EffectRun.State.DONE).count() in (1, 2)


def test_without_the_demo_the_command_says_what_to_do_first(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_register_sample", stdout=io.StringIO())
