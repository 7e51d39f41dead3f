"""Every text field on a model about a citizen is classified in accounts/free_text.py, exactly once."""

from django.apps import apps
from django.db import models

from jobbro.accounts import free_text

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def citizen_models():
    """The Citizen model and every model with a foreign key to one of them (followed transitively)."""
    found = {apps.get_model("people", "Citizen")}
    found |= {apps.get_model(label) for label in free_text.CITIZEN_MODELS_WITHOUT_KEY}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model in found:
                continue
            keys = (f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one)
            if any(key.related_model in found for key in keys):
                found.add(model)
                grown = True
    return found


def free_text_field_names():
    names = set()
    for model in citizen_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS) and not field.choices:
                names.add(f"{model._meta.label}.{field.name}")
    return names


def test_every_text_field_about_a_citizen_is_classified_once():
    names = free_text_field_names()
    unclassified = sorted(name for name in names if not free_text.group_of(name))
    twice = sorted(name for name in names if len(free_text.group_of(name)) > 1)
    assert not unclassified, f"classify these in jobbro/accounts/free_text.py: {unclassified}"
    assert not twice, f"in more than one group: {twice}"


def test_the_search_reaches_the_citizen_models_it_should():
    # The classification test is only as good as this search: it must reach the case notes' models.
    labels = {model._meta.label for model in citizen_models()}
    assert {
        "cases.StepChange",
        "cases.Contact",
        "matching.MatchProposal",
        "people.CVEntry",
        "audit.ChangeLog",
    } <= labels
    assert "companies.Company" not in labels  # a placement points at a company; the company is not about a citizen


def test_every_classified_name_is_a_real_field():
    # A renamed field must not leave its old name behind, protecting nothing.
    for names in free_text.GROUPS.values():
        for name in names:
            label, field = name.rsplit(".", 1)
            apps.get_model(label)._meta.get_field(field)  # raises FieldDoesNotExist


def test_a_new_unclassified_field_would_fail(monkeypatch):
    monkeypatch.setattr(free_text, "CASE_NOTES", free_text.CASE_NOTES - {"cases.StepChange.note"})
    monkeypatch.setitem(free_text.GROUPS, "case_notes", free_text.CASE_NOTES)
    assert not free_text.group_of("cases.StepChange.note")
    assert "cases.StepChange.note" in free_text_field_names()
