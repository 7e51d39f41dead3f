"""Nothing new is written about an erased citizen: a record added to one (through any action, page or the import's
single writes) is refused with a message. Rows written in bulk (the demo generator) pass no signal; they never name
an erased citizen, whose CPR look-up hash no longer matches any number."""

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

from jobbro.people import cpr
from jobbro.people.models import Citizen
from jobbro.privacy import registry
from jobbro.privacy.registry import Treatment

# The row's key to the citizen, by the table's path, and the lookup from a citizen to that key.
KEYS = {"citizen": ("citizen_id", "pk"), "enrolment__citizen": ("enrolment_id", "enrolments")}
LEFT_OUT_APPS = {"audit", "privacy", "reporting"}


def guarded():
    """{model: (key attname, citizen lookup)}: the table's models a user writes about a citizen, with their own key to
    the citizen or an enrolment (kept-as-is rows such as hours are reached through their placement, left out)."""
    found = {}
    for entry in registry.TABLE:
        if entry.treatment == Treatment.KEEP or entry.model._meta.app_label in LEFT_OUT_APPS:
            continue
        if entry.paths[0] in KEYS:
            found[entry.model] = KEYS[entry.paths[0]]
    return found


def refuse_erased(sender, instance, raw=False, **kwargs):
    if raw or not instance._state.adding:
        return
    attname, lookup = GUARDED[sender]
    value = getattr(instance, attname, None)
    if value is None:
        return
    if Citizen.objects.filter(**{lookup: value}, cpr_hash__startswith=cpr.ERASED_PREFIX).exists():
        raise ValidationError(_("The citizen's data has been erased: nothing can be added to it."))


GUARDED = {}


def connect():
    GUARDED.update(guarded())
    for model in GUARDED:
        pre_save.connect(refuse_erased, sender=model, dispatch_uid=f"privacy-guard-{model._meta.label}")
