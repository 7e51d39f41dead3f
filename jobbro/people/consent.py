"""A citizen's consents, read: the one rule "has consent of kind K on date D" and what the actions that depend on a
consent ask of it (docs/consent.md).

The rule itself is people.models.consent_in_force_on, an expression every queryset filters on (a company's view of
its placements, the evaluation's list of citizens); this module asks it of one citizen, raises the refusal the
actions give, and reads a citizen's history for the citizen page. A withdrawal takes effect from its date: what
was shared before stays recorded, nothing new is shared after it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobbro.people.models import Citizen, Consent, ConsentKind, consent_in_force_on


def has_consent(citizen, kind, on):
    """Whether the citizen (or citizen id) has consent of the kind on the date."""
    citizen_pk = getattr(citizen, "pk", citizen)
    return Citizen.objects.filter(pk=citizen_pk).filter(consent_in_force_on(ConsentKind(kind), on)).exists()


def missing_consent_message(kind, on):
    return _(
        "The citizen has not consented to “%(consent)s” on %(date)s. Record the consent on the citizen's page first."
    ) % {"consent": ConsentKind(kind).label, "date": on.strftime("%d.%m.%Y")}


def require_consent(citizen, kind, on, *, field=None):
    """Refuse (ValidationError naming the consent) unless the citizen has consent of the kind on the date."""
    if not has_consent(citizen, kind, on):
        message = missing_consent_message(kind, on)
        raise ValidationError({field: message} if field else message, code="missing_consent")


def newest_rows(rows, on):
    """{kind: the row that holds on the date, or None}, from a citizen's rows in history order (Consent.Meta
    ordering: date, then the order recorded): the same rule as consent_in_force_on, for rows already read."""
    holding = dict.fromkeys(ConsentKind.values)
    for row in rows:
        if row.on <= on:
            holding[row.kind] = row
    return holding


def history(citizen):
    """The citizen's rows, oldest first, with who recorded them (one query)."""
    return list(Consent.objects.filter(citizen=citizen).select_related("recorded_by").order_by("on", "pk"))
