"""The synthetic register sample: a register delivery made up for a programme's participants and a comparison pool,
imported and analysed the way real register data is, so that a new user can read an effect report in the demo.

`load_sample` takes a programme and, through the same actions a user's pages call:

1. sets the trial design to a register comparison when the programme has none (a lottery is kept: its groups are
   then the arms of the sample),
2. makes sure the benefit-code mapping has a code for every category the generator uses (`mapping_for_sample`: the
   shipped default is deliberately short, so the sample adds made-up codes "DEMO1", "DEMO2", … in a new mapping
   version whose source says so),
3. issues the participants' project keys,
4. writes a synthetic delivery (jobbro/effect/synthetic.py, with a planted effect) for the participants, their
   referral weeks and sites, and `pool` comparison persons, into `directory` (var/register/sample/ by default),
5. imports its three files as register imports (effect/actions.py queue_register_import, run at once by the import
   task's own `execute`, which calls panels.import_delivery: the path of every import), and
6. computes an effect run as of `today` (runs.request_run, then the run task's `execute` at once when no worker
   has taken it yet).

Nothing in the sample is real: the persons are drawn at random, and the participants' keys are their project keys.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobbro.effect import actions, categories, runs, synthetic, tasks
from jobbro.effect.models import EffectRun, RegisterImport, TrialDesign

SAMPLE_CODE_PREFIX = "DEMO"
SAMPLE_SOURCE = (
    "jobbro's synthetic register sample (bin/jobbro load_register_sample): the codes of the mapping before it, plus "
    "one made-up code per category the sample generator uses (DEMO1, DEMO2, ...). The DEMO codes are not DREAM codes "
    "and occur only in the synthetic sample."
)
NEEDED = (*synthetic.MAIN_CATEGORIES, "education")
KINDS = ("persons", "status", "hours")


@dataclass
class Loaded:
    design: str
    mapping_version: int
    keys: int
    participants: int
    pool: int
    rows: dict
    run: EffectRun


def default_directory():
    return Path(settings.REGISTER_DIR) / "sample"


def mapping_for_sample(acting_user):
    """The current mapping if it has a code for every category the generator draws; else a new version with its codes
    and one made-up code for each missing category."""
    mapping = actions.ensure_benefit_mapping()
    rows = list(mapping.codes.values_list("code", "category", "label"))
    have = {category for _code, category, _label in rows}
    missing = [category for category in NEEDED if category not in have]
    if not missing:
        return mapping
    taken = {code for code, _category, _label in rows}
    number = 0
    for category in missing:
        number += 1
        while f"{SAMPLE_CODE_PREFIX}{number}" in taken:
            number += 1
        rows.append(
            (
                f"{SAMPLE_CODE_PREFIX}{number}",
                category,
                f"Demo code (synthetic sample only): {categories.LABELS[category]}",
            )
        )
    return actions.create_benefit_mapping(acting_user=acting_user, rows=rows, source=SAMPLE_SOURCE)


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


def load_sample(*, programme, administrator, evaluator, today, pool=3000, seed=2026, directory=None):
    """Make, import and analyse the sample for the programme (see the module's docstring); the run is done or failed
    when this returns. ValidationError in the reader's language when there is nothing to make a sample for."""
    design = TrialDesign.objects.filter(programme=programme).first()
    if design is None or design.kind == TrialDesign.Kind.NONE:
        design = actions.set_trial_design(
            acting_user=administrator, programme=programme, kind=TrialDesign.Kind.REGISTER_COMPARISON
        )
    mapping = mapping_for_sample(administrator)
    _issued, keys = actions.issue_project_keys(acting_user=administrator, programme=programme)
    table, _without_key = runs.participants(programme, today, design.kind)
    if table.empty:
        raise ValidationError(_("The programme has no participants referred by the date to make a sample for."))
    # Three years of weeks before the first referral, up to the week of `today`.
    first_week = monday(min(table.start_week)) - datetime.timedelta(weeks=157)
    weeks = (monday(today) - first_week).days // 7 + 1
    directory = Path(directory or default_directory())
    delivery = synthetic.write_delivery(
        directory,
        table,
        pool=pool,
        first_week=first_week,
        weeks=weeks,
        seed=seed,
        codes=dict(mapping.codes.values_list("code", "category")),
    )
    rows = {}
    for kind in KINDS:
        path = getattr(delivery, kind)
        with open(path, "rb") as source:
            made = actions.queue_register_import(
                acting_user=None, programme=programme, kind=kind, source=source, file_name=path.name, max_bytes=None
            )
        tasks.execute(made.pk)  # at once; a worker that sees its task later finds it done and leaves it
        made.refresh_from_db()
        if made.state != RegisterImport.State.DONE:
            problems = "; ".join(str(error.get("message", error)) for error in made.errors) or made.state
            raise ValidationError(
                _("The sample's %(kind)s file was not imported: %(problems)s") % {"kind": kind, "problems": problems}
            )
        rows[kind] = made.rows
    run = runs.request_run(evaluator, programme, today)
    if run.state == EffectRun.State.QUEUED:
        runs.execute(run.pk)
    run.refresh_from_db()
    return Loaded(
        design=design.kind,
        mapping_version=mapping.version,
        keys=keys,
        participants=len(table),
        pool=pool,
        rows=rows,
        run=run,
    )
