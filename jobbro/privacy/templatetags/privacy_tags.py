"""The citizen page's small section on the citizen's rights (jobbro/templates/privacy/citizen_rights.html)."""

from django import template

from jobbro.accounts.policy import Capability, may
from jobbro.privacy.models import ErasureReceipt, LegalHold

register = template.Library()

CAPABILITIES = (
    Capability.EXPORT_CITIZEN_DATA,
    Capability.SET_LEGAL_HOLD,
    Capability.ERASE_CITIZEN_DATA,
)


@register.inclusion_tag("privacy/citizen_rights.html", takes_context=True)
def citizen_rights(context, citizen):
    """Links to the export, the legal hold and the erasure, for the roles that may use them; whether the records are
    held (one query, only for those roles)."""
    user = context["request"].user
    shown = {capability.value: may(user, capability) for capability in CAPABILITIES}
    held = receipt = None
    if any(shown.values()):
        held = LegalHold.objects.filter(citizen=citizen, lifted_at__isnull=True).first()
        if citizen.is_erased and shown[Capability.ERASE_CITIZEN_DATA]:
            receipt = ErasureReceipt.objects.filter(citizen=citizen, complete=True).first()
    return {"citizen": citizen, "may": shown, "held": held, "receipt": receipt, "any": any(shown.values())}
