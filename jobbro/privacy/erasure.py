"""The one machinery both retention and a citizen's request erase with: what it will do (plan) and doing it (apply).

Erasure works kind by kind (registry.py). Erasing the identity is erasing everything: the names become
"Slettet borger <id>", the CPR number's token and look-up hash random values that decrypt to nothing, the contact
details blank, and every other kind is erased with it. The attributes the reports count by (birth date, sex, origin,
benefit type, target groups, housing-area flags, match category, traffic light) stay on the row, so every figure stays
the same. Callers run apply() inside their transaction (actions.py); it writes no log itself.
"""

from dataclasses import dataclass

from django.db.models import Q

from jobbro.people import cpr
from jobbro.privacy import registry
from jobbro.privacy.models import RecordKind
from jobbro.privacy.registry import Treatment

# What a required text field (a CV line's title, a job goal) holds once blanked.
ERASED_TEXT = "–"


def pseudonym(citizen_pk):
    return f"Slettet borger {citizen_pk}"


@dataclass(frozen=True)
class Line:
    """One model's share of an erasure: how many of the citizen's rows it touches and how."""

    entry: registry.Entry
    rows: int

    @property
    def label(self):
        return self.entry.label

    @property
    def kind(self):
        return self.entry.kind

    @property
    def treatment(self):
        return self.entry.treatment


def kinds_for(kinds):
    """The kinds an erasure of `kinds` erases: all of them when the identity goes."""
    kinds = set(kinds)
    if RecordKind.IDENTITY in kinds:
        return set(RecordKind.values)
    return kinds


def plan(citizen_pk, kinds=RecordKind.values):
    """What erasing `kinds` would do, model by model, in table order: only models with rows of the citizen."""
    lines = []
    for kind in RecordKind.values:
        if kind not in kinds_for(kinds):
            continue
        for entry in registry.entries_of(kind):
            count = entry.treated_rows(citizen_pk).count()
            if count:
                lines.append(Line(entry, count))
    return lines


def counts_of(lines):
    return {line.label: {"kind": line.kind, "treatment": line.treatment, "rows": line.rows} for line in lines}


def apply(citizen, kinds=RecordKind.values):
    """Erase the kinds of the citizen's records (the caller holds the transaction and has checked the legal hold).
    Returns the plan it carried out."""
    kinds = kinds_for(kinds)
    lines = plan(citizen.pk, kinds)
    for line in lines:
        entry = line.entry
        if entry.label == "people.Citizen":
            continue  # last, below: the other rows are found through it
        if entry.label == "audit.ChangeLog":
            _strip_change_values(entry.treated_rows(citizen.pk))
        elif entry.treatment == Treatment.DELETE:
            entry.model._default_manager.filter(
                pk__in=list(entry.treated_rows(citizen.pk).values_list("pk", flat=True))
            ).delete()
        elif entry.treatment == Treatment.PSEUDONYMISE:
            _blank(entry, citizen.pk)
    if RecordKind.IDENTITY in kinds:
        _pseudonymise_citizen(citizen)
    return lines


def _blank(entry, citizen_pk):
    fields = entry.blanked_fields
    if not fields:
        return
    model = entry.model
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[name] = "" if field.blank else ERASED_TEXT
    pks = list(entry.treated_rows(citizen_pk).values_list("pk", flat=True))
    model._default_manager.filter(pk__in=pks).update(**values)


def _strip_change_values(rows):
    """The change log keeps who changed which fields of what, and when; the values written are removed."""
    for row in rows.exclude(changes={}):
        stripped = {key: None for key in row.changes} if isinstance(row.changes, dict) else {}
        type(row)._default_manager.filter(pk=row.pk).update(changes=stripped)


def _pseudonymise_citizen(citizen):
    from jobbro.messaging.models import OptOut

    # An opt-out names the citizen's address; with the address gone it can never be matched again.
    addresses = [value for value in (citizen.email, citizen.phone) if value]
    if addresses:
        OptOut.objects.filter(Q(address__in=addresses) | Q(address__in=[a.lower() for a in addresses])).delete()
    token, lookup = cpr.erased_values()
    identity = {name: "" for name in registry.blanked_fields("people.Citizen")}
    identity.update(first_name="Slettet", last_name=f"borger {citizen.pk}", cpr_encrypted=token, cpr_hash=lookup)
    type(citizen)._default_manager.filter(pk=citizen.pk).update(**identity)
    for name, value in identity.items():
        setattr(citizen, name, value)
