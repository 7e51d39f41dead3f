"""TOTP two-factor sign-in, with real codes computed from the authenticator's key as an app would."""

import datetime
import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobbro.audit.models import ChangeLog

PASSWORD = "korrekt-hest-batteri"


def code_for(device, steps_ahead=0):
    """The code an authenticator app shows now (or that many 30-second steps later: a code is accepted only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def password_sign_in(user):
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def lands_on(client, url):
    response = client.get(url)
    return response.url.split("?")[0] if response.status_code == 302 else response.status_code


def lift_throttle(device):
    """django-otp refuses every code for a second after a wrong one (doubling each time); the test waits it out."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - datetime.timedelta(minutes=5)
        if device.throttling_failure_timestamp
        else None
    )


# --- Administrators -------------------------------------------------------------------------------------------------


def test_an_administrator_without_an_authenticator_must_set_one_up_before_any_page(administrator):
    client = password_sign_in(administrator)
    for url in (reverse("citizen_list"), reverse("admin:index"), reverse("account_security")):
        assert lands_on(client, url) == reverse("two_factor_setup"), url

    page = client.get(reverse("two_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html, "the QR code is inline SVG"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script: the page passes a strict CSP"
    device = TOTPDevice.objects.get(user=administrator)
    assert not device.confirmed

    wrong = client.post(reverse("two_factor_setup"), {"token": f"{(int(code_for(device)) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and "The code is wrong" in wrong.content.decode()
    lift_throttle(TOTPDevice.objects.get(pk=device.pk))
    done = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("citizen_list")).status_code == 200
    assert ChangeLog.objects.filter(action="turn_on_two_factor", object_id=str(administrator.pk)).exists()


@pytest.fixture
def admins_device(administrator):
    return TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)


def test_an_administrator_types_the_code_after_the_password(administrator, admins_device):
    client = password_sign_in(administrator)
    assert lands_on(client, reverse("citizen_list")) == reverse("two_factor_verify")
    assert lands_on(client, reverse("admin:index")) == reverse("two_factor_verify")

    wrong = client.post(reverse("two_factor_verify"), {"token": f"{(int(code_for(admins_device)) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400
    assert client.post(reverse("two_factor_verify"), {"token": code_for(admins_device)}).status_code == 400, (
        "right after a wrong code even the right one is refused for a while"
    )
    lift_throttle(TOTPDevice.objects.get(pk=admins_device.pk))
    response = client.post(
        reverse("two_factor_verify"), {"token": code_for(admins_device), "next": reverse("citizen_list")}
    )
    assert response.status_code == 302 and response.url == reverse("citizen_list")
    assert client.get(reverse("citizen_list")).status_code == 200


def test_a_used_code_is_not_accepted_twice(administrator, admins_device):
    code = code_for(admins_device)
    first = password_sign_in(administrator)
    assert first.post(reverse("two_factor_verify"), {"token": code}).status_code == 302
    second = password_sign_in(administrator)
    assert second.post(reverse("two_factor_verify"), {"token": code}).status_code == 400


def test_waiting_for_the_code_a_new_authenticator_cannot_be_set_up_instead(administrator, admins_device):
    client = password_sign_in(administrator)
    assert lands_on(client, reverse("two_factor_setup")) == reverse("two_factor_verify")
    assert TOTPDevice.objects.filter(user=administrator).count() == 1


def test_an_external_next_address_is_not_followed(administrator, admins_device):
    client = password_sign_in(administrator)
    response = client.post(
        reverse("two_factor_verify"), {"token": code_for(admins_device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse("home")


def test_an_administrator_cannot_turn_it_off(administrator, admins_device):
    client = password_sign_in(administrator)
    client.post(reverse("two_factor_verify"), {"token": code_for(admins_device)})
    assert "Administrators must use" in client.get(reverse("account_security")).content.decode()
    client.post(reverse("two_factor_turn_off"))
    assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()


def test_switching_language_and_signing_out_are_open_while_the_code_is_owed(administrator, admins_device):
    client = password_sign_in(administrator)
    assert client.post(reverse("set_language"), {"language": "da", "next": "/"}).status_code == 302
    assert client.cookies["django_language"].value == "da"
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- Everyone else: optional, required once on ------------------------------------------------------------------------


def test_a_job_broker_signs_in_without_a_code_until_they_turn_it_on(alice):
    client = password_sign_in(alice)
    assert client.get(reverse("caseload")).status_code == 200
    security = client.get(reverse("account_security")).content.decode()
    assert "Two-factor sign-in is off" in security

    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=alice)
    assert client.post(reverse("two_factor_setup"), {"token": code_for(device)}).status_code == 302
    assert "Two-factor sign-in is on" in client.get(reverse("account_security")).content.decode()
    assert client.get(reverse("caseload")).status_code == 200, "this session is verified by the set-up"

    again = password_sign_in(alice)
    assert lands_on(again, reverse("caseload")) == reverse("two_factor_verify")
    assert again.post(reverse("two_factor_verify"), {"token": code_for(device, steps_ahead=1)}).status_code == 302
    assert again.get(reverse("caseload")).status_code == 200


def test_a_job_broker_may_turn_it_off_again(alice):
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = password_sign_in(alice)
    client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert client.post(reverse("two_factor_turn_off")).status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert password_sign_in(alice).get(reverse("caseload")).status_code == 200


def test_the_security_pages_need_a_signed_in_user(client):
    for name in ("account_security", "two_factor_setup", "two_factor_verify"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
    assert client.post(reverse("two_factor_turn_off")).status_code == 302
