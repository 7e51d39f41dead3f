"""Every write of the effect app: the trial design of a programme and the lottery's draw at referral."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_change
from jobbro.audit.models import Action
from jobbro.cases.models import Enrolment
from jobbro.effect import lottery
from jobbro.effect.models import LotteryDraw, TrialDesign


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
    log_change(
        user=acting_user,
        action=Action.DRAW_LOTTERY,
        obj=made,
        citizen_pk=enrolment.citizen_id,
        changes={"enrolment": enrolment.pk, "stratum": stratum, "sequence": sequence, "arm": arm},
    )
    return made
