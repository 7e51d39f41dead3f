"""`manage.py create_administrator`: the first administrator of an empty database, from one command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from jobbro.accounts.models import Role, User
from jobbro.audit.models import ChangeLog

pytestmark = pytest.mark.django_db
PASSWORD = "lang-nok-kodeord-til-test"


def create(*args):
    """Run the command as manage.py does, system checks included (a method named like one of Django's breaks them)."""
    out = io.StringIO()
    call_command("create_administrator", *args, stdout=out, stderr=io.StringIO(), skip_checks=False)
    return out.getvalue()


def test_an_empty_database_gets_its_first_administrator_who_then_must_set_up_two_factor(monkeypatch):
    assert not User.objects.exists()
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", PASSWORD)
    output = create("anna", "--no-input", "--first-name", "Anna", "--last-name", "Admin")
    user = User.objects.get(username="anna")
    assert user.role == Role.ADMINISTRATOR and user.is_active and user.check_password(PASSWORD)
    assert user.get_full_name() == "Anna Admin"
    assert "anna" in output
    assert ChangeLog.objects.filter(action="create_administrator", object_id=str(user.pk)).exists()
    # The password signs in; the first page is setting up the authenticator, as for every administrator.
    client = Client()
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("citizen_list")).url.startswith(reverse("two_factor_setup"))


def test_it_refuses_when_an_administrator_exists_unless_told_another(monkeypatch, administrator):
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="--another"):
        create("bente", "--no-input")
    assert not User.objects.filter(username="bente").exists()
    create("bente", "--no-input", "--another")
    assert User.objects.get(username="bente").role == Role.ADMINISTRATOR


def test_it_refuses_a_taken_username_a_missing_or_weak_password(monkeypatch, alice):
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="Alice"):
        create("Alice", "--no-input")
    monkeypatch.delenv("JOBBRO_ADMIN_PASSWORD")
    with pytest.raises(CommandError, match="JOBBRO_ADMIN_PASSWORD"):
        create("carl", "--no-input")
    monkeypatch.setenv("JOBBRO_ADMIN_PASSWORD", "kort")
    with pytest.raises(CommandError):
        create("carl", "--no-input")
    assert not User.objects.filter(username="carl").exists()


def test_it_asks_for_the_password_twice_at_the_terminal(monkeypatch):
    # The terminal's answers: first two that differ, then the same twice.
    answers = iter(["forkert-kodeord-1", "forkert-kodeord-2", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create("dorte")
    assert User.objects.get(username="dorte").check_password(PASSWORD)
