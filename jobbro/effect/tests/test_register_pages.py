"""The effect evaluation's set-up pages and their actions: the trial design page and its seed, project keys and the
CPR linkage list, the benefit-code mapping, and register imports from a real delivery file to the panels."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from jobbro.accounts.models import Role
from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.conftest import make_user
from jobbro.effect import actions, categories, panels, tasks
from jobbro.effect.models import BenefitMapping, LotteryDraw, ProjectKey, RegisterImport, TrialDesign
from jobbro.people import cpr

PERSONS_CSV = (
    "person_key;birth_year;sex;origin;municipality_code\nk-001;1980;K;dansk;751\nk-002;1975;M;indvandrer;101\n"
)
STATUS_CSV = "person_key;week;benefit_code\nk-001;202401;111\nk-001;202402;651\nk-002;202403;890\n"


@pytest.fixture(autouse=True)
def register_dir(settings, tmp_path):
    settings.REGISTER_DIR = tmp_path / "register"
    return settings.REGISTER_DIR


@pytest.fixture
def outsider_evaluator(other_programme):
    return make_user("otto", Role.EVALUATOR, programme=other_programme, last_name="Udefra")


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def danish(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    return client


def programme_url(name, programme):
    return reverse(name, kwargs={"programme_pk": programme.pk})


# --- Who may open which page ------------------------------------------------------------------------------------


def test_the_pages_answer_404_to_those_who_may_not(client, world, programme, outsider_evaluator):
    design_pages = [programme_url("effect_trial_design", programme)]
    register_pages = [programme_url("effect_register_data", programme), reverse("effect_mapping")]
    for who in ("alice", "caseworker", "coordinator", "manager", "mentor"):
        client.force_login(getattr(world, who))
        for url in design_pages + register_pages + [reverse("effect_programmes")]:
            assert client.get(url).status_code == 404, (who, url)
        for name in ("effect_issue_keys", "effect_linkage_list", "effect_show_seed"):
            assert client.post(programme_url(name, programme)).status_code == 404, (who, name)
    # An evaluator of another programme: not this programme's register data, nor its design.
    client.force_login(outsider_evaluator)
    assert client.get(programme_url("effect_register_data", programme)).status_code == 404
    assert client.get(programme_url("effect_trial_design", programme)).status_code == 404
    assert client.get(reverse("effect_mapping")).status_code == 200  # the mapping is shared by all programmes
    # The programme's own evaluator reads its register data, but neither sets the design nor touches CPR numbers.
    client.force_login(world.evaluator)
    page = client.get(programme_url("effect_register_data", programme))
    assert page.status_code == 200
    assert 'id="issue-keys"' not in page.content.decode()
    assert client.get(programme_url("effect_trial_design", programme)).status_code == 404
    for name in ("effect_issue_keys", "effect_linkage_list", "effect_show_seed"):
        assert client.post(programme_url(name, programme)).status_code == 404, name
    assert not ProjectKey.objects.exists() and not ChangeLog.objects.filter(action=Action.EXPORT_LINKAGE_LIST).exists()


def test_the_programme_setup_page_and_the_menu_link_to_the_pages(client, administrator, evaluator, programme):
    page = english(client, administrator).get(reverse("setup_programme", kwargs={"programme_pk": programme.pk}))
    text = page.content.decode()
    assert programme_url("effect_trial_design", programme) in text
    assert programme_url("effect_register_data", programme) in text
    listing = english(client, evaluator).get(reverse("effect_programmes")).content.decode()
    assert 'id="effect-setup-link"' in listing and programme_url("effect_register_data", programme) in listing
    assert programme_url("effect_trial_design", programme) not in listing


# --- The trial design page ------------------------------------------------------------------------------------


def test_the_administrator_sets_a_lottery_on_the_page(client, administrator, programme):
    english(client, administrator)
    url = programme_url("effect_trial_design", programme)
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "lottery", "programme_share": "0.50", "block_size": "2"})
    assert response.status_code == 302
    design = TrialDesign.objects.get(programme=programme)
    assert (design.kind, design.programme_share, design.block_size) == ("lottery", Decimal("0.50"), 2)
    assert ChangeLog.objects.filter(action=Action.SET_TRIAL_DESIGN).count() == 1


def test_a_share_that_does_not_fit_the_block_is_refused_on_the_page(client, administrator, programme):
    response = english(client, administrator).post(
        programme_url("effect_trial_design", programme),
        {"kind": "lottery", "programme_share": "0.30", "block_size": "4"},
    )
    assert response.status_code == 400
    assert "whole number of places in a block" in response.content.decode()
    assert not TrialDesign.objects.exists()


def test_the_page_counts_draws_per_stratum_and_group_and_refuses_changes_after_a_draw_in_danish(
    client, administrator, programme, refer, caseworker
):
    design = actions.set_trial_design(
        acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY, block_size=2
    )
    for _ in range(4):
        actions.draw(acting_user=caseworker, enrolment=refer())
    danish(client, administrator)
    url = programme_url("effect_trial_design", programme)
    page = client.get(url).content.decode()
    assert 'id="total-programme">2<' in page and 'id="total-control">2<' in page  # blocks of 2: two of each
    assert "Aarhus Kommune" in page
    assert "Forsøgsdesignet kan ikke ændres efter den første lodtrækning." in page
    response = client.post(url, {"kind": "none", "programme_share": "0,50", "block_size": "4"})
    assert response.status_code == 400
    assert "Forsøgsdesignet kan ikke ændres efter den første lodtrækning." in response.content.decode()
    design.refresh_from_db()
    assert design.kind == TrialDesign.Kind.LOTTERY and design.block_size == 2
    assert LotteryDraw.objects.count() == 4


def test_the_seed_is_shown_only_on_request_and_the_request_is_logged(client, administrator, programme):
    design = actions.set_trial_design(acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY)
    english(client, administrator)
    assert design.seed not in client.get(programme_url("effect_trial_design", programme)).content.decode()
    assert client.get(programme_url("effect_show_seed", programme)).status_code == 405
    response = client.post(programme_url("effect_show_seed", programme))
    assert response.status_code == 200 and design.seed in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    entry = ChangeLog.objects.get(action=Action.SHOW_SEED)
    assert entry.user == administrator and design.seed not in str(entry.changes)


# --- Project keys and the CPR linkage list ------------------------------------------------------------------


@pytest.fixture
def lottery_world(administrator, programme, refer, caseworker, charlies_enrolment):
    """Four citizens drawn in Job i Nordvest (two in each group) and Charlie's citizen in Job i Syd."""
    actions.set_trial_design(
        acting_user=administrator, programme=programme, kind=TrialDesign.Kind.LOTTERY, block_size=2
    )
    enrolments = [refer() for _ in range(4)]
    for enrolment in enrolments:
        actions.draw(acting_user=caseworker, enrolment=enrolment)
    return enrolments


def test_keys_go_to_every_citizen_of_both_groups_once_encrypted_at_rest(administrator, programme, lottery_world, refer):
    assert {e.control_group for e in Enrolment_rows(lottery_world)} == {True, False}
    issued, total = actions.issue_project_keys(acting_user=administrator, programme=programme)
    assert (issued, total) == (4, 4)
    keys = list(ProjectKey.objects.filter(programme=programme))
    assert {key.citizen_id for key in keys} == {e.citizen_id for e in lottery_world}
    clear = [actions.project_key_of(key) for key in keys]
    for key, plain in zip(keys, clear, strict=True):
        assert len(plain) == actions.KEY_LENGTH and set(plain) <= set(actions.KEY_ALPHABET)
        assert key.key_digest == cpr.lookup_hash(plain)
        assert plain not in key.key_token
    assert len(set(clear)) == 4
    # No clear key anywhere in the table's stored values.
    stored = " ".join(str(value) for row in ProjectKey.objects.values_list() for value in row)
    assert not any(plain in stored for plain in clear)
    # Idempotent: again, nothing new and the same keys; a citizen referred since gets one.
    assert actions.issue_project_keys(acting_user=administrator, programme=programme) == (0, 4)
    assert [actions.project_key_of(key) for key in ProjectKey.objects.filter(programme=programme)] == clear
    refer()
    assert actions.issue_project_keys(acting_user=administrator, programme=programme) == (1, 5)
    assert ChangeLog.objects.filter(action=Action.ISSUE_PROJECT_KEYS).count() == 3


def Enrolment_rows(enrolments):  # noqa: N802 - reads as the rows it refreshes
    for enrolment in enrolments:
        enrolment.refresh_from_db()
    return enrolments


@pytest.mark.parametrize("who", ["evaluator", "coordinator", "manager", "caseworker"])
def test_only_administrators_issue_keys_or_export_the_list(staff, programme, lottery_world, who):
    user = getattr(staff, who)
    with pytest.raises(PermissionDenied):
        actions.issue_project_keys(acting_user=user, programme=programme)
    with pytest.raises(PermissionDenied):
        actions.linkage_list(acting_user=user, programme=programme)
    assert not ProjectKey.objects.exists()


def test_the_cpr_list_download_holds_cpr_and_key_and_is_logged_per_citizen(
    client, administrator, programme, lottery_world, register_dir
):
    danish(client, administrator)
    assert client.post(programme_url("effect_issue_keys", programme)).status_code == 302
    url = programme_url("effect_linkage_list", programme)
    assert client.get(url).status_code == 405  # never a GET: no CPR list behind an address
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store" or "no-store" in response["Cache-Control"]
    name = f"cpr-noegleliste-job-i-nordvest-{timezone.localdate():%d.%m.%Y}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")), delimiter=";"))
    assert rows[0] == ["cpr", "project_key"]
    expected = {
        (key.citizen.reveal_cpr(), actions.project_key_of(key))
        for key in ProjectKey.objects.filter(programme=programme).select_related("citizen")
    }
    assert {tuple(row) for row in rows[1:]} == expected and len(rows) == 5
    # Charlie's citizen (another programme) is not on it.
    charlie_cpr = "050570-1238".replace("-", "")
    assert charlie_cpr not in response.content.decode()
    reveals = AccessLog.objects.filter(action=AccessLog.Action.REVEAL_CPR, view="effect_linkage_list")
    assert sorted(reveals.values_list("citizen_id", flat=True)) == sorted(e.citizen_id for e in lottery_world)
    assert all(row.user_id == administrator.pk for row in reveals)
    entry = ChangeLog.objects.get(action=Action.EXPORT_LINKAGE_LIST)
    assert entry.changes == {"citizens": 4}
    # Nothing of it is kept on the server.
    assert not list(Path(register_dir).rglob("*.csv")) if Path(register_dir).exists() else True


# --- The benefit-code mapping --------------------------------------------------------------------------------


def test_version_1_is_made_from_the_shipped_default_once(db):
    first = actions.ensure_benefit_mapping()
    assert first.version == 1 and first.source == categories.SOURCE and first.created_by is None
    assert sorted(first.codes.values_list("code", "category", "label")) == sorted(categories.DEFAULT_MAPPING)
    assert actions.ensure_benefit_mapping() == first
    assert BenefitMapping.objects.count() == 1


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_an_evaluator_uploads_a_new_mapping_version(client, evaluator):
    english(client, evaluator)
    page = client.get(reverse("effect_mapping"))
    assert page.status_code == 200 and "Arbejdsløshedsdagpenge" in page.content.decode()
    text = "code;category;label\n111;unemployment_benefit;Dagpenge\n135;cash_benefit;Kontanthjælp\n651;education;SU\n"
    response = client.post(
        reverse("effect_mapping"), {"source": "DREAM 2026, vejledning", "file": upload("m.csv", text)}
    )
    assert response.status_code == 302
    made = BenefitMapping.objects.get(version=2)
    assert made.created_by == evaluator and made.source == "DREAM 2026, vejledning"
    assert sorted(made.codes.values_list("code", "category")) == [
        ("111", "unemployment_benefit"),
        ("135", "cash_benefit"),
        ("651", "education"),
    ]
    assert actions.current_mapping() == made
    assert "Kontanthjælp" in client.get(reverse("effect_mapping")).content.decode()


def test_a_mapping_with_an_unknown_category_or_a_duplicate_is_refused_in_danish(client, evaluator):
    danish(client, evaluator)
    text = "111;unemployment_benefit;Dagpenge\n111;cash_benefit;Igen\n135;lottery_money;Gevinst\n136;cash_benefit\n"
    response = client.post(reverse("effect_mapping"), {"source": "Test", "file": upload("m.csv", text)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Linje 2: koden 111 står allerede på linje 1." in page
    assert "Linje 3: lottery_money er ikke en kategori" in page
    assert "Linje 4: skriv kode;kategori;betydning." in page
    assert not BenefitMapping.objects.filter(version=2).exists()


def test_a_mapping_without_a_source_is_refused(client, evaluator):
    response = english(client, evaluator).post(
        reverse("effect_mapping"), {"source": "", "file": upload("m.csv", "111;unemployment_benefit;Dagpenge\n")}
    )
    assert response.status_code == 400
    assert BenefitMapping.objects.count() == 1  # only the default the page made


# --- Register imports: the page, the task, the command ----------------------------------------------------------


def post_file(client, programme, kind, name, text):
    return client.post(programme_url("effect_register_data", programme), {"kind": kind, "file": upload(name, text)})


def test_an_upload_is_queued_and_the_task_imports_it_into_the_panels(client, evaluator, programme, register_dir):
    english(client, evaluator)
    response = post_file(client, programme, "persons", "personer.csv", PERSONS_CSV)
    assert response.status_code == 302
    made = RegisterImport.objects.get()
    assert (made.kind, made.state, made.file_name, made.created_by) == ("persons", "queued", "personer.csv", evaluator)
    incoming = actions.incoming_path(made)
    assert incoming.read_text() == PERSONS_CSV and incoming.parent.name == "incoming"
    assert made.sha256 == __import__("hashlib").sha256(PERSONS_CSV.encode()).hexdigest()
    summary = tasks.execute(made.pk, "en")
    made.refresh_from_db()
    assert (made.state, made.rows, made.persons, made.errors) == ("done", 2, 2, [])
    assert made.generation == summary.generation == panels.current_generation(actions.register_directory(programme))
    assert made.finished_at is not None
    assert not incoming.exists()
    # Weekly status next, checked against the mapping's codes (version 1 made for it).
    post_file(client, programme, "status", "status.csv", STATUS_CSV)
    status = RegisterImport.objects.get(kind="status")
    tasks.execute(status.pk, "en")
    status.refresh_from_db()
    assert (status.state, status.rows, status.persons) == ("done", 3, 2)
    assert BenefitMapping.objects.get().version == 1
    page = client.get(programme_url("effect_register_data", programme)).content.decode()
    assert status.generation in page
    assert 'data-kind="persons"' in page and 'data-kind="status"' in page
    # A second run of the same import does nothing.
    assert tasks.execute(status.pk, "en") is None


def test_a_refused_delivery_fails_with_danish_errors_per_field_and_leaves_the_panels(client, evaluator, programme):
    english(client, evaluator)
    post_file(client, programme, "persons", "p.csv", PERSONS_CSV)
    tasks.execute(RegisterImport.objects.get().pk, "da")
    directory = actions.register_directory(programme)
    before = panels.current_generation(directory)
    bad = "person_key;week;benefit_code\nk-001;202401;111\nk-001;202401;890\n"
    post_file(client, programme, "status", "s.csv", bad)
    failed = RegisterImport.objects.get(kind="status")
    tasks.execute(failed.pk, "da")
    failed.refresh_from_db()
    assert failed.state == "failed" and failed.finished_at is not None
    assert any(error["field"] in ("person_key", "week") for error in failed.errors)  # the same week twice
    assert panels.current_generation(directory) == before
    assert not actions.incoming_path(failed).exists()
    page = danish(client, evaluator).get(programme_url("effect_register_data", programme)).content.decode()
    assert f'data-import-errors="{failed.pk}"' in page and "Mislykkedes" in page


def test_an_upload_too_big_or_of_the_wrong_type_is_refused_in_danish(client, evaluator, programme, monkeypatch):
    danish(client, evaluator)
    monkeypatch.setattr(actions, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    monkeypatch.setattr(actions, "CHUNK", 1024)
    too_big = "x" * (10 * 1024 * 1024 + 1)
    response = post_file(client, programme, "persons", "p.csv", too_big)
    assert response.status_code == 400
    assert "Filen er større end 10 MB" in response.content.decode()
    response = post_file(client, programme, "persons", "p.xlsx", PERSONS_CSV)
    assert response.status_code == 400
    assert "En registerfil er en CSV-fil (.csv) eller en Parquet-fil (.parquet)." in response.content.decode()
    assert not RegisterImport.objects.exists()
    incoming = actions.register_directory(programme) / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def test_an_import_left_by_a_dead_worker_is_failed_by_the_sweep(client, evaluator, programme):
    english(client, evaluator)
    post_file(client, programme, "persons", "p.csv", PERSONS_CSV)
    made = RegisterImport.objects.get()
    assert tasks.claim(made.pk)
    assert tasks.fail_lost_imports() == 0  # running, but not for long
    later = timezone.now() + datetime.timedelta(seconds=tasks.STALE_SECONDS + 60)
    assert tasks.fail_lost_imports(now=later) == 1
    made.refresh_from_db()
    assert made.state == "failed" and made.errors[0]["message"]
    assert not actions.incoming_path(made).exists()


def test_the_command_imports_a_big_file_on_the_server(programme, tmp_path, capsys):
    path = tmp_path / "personer.csv"
    path.write_text(PERSONS_CSV, encoding="utf-8")
    call_command("import_register", programme.name, "persons", str(path), "--now")
    made = RegisterImport.objects.get()
    assert (made.state, made.rows, made.persons, made.created_by) == ("done", 2, 2, None)
    assert path.exists()  # the command's own copy is deleted, never the file it was given
    assert made.generation in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_register", "No such programme", "persons", str(path), "--now")
    bad = tmp_path / "status.csv"
    bad.write_text("person_key;week;benefit_code\nukendt;202401;111\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_register", programme.name, "status", str(bad), "--now")
    assert RegisterImport.objects.get(kind="status").state == "failed"


def test_the_upload_is_handed_to_the_worker_when_it_is_committed(
    client, evaluator, programme, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    english(client, evaluator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_file(client, programme, "persons", "p.csv", PERSONS_CSV)
    made = RegisterImport.objects.get()
    assert made.state == "queued" and len(callbacks) == 1  # nothing runs before the commit
    callbacks[0]()
    made.refresh_from_db()
    assert (made.state, made.rows, made.persons) == ("done", 2, 2)


def test_the_sweep_deletes_stray_incoming_files_but_not_a_waiting_import_s(client, evaluator, programme):
    english(client, evaluator)
    post_file(client, programme, "persons", "p.csv", PERSONS_CSV)
    waiting = actions.incoming_path(RegisterImport.objects.get())
    stray = waiting.parent / "import-999999-persons.csv"
    stray.write_text(PERSONS_CSV)
    assert tasks.remove_orphans() == 0  # not an hour old yet
    later = timezone.now() + datetime.timedelta(seconds=tasks.ORPHAN_SECONDS + 60)
    assert tasks.remove_orphans(now=later) == 1
    assert waiting.exists() and not stray.exists()


def test_the_register_data_page_s_queries_do_not_grow_with_the_imports(
    client, administrator, programme, django_assert_max_num_queries
):
    english(client, administrator)
    url = programme_url("effect_register_data", programme)
    client.get(url)  # the session and the default mapping, once
    for n in range(30):
        RegisterImport.objects.create(
            programme=programme, kind="persons", file_name=f"p{n}.csv", sha256="0" * 64, created_by=administrator
        )
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.content.decode().count("data-import=") == 30
