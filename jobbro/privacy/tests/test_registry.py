"""The table of records about a citizen (privacy/registry.py) covers every model that reaches a citizen: a new model
fails here until it says how it is exported and erased."""

from django.apps import apps

from jobbro.accounts.models import Role
from jobbro.accounts.policy import Capability, roles_with
from jobbro.privacy import registry
from jobbro.privacy.models import RecordKind

ROOTS = ("people.Citizen", "cases.Enrolment", "cases.Placement")


def citizen_models():
    """Every model with a foreign-key path (followed transitively, many-to-many included) to a citizen."""
    found = {apps.get_model(label) for label in ROOTS}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model in found:
                continue
            keys = (field for field in model._meta.get_fields() if field.concrete and field.is_relation)
            if any(key.related_model in found for key in keys):
                found.add(model)
                grown = True
    return {model._meta.label for model in found}


def test_every_model_reaching_a_citizen_is_in_the_table():
    missing = sorted(citizen_models() - set(registry.BY_LABEL))
    assert not missing, f"add these to jobbro/privacy/registry.py (how they are exported and erased): {missing}"


def test_the_walk_finds_what_it_should():
    found = citizen_models()
    assert {
        "cases.Timesheet",
        "meetings.MeetingParticipant",
        "companies.CompanyActivity",
        "netgain.NetGainCalculation",
    } <= found
    assert "companies.Company" not in found


def test_every_entry_reaches_its_rows(db):
    for entry in registry.TABLE:
        entry.rows(0).count()  # every path is a real lookup
        assert entry.kind in RecordKind.values
        assert len(registry.TABLE) == len(registry.BY_LABEL)


def test_kept_rows_say_why():
    for entry in registry.TABLE:
        if entry.treatment != registry.Treatment.DELETE:
            assert entry.why, entry.label


def test_only_roles_that_read_notes_export_and_erase():
    readers = set(roles_with(Capability.READ_NOTES))
    assert set(roles_with(Capability.EXPORT_CITIZEN_DATA)) <= readers
    assert roles_with(Capability.ERASE_CITIZEN_DATA) == [Role.ADMINISTRATOR]
