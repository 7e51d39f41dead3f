"""docs/roles.md says what the role table says."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jobbro.accounts import policy, roles_doc


def test_docs_roles_md_agrees_with_the_role_table():
    text = roles_doc.path().read_text()
    assert roles_doc.render(text) == text, "run `manage.py roles_doc` after changing jobbro/accounts/policy.py"


def test_the_matrix_shows_each_grant_and_each_denial():
    rows = {line.split(" | ")[0].lstrip("| "): line for line in roles_doc.matrix().splitlines()}
    notes = rows["Read case notes (`read_notes`)"].strip("| ").split(" | ")[1:]
    assert notes == ["yes", "yes", "yes", "–", "–", "–", "yes"]  # job broker … administrator
    assert "none (pseudonymised data only)" in rows["sees citizens"]
    assert len([row for row in rows if "(`" in row]) == len(policy.Capability)


def test_the_command_rewrites_the_matrix_and_check_refuses_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "roles.md"
    stale.write_text(f"# Roles\n\nProse kept.\n\n{roles_doc.START}\n| old | matrix |\n{roles_doc.END}\n\nMore prose.\n")
    monkeypatch.setattr(roles_doc, "path", lambda: stale)
    with pytest.raises(CommandError):
        call_command("roles_doc", "--check")
    call_command("roles_doc")
    text = stale.read_text()
    assert "Prose kept." in text and "More prose." in text and "| old | matrix |" not in text
    assert roles_doc.matrix() in text
    call_command("roles_doc", "--check")
