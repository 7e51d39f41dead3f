"""Effect runs: a programme's effect analysis as of a date, requested on the effect report page and computed by the
task worker (`manage.py db_worker`), never in the web server.

`request_run` validates (the reader may read the effect report of the programme; the programme has a trial design
to compare with, a benefit-code mapping and imported register panels), then returns the done run for the same
programme, as-of date, panel generation, mapping version and trial design if there is one (a run is a pure function
of those), or the one already waiting or running for them, or queues a new one. The task is queued in the same transaction as the
run's row (the database backend writes it there, so a worker sees the run and its task together or neither), as
imports and assignment runs are.

The worker claims the run (queued to running, so it is computed once however many workers see the task), builds
the participants table from the records (`participants`), connects to the programme's panels and calls
`analysis.analyse`. The result is already disclosure-controlled; it holds no name, CPR number or project key. Any
failure is written to the run in Danish, and a run left running by a worker that died is failed by `fail_lost_runs`
(on the page and by the worker's periodic sweep): no run stays queued-to-running for ever.
"""

import datetime
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.effect.actions import ensure_benefit_mapping, register_directory
from jobbro.effect.models import EffectRun, LotteryDraw, ProjectKey, TrialDesign
from jobbro.people import cpr

log = logging.getLogger(__name__)
ACTIVE = (EffectRun.State.QUEUED, EffectRun.State.RUNNING)
# A run still running this long after it was requested has lost its worker: the whole analysis of the benchmark's
# register (500,000 persons over five years) takes well under a minute.
STALE_SECONDS = 2 * 60 * 60
# Counts under this are not shown (disclosure control, as in the analysis).
SMALLEST_COUNT = 5


def _require(condition):
    if not condition:
        raise PermissionDenied


def readable_programmes(user):
    """The programmes whose effect report the user may read: none without READ_EFFECT, else those they are a member of."""
    if not may(user, Capability.READ_EFFECT):
        return access.visible_programmes(user).none()
    return access.visible_programmes(user)


def design_kind(programme):
    design = TrialDesign.objects.filter(programme=programme).first()
    return design.kind if design else TrialDesign.Kind.NONE


def request_run(acting_user, programme, as_of):
    """The run computing the programme's effect as of `as_of`: an existing one for the same inputs, or a new one
    queued for the worker. ValidationError (in the reader's language) when there is nothing to compute from."""
    _require(readable_programmes(acting_user).filter(pk=programme.pk).exists())
    kind = design_kind(programme)
    if kind == TrialDesign.Kind.NONE:
        raise ValidationError(
            _(
                "The programme has no trial design to compare with: an administrator sets a lottery or a register comparison."
            )
        )
    from jobbro.effect import panels  # DuckDB: loaded where a run is requested or computed, not by every sweep

    generation = panels.current_generation(register_directory(programme))
    if generation is None:
        raise ValidationError(_("No register data has been imported for the programme yet."))
    mapping = ensure_benefit_mapping()  # the status import made it already; the shipped default otherwise
    with transaction.atomic():
        same = EffectRun.objects.select_for_update().filter(
            programme=programme, as_of=as_of, generation=generation, mapping=mapping, design_kind=kind
        )
        existing = same.filter(state=EffectRun.State.DONE).first() or same.filter(state__in=ACTIVE).first()
        if existing is not None:
            return existing
        run = EffectRun.objects.create(
            programme=programme,
            as_of=as_of,
            design_kind=kind,
            generation=generation,
            mapping=mapping,
            requested_by=acting_user,
        )
        log_change(
            user=acting_user,
            action=Action.REQUEST_EFFECT_RUN,
            obj=run,
            changes={"as_of": as_of.isoformat(), "design": kind, "generation": generation, "mapping": mapping.version},
        )
        enqueue(run)
    return run


def enqueue(run, language=None):
    compute_effect.enqueue(run.pk, language or translation.get_language() or settings.LANGUAGE_CODE)


@task()
def compute_effect(run_id, language):
    execute(run_id, language)


def claim(run_id):
    """Take a queued run for this process; False when another worker has it, or it has finished or failed."""
    return bool(EffectRun.objects.filter(pk=run_id, state=EffectRun.State.QUEUED).update(state=EffectRun.State.RUNNING))


def execute(run_id, language=None):
    """Compute a queued run; its result, or why it failed, is written to its row."""
    if not claim(run_id):
        log.info("Effect run %s was not queued; left alone", run_id)
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            result = compute(EffectRun.objects.select_related("programme", "mapping").get(pk=run_id))
        except Exception as error:
            log.exception("Effect run %s failed", run_id)
            _fail(run_id, failure_message(error))
            return
    EffectRun.objects.filter(pk=run_id, state=EffectRun.State.RUNNING).update(
        state=EffectRun.State.DONE, result=result, error="", finished_at=timezone.now()
    )


def failure_message(error):
    """Why a run failed, in the reader's language: the panels' own messages, or the error's kind and text."""
    errors = getattr(error, "errors", None)
    if isinstance(error, ValidationError):
        said = " ".join(error.messages)
    elif errors:
        said = "; ".join(str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in errors)
    else:
        said = f"{type(error).__name__}: {error}"
    return _("The effect analysis could not be computed: %(error)s") % {"error": said}


def _fail(run_id, reason):
    return bool(
        EffectRun.objects.filter(pk=run_id, state__in=ACTIVE).update(
            state=EffectRun.State.FAILED, error=reason[:2000], finished_at=timezone.now()
        )
    )


def compute(run):
    """The analysis's result for the run, as plain JSON, with the participants left out for want of a project key."""
    if run.mapping is None:
        raise ValidationError(_("No benefit-code mapping has been made yet, so the register's codes cannot be read."))
    table, without_key = participants(run.programme, run.as_of, run.design_kind)
    if table.empty:
        raise ValidationError(_("No participant referred by the date has a project key, so nobody can be compared."))
    # DuckDB, pandas and statsmodels: loaded by the worker that computes a run, not by every sweep of every worker.
    from jobbro.effect import analysis, panels

    directory = register_directory(run.programme)
    generation = panels.current_generation(directory)
    if generation and generation != run.generation:
        EffectRun.objects.filter(pk=run.pk).update(generation=generation)
    codes = dict(run.mapping.codes.values_list("code", "category"))
    con = panels.connect(directory)
    try:
        result = analysis.analyse(con, table, design=run.design_kind, as_of=run.as_of, codes=codes)
    finally:
        con.close()
    data = result.to_json() if hasattr(result, "to_json") else result
    if isinstance(data, str):
        data = json.loads(data)
    data["counts"]["without_project_key"] = without_key if without_key >= SMALLEST_COUNT or not without_key else None
    return data


def participants(programme, as_of, kind):
    """(the participants as the analysis takes them, the number referred by `as_of` without a project key).

    One row per citizen: their first enrolment in the programme referred on or before `as_of`. In a lottery the arm
    is the group drawn (an enrolment referred before the lottery began has no draw and is left out); in a register
    comparison everyone is "programme". The start week is the Monday of the referral date, the site the site's pk
    as text, the target groups the citizen's codes. Only the project key (decrypted here, never stored) names them."""
    enrolments = (
        Enrolment.objects.filter(programme=programme, referred_on__lte=as_of)
        .order_by("citizen_id", "referred_on", "pk")
        .values_list("pk", "citizen_id", "referred_on", "site_id")
    )
    keys = dict(ProjectKey.objects.filter(programme=programme).values_list("citizen_id", "key_token"))
    arms = {}
    if kind == TrialDesign.Kind.LOTTERY:
        arms = dict(LotteryDraw.objects.filter(enrolment__programme=programme).values_list("enrolment_id", "arm"))
    groups = {}
    from jobbro.people.models import Citizen

    through = Citizen.target_groups.through
    for citizen_id, code in through.objects.filter(citizen__enrolments__programme=programme).values_list(
        "citizen_id", "targetgroup__code"
    ):
        groups.setdefault(citizen_id, set()).add(code)
    rows, seen, without_key = [], set(), 0
    for enrolment_id, citizen_id, referred_on, site_id in enrolments:
        if citizen_id in seen:
            continue
        seen.add(citizen_id)
        token = keys.get(citizen_id)
        if token is None:
            without_key += 1
            continue
        if kind == TrialDesign.Kind.LOTTERY:
            arm = arms.get(enrolment_id)
            if arm is None:
                continue
        else:
            arm = LotteryDraw.Arm.PROGRAMME.value
        rows.append(
            {
                "person_key": cpr.decrypt(token),
                "arm": str(arm),
                "start_week": referred_on - datetime.timedelta(days=referred_on.weekday()),
                "site": str(site_id),
                "target_groups": sorted(groups.get(citizen_id, ())),
            }
        )
    import pandas as pd

    columns = ["person_key", "arm", "start_week", "site", "target_groups"]
    return pd.DataFrame(rows, columns=columns), without_key


# --- Lost runs ---------------------------------------------------------------------------------------------------


def fail_lost_runs(now=None):
    """Fail the runs still running STALE_SECONDS after they were requested: their worker stopped without finishing."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=STALE_SECONDS)
    lost = list(
        EffectRun.objects.filter(state=EffectRun.State.RUNNING, requested_at__lt=cutoff).values_list("pk", flat=True)
    )
    reason = _("The computation stopped: the worker running it stopped without finishing. Compute it again.")
    return sum(_fail(pk, reason) for pk in lost)


def sweep():
    """The worker's periodic job for effect runs."""
    lost = fail_lost_runs()
    if lost:
        log.info("Effect sweep: %s lost runs failed", lost)
