"""Every write of the effect app: the trial design and the lottery's draw at referral, the project keys and the CPR
linkage list, the benefit-code mapping and register imports."""

import csv
import hashlib
import os
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import AccessLog, Action
from jobbro.cases import actions as case_actions
from jobbro.cases.models import Enrolment
from jobbro.days import today
from jobbro.effect import lottery
from jobbro.effect.models import BenefitCode, BenefitMapping, LotteryDraw, ProjectKey, RegisterImport, TrialDesign
from jobbro.people import cpr
from jobbro.people.models import Citizen, ConsentKind, consent_in_force_on


def _require(condition):
    if not condition:
        raise PermissionDenied


@transaction.atomic
def set_trial_design(*, acting_user, programme, kind, programme_share=Decimal("0.50"), block_size=4):
    """Create or change a programme's trial design. The seed is made once, when the design is created; once a
    draw exists the design is fixed (a changed share or block size would make the recorded draws irreproducible)."""
    _require(may(acting_user, Capability.SET_TRIAL_DESIGN))
    design = TrialDesign.objects.select_for_update().filter(programme=programme).first()
    created = design is None
    if created:
        design = TrialDesign(programme=programme)
    elif design.draws.exists():
        raise ValidationError(_("The trial design cannot be changed after the first draw."))
    design.kind = kind
    design.programme_share = Decimal(str(programme_share))
    design.block_size = block_size
    design.full_clean(validate_unique=False)
    design.save()
    log_change(
        user=acting_user,
        action=Action.SET_TRIAL_DESIGN,
        obj=design,
        # Never the seed.
        changes={
            "kind": design.kind,
            "programme_share": str(design.programme_share),
            "block_size": design.block_size,
            "created": created,
        },
    )
    return design


def seed_of(*, acting_user, design):
    """The seed, for re-deriving the draws: administrators only (those who may set the design)."""
    _require(may(acting_user, Capability.SET_TRIAL_DESIGN))
    return design.seed


@transaction.atomic
def draw(*, acting_user, enrolment):
    """Draw the enrolment's group if its programme's design is a lottery; None otherwise.

    Idempotent: a second call returns the first draw. The design row is locked for the draw, so two referrals at
    the same moment never get the same number in a stratum (and the unique constraint would refuse it anyway)."""
    _require(may(acting_user, Capability.REFER))
    _require(access.scope_enrolments(Enrolment.objects.filter(pk=enrolment.pk), acting_user).exists())
    design = TrialDesign.objects.select_for_update().filter(programme_id=enrolment.programme_id).first()
    if design is None or not design.is_lottery:
        return None
    existing = LotteryDraw.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    stratum = lottery.stratum_of(enrolment.site_id, enrolment.citizen.target_groups.values_list("code", flat=True))
    sequence = LotteryDraw.objects.filter(design=design, stratum=stratum).count() + 1
    arm, number = lottery.arm(
        design.seed, stratum, sequence, share=float(design.programme_share), block_size=design.block_size
    )
    made = LotteryDraw.objects.create(
        design=design,
        enrolment=enrolment,
        stratum=stratum,
        sequence=sequence,
        random_number=number,
        arm=arm,
        drawn_by=acting_user,
    )
    if arm == lottery.CONTROL:
        # In the draw's transaction: the control group gets no placement or match from here on.
        case_actions.assign_control_group(acting_user=acting_user, enrolment=enrolment)
    log_change(
        user=acting_user,
        action=Action.DRAW_LOTTERY,
        obj=made,
        citizen_pk=enrolment.citizen_id,
        changes={"enrolment": enrolment.pk, "stratum": stratum, "sequence": sequence, "arm": arm},
    )
    return made


@transaction.atomic
def show_seed(*, acting_user, design):
    """The seed, shown on the trial design page at an administrator's explicit request, with a change-log entry
    saying who saw it (never the seed itself)."""
    seed = seed_of(acting_user=acting_user, design=design)
    log_change(user=acting_user, action=Action.SHOW_SEED, obj=design, changes={"programme": design.programme_id})
    return seed


# --- Project keys and the CPR linkage list ---------------------------------------------------------------------

# The characters of a project key: capital letters and digits without those read alike (0/O, 1/I/L, 5/S, 8/B).
KEY_ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"
KEY_LENGTH = 16  # 27**16 ≈ 8 * 10**22 keys: guessing one is hopeless, two citizens drawing the same never happens


def new_project_key():
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def programme_citizens(programme, on=None):
    """The ids of every citizen with an enrolment in the programme who consents to pseudonymised data for the
    evaluation on the day (today by default): both arms of a lottery, ended cases too. A citizen without that consent
    gets no project key and is on no CPR list (docs/consent.md)."""
    return (
        Citizen.objects.filter(enrolments__programme=programme)
        .filter(consent_in_force_on(ConsentKind.EVALUATION, on or today()))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def issue_project_keys(*, acting_user, programme):
    """Give every citizen with an enrolment in the programme and the evaluation consent a project key, if they have
    none yet (idempotent: a second call issues keys only to citizens referred or consenting since). The key is stored
    as the CPR number is, encrypted (people/cpr.py) with an HMAC digest for look-up, never in clear. Returns (issued
    now, keys in all)."""
    _require(may(acting_user, Capability.EXPORT_LINKAGE_LIST))
    # One issue at a time per programme: the programme's row is locked while the keys are made.
    type(programme).objects.select_for_update().filter(pk=programme.pk).first()
    have = set(ProjectKey.objects.filter(programme=programme).values_list("citizen_id", flat=True))
    digests = set(ProjectKey.objects.filter(programme=programme).values_list("key_digest", flat=True))
    made = []
    for citizen_id in programme_citizens(programme):
        if citizen_id in have:
            continue
        while True:
            key = new_project_key()
            digest = cpr.lookup_hash(key)
            if digest not in digests:
                break
        digests.add(digest)
        made.append(
            ProjectKey(programme=programme, citizen_id=citizen_id, key_token=cpr.encrypt(key), key_digest=digest)
        )
    ProjectKey.objects.bulk_create(made, batch_size=1000)
    total = len(have) + len(made)
    log_change(
        user=acting_user,
        action=Action.ISSUE_PROJECT_KEYS,
        obj=programme,
        changes={"issued": len(made), "keys": total},
    )
    return len(made), total


def project_key_of(key_row):
    """The clear project key of a ProjectKey row."""
    return cpr.decrypt(key_row.key_token)


@transaction.atomic
def linkage_list(*, acting_user, programme):
    """The rows (CPR number, project key) of the list Statistics Denmark links the register data on, one per
    citizen with a key, by citizen id. The only place a CPR number leaves jobbro in clear: it writes a change-log
    entry and a read-access row (CPR revealed) for each citizen on the list, in this transaction. A citizen with a key
    who has withdrawn the evaluation consent (or whose consent is not in force today) is left off the list: their
    CPR number is not sent again; what was sent before stays sent."""
    _require(may(acting_user, Capability.EXPORT_LINKAGE_LIST))
    # An erased citizen (jobbro/privacy) has no CPR number left to link on: left off the list.
    keys = (
        ProjectKey.objects.filter(programme=programme)
        .exclude(citizen__cpr_hash__startswith=cpr.ERASED_PREFIX)
        .filter(consent_in_force_on(ConsentKind.EVALUATION, today(), citizen="citizen_id"))
        .select_related("citizen")
        .order_by("citizen_id")
    )
    rows = [(key.citizen.reveal_cpr(), project_key_of(key)) for key in keys]
    citizen_ids = [key.citizen_id for key in keys]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=acting_user,
                citizen_id=pk,
                citizen_ref=pk,
                action=AccessLog.Action.REVEAL_CPR,
                view="effect_linkage_list",
                status_code=200,
            )
            for pk in citizen_ids
        ],
        batch_size=1000,
    )
    log_change(
        user=acting_user,
        action=Action.EXPORT_LINKAGE_LIST,
        obj=programme,
        changes={"citizens": len(rows)},
    )
    return rows


# --- The benefit-code mapping ----------------------------------------------------------------------------------


def current_mapping():
    """The newest version of the benefit-code mapping, or None."""
    return BenefitMapping.objects.order_by("-version").first()


@transaction.atomic
def ensure_benefit_mapping():
    """The current mapping; when there is none yet, version 1 made from the shipped default
    (jobbro/effect/categories.py DEFAULT_MAPPING, with its SOURCE). Used by register imports and effect runs."""
    from jobbro.effect import categories

    mapping = BenefitMapping.objects.select_for_update().order_by("-version").first()
    if mapping is not None:
        return mapping
    return _create_mapping(None, categories.DEFAULT_MAPPING, categories.SOURCE, version=1)


def _create_mapping(acting_user, rows, source, *, version):
    mapping = BenefitMapping.objects.create(version=version, source=source, created_by=acting_user)
    BenefitCode.objects.bulk_create(
        [BenefitCode(mapping=mapping, code=code, category=category, label=label) for code, category, label in rows]
    )
    log_change(
        user=acting_user,
        action=Action.CREATE_BENEFIT_MAPPING,
        obj=mapping,
        changes={"version": version, "codes": len(rows)},
    )
    return mapping


def known_categories():
    """The category codes a benefit code may be mapped to (jobbro/effect/categories.py)."""
    from jobbro.effect import categories

    return set(categories.LABELS)


MAPPING_MAX_ROWS = 5000


def parse_mapping_csv(data):
    """The rows (code, category, label) of an uploaded mapping: CSV with `;` (or `,`), UTF-8, an optional header
    `code;category;label`. ValidationError listing every problem, by line, in the user's language."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is not UTF-8 text. Save it as CSV UTF-8.")}) from None
    lines = text.splitlines()
    delimiter = ";" if not lines or lines[0].count(";") >= lines[0].count(",") else ","
    allowed = known_categories()
    rows, errors, seen = [], [], {}
    for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["code", "category"]:
            continue
        if len(rows) >= MAPPING_MAX_ROWS:
            errors.append(_("The file has more than %(n)s codes.") % {"n": MAPPING_MAX_ROWS})
            break
        if len(cells) != 3:
            errors.append(_("Line %(line)s: write code;category;label.") % {"line": number})
            continue
        code, category, label = cells
        if not (1 <= len(code) <= 10 and code.isascii() and code.isalnum()):
            errors.append(_("Line %(line)s: a benefit code is 1 to 10 letters or digits.") % {"line": number})
        elif code in seen:
            errors.append(
                _("Line %(line)s: the code %(code)s is already on line %(first)s.")
                % {"line": number, "code": code, "first": seen[code]}
            )
        else:
            seen[code] = number
        if category not in allowed:
            errors.append(
                _("Line %(line)s: %(category)s is not a category; use one of %(categories)s.")
                % {"line": number, "category": category[:40], "categories": ", ".join(sorted(allowed))}
            )
        if not label:
            errors.append(_("Line %(line)s: write what the code means (its label).") % {"line": number})
        elif len(label) > 200:
            errors.append(_("Line %(line)s: the label is longer than 200 characters.") % {"line": number})
        rows.append((code, category, label))
    if not rows and not errors:
        errors.append(_("The file holds no codes."))
    if errors:
        raise ValidationError({"file": errors[:50]})
    return rows


@transaction.atomic
def create_benefit_mapping(*, acting_user, rows, source):
    """A new version of the mapping (the next number) with these codes and the source they come from. Versions are
    never changed; each effect run records the version it used."""
    _require(may(acting_user, Capability.MANAGE_REGISTER_DATA))
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": _("Say where the codes and their meaning come from.")})
    latest = BenefitMapping.objects.select_for_update().order_by("-version").first()
    return _create_mapping(acting_user, rows, source, version=(latest.version + 1) if latest else 1)


# --- Register imports ----------------------------------------------------------------------------------------

SUFFIXES = (".csv", ".parquet")
# The largest delivery file the register data page takes; bigger ones go through `bin/jobbro import_register`.
UPLOAD_MAX_BYTES = 1024 * 1024 * 1024
CHUNK = 1024 * 1024


def register_directory(programme):
    """Where the programme's register panels live (jobbro/effect/panels.py; docs/effect.md)."""
    return Path(settings.REGISTER_DIR) / f"programme-{programme.pk}"


def incoming_path(register_import):
    """Where a delivery file waits for its import (deleted when the import is done or failed)."""
    suffix = Path(register_import.file_name).suffix.lower()
    directory = register_directory(register_import.programme)
    return directory / "incoming" / f"import-{register_import.pk}-{register_import.kind}{suffix}"


def register_programmes(user):
    """The programmes whose register data the user may manage: those of their memberships (all for administrators)."""
    if not may(user, Capability.MANAGE_REGISTER_DATA):
        return access.visible_programmes(user).none()
    return access.visible_programmes(user)


def _copy(source, target, max_bytes):
    """Copy the file object into `target`, hashing it; ValidationError when it is bigger than max_bytes."""
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise ValidationError(
                    {
                        "file": _(
                            "The file is bigger than %(mb)s MB. Import it with the command bin/jobbro import_register "
                            "(docs/effect.md)."
                        )
                        % {"mb": max_bytes // (1024 * 1024)}
                    }
                )
            digest.update(chunk)
            out.write(chunk)
    if not size:
        raise ValidationError({"file": _("The file is empty.")})
    return digest.hexdigest()


def queue_register_import(*, acting_user, programme, kind, source, file_name, max_bytes=UPLOAD_MAX_BYTES):
    """Store a delivery file (a file object: an upload, or an opened file for the command) in the programme's
    register directory under incoming/, as a queued import. The caller hands it to the task worker once the row is
    committed (jobbro/effect/tasks.py queue_on_commit). acting_user None: the operations command, run by whoever may
    run commands on the server."""
    if acting_user is not None:
        _require(register_programmes(acting_user).filter(pk=programme.pk).exists())
    if kind not in RegisterImport.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of register file.")})
    name = Path(str(file_name)).name[:200]
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ValidationError({"file": _("A register file is a CSV file (.csv) or a Parquet file (.parquet).")})
    # The file is copied before the row is written, so no database transaction (on SQLite: the one write lock) is
    # held while a big file is copied; then the row is made and the file renamed to the import's name in one step.
    incoming = register_directory(programme) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    temporary = incoming / f".upload-{secrets.token_hex(8)}{Path(name).suffix.lower()}"
    try:
        sha256 = _copy(source, temporary, max_bytes)
        with transaction.atomic():
            made = RegisterImport.objects.create(
                programme=programme, kind=kind, file_name=name, sha256=sha256, created_by=acting_user
            )
            log_change(
                user=acting_user,
                action=Action.QUEUE_REGISTER_IMPORT,
                obj=made,
                changes={"programme": programme.pk, "kind": kind, "file": name, "sha256": sha256},
            )
            os.replace(temporary, incoming_path(made))
    finally:
        temporary.unlink(missing_ok=True)
    return made
