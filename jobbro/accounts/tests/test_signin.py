"""Password sign-in: lockout per account and per address, the lockout page, unlocking, the idle timeout."""

import time

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from jobbro.accounts import signin
from jobbro.accounts.client_address import client_ip

PASSWORD = "korrekt-hest-batteri"
LOGIN = reverse("login")


def sign_in(client, username, password, address="10.0.0.1", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def signed_in(client):
    return "_auth_user_id" in client.session


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def danish_client():
    client = Client()
    client.cookies["django_language"] = "da"
    return client


def test_a_wrong_password_is_a_plain_refusal_and_the_right_one_signs_in(danish_client, alice):
    assert sign_in(danish_client, "alice", "forkert").status_code == 200
    assert not signed_in(danish_client)
    response = sign_in(danish_client, "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(danish_client)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(danish_client, alice):
    statuses = [sign_in(danish_client, "alice", f"forkert-{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    locked = sign_in(danish_client, "alice", PASSWORD)
    assert locked.status_code == 429
    assert not signed_in(danish_client)
    page = locked.content.decode()
    assert "Log-ind er spærret" in page and "Prøv igen efter kl." in page
    assert 'name="password"' not in page, "the lockout answer is not the login form again"


def test_the_account_lock_holds_from_another_address(alice):
    for n in range(5):
        sign_in(Client(), "alice", f"forkert-{n}", address=f"10.0.1.{n}")
    assert sign_in(Client(), "alice", PASSWORD, address="10.9.9.9").status_code == 429


def test_an_address_is_locked_after_its_limit_for_every_account(alice, bob, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 8
    for n in range(8):  # spread over accounts, so no single account reaches its own limit
        sign_in(Client(), f"guess-{n}", "forkert", address="192.0.2.7")
    assert sign_in(Client(), "bob", PASSWORD, address="192.0.2.7").status_code == 429
    assert sign_in(Client(), "bob", PASSWORD, address="192.0.2.8").status_code == 302, "another address is not locked"


def test_signing_in_clears_only_ones_own_failures(alice, bob):
    """Otherwise anyone with an account could wipe the count against a colleague's by signing in from the same address."""
    for n in range(4):
        sign_in(Client(), "alice", f"forkert-{n}", address="10.5.5.5")
        sign_in(Client(), "bob", f"forkert-{n}", address="10.5.5.5")
    assert sign_in(Client(), "bob", PASSWORD, address="10.5.5.5").status_code == 302
    assert not AccessAttempt.objects.filter(username="bob").exists(), "bob's own failures are cleared"
    sign_in(Client(), "alice", "forkert-4", address="10.5.5.5")
    assert sign_in(Client(), "alice", PASSWORD, address="10.5.5.5").status_code == 429, "alice's still count"


def test_behind_a_proxy_the_address_is_the_one_the_proxy_names(alice, bob, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 5
    settings.PROXY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.10.10.10"
    for n in range(5):
        sign_in(Client(), f"guess-{n}", "forkert", address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert AccessAttempt.objects.filter(ip_address="198.51.100.1").count() == 5
    # Someone else at the same proxy is not locked out; a forged left-most entry does not escape the lock.
    assert sign_in(Client(), "bob", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    forged = sign_in(Client(), "alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert forged.status_code == 429


def test_the_lock_ends_after_the_cool_off(alice, settings):
    for n in range(5):
        sign_in(Client(), "alice", f"forkert-{n}")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time.replace(year=2020))
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_in_the_administration(alice, administrator):
    for n in range(5):
        sign_in(Client(), "alice", f"forkert-{n}")
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429

    administrator.is_staff = administrator.is_superuser = True  # as the demo's administrator, who uses the admin
    administrator.save()
    admin = Client()
    sign_in(admin, administrator.username, PASSWORD, address="10.0.0.99")
    device = TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    assert admin.post(reverse("two_factor_verify"), {"token": code_for(device)}).status_code == 302
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "alice" in admin.get(changelist).content.decode()
    attempts = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
    response = admin.post(changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302


def test_a_job_broker_cannot_reach_the_lockout_records(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


# --- Sessions -------------------------------------------------------------------------------------------------------


def test_the_session_cookie_ends_with_the_browser(alice):
    client = Client()
    sign_in(client, "alice", PASSWORD)
    cookie = client.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"], "a browser-session cookie has no expiry"


@override_settings(IDLE_TIMEOUT_MINUTES=30)
def test_a_session_idle_past_the_timeout_is_sent_to_sign_in(alice, monkeypatch):
    client = Client()
    sign_in(client, "alice", PASSWORD)
    assert client.get(reverse("caseload")).status_code == 200
    started = time.time()
    monkeypatch.setattr(signin.time, "time", lambda: started + 29 * 60)
    assert client.get(reverse("caseload")).status_code == 200, "used within the timeout"
    monkeypatch.setattr(signin.time, "time", lambda: started + 29 * 60 + 31 * 60)
    response = client.get(reverse("caseload"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not signed_in(client)


def test_the_session_is_written_at_most_once_a_minute(alice, monkeypatch):
    """A session write per request would serialise a user's requests on the session row."""
    client = Client()
    sign_in(client, "alice", PASSWORD)
    assert session_writes(client, reverse("caseload")) == 0, "the sign-in started the clock"
    now = time.time()
    monkeypatch.setattr(signin.time, "time", lambda: now + 50)
    assert session_writes(client, reverse("caseload")) == 0, "no write within the minute"
    monkeypatch.setattr(signin.time, "time", lambda: now + 70)
    assert session_writes(client, reverse("caseload")) == 1
    assert client.session[signin.LAST_SEEN_KEY] == now + 70


def session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


# --- The client's address behind proxies ----------------------------------------------------------------------------

addresses = st.ip_addresses().map(str)


@given(
    client_written=st.lists(addresses, max_size=3),
    appended=st.lists(addresses, min_size=1, max_size=4),
    remote=addresses,
)
def test_the_client_is_the_entry_the_trusted_proxies_appended(client_written, appended, remote):
    """Each trusted proxy appends the address it saw; what the client wrote itself, further left, is never used."""
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=", ".join([*client_written, *appended])
    )
    with override_settings(PROXY_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", PROXY_COUNT=len(appended)):
        assert client_ip(request) == appended[0]
    with override_settings(
        PROXY_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", PROXY_COUNT=len(client_written) + len(appended) + 1
    ):
        assert client_ip(request) == remote, "fewer entries than proxies: not through them, the connection counts"
    with override_settings(PROXY_CLIENT_IP_HEADER=""):
        assert client_ip(request) == remote, "no proxy configured: the header is the client's own words"
