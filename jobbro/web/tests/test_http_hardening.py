"""Hardened HTTP: the security headers, no-store on everything with personal data, no inline script in any
template, Danish error pages, the favicon, and production settings that `check --deploy` finds clean."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "jobbro" / "templates", *sorted((ROOT / "jobbro").glob("*/templates"))]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


# --- Content-Security-Policy ----------------------------------------------------------------------------------


def assert_strict_policy(response):
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"], "no 'unsafe-inline', no 'unsafe-eval', no other origin"
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_every_page_forbids_inline_script_framing_and_foreign_sources(client, world):
    assert_strict_policy(client.get(reverse("login")))
    client.force_login(world.alice)
    assert_strict_policy(client.get(reverse("citizen_list")))
    assert_strict_policy(client.get(reverse("citizen_detail", kwargs={"citizen_pk": world.alices_citizen.pk})))


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def test_no_template_has_inline_script_an_event_handler_attribute_or_a_javascript_url():
    offenders = []
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50  # the scan finds the templates
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
            offenders += [f"{path.relative_to(ROOT)}: {match.group(0)[:80]}" for match in pattern.finditer(text)]
    assert not offenders, "move these into a file under jobbro/static/:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "snippet",
    ["<script>alert(1)</script>", '<button onclick="go()">', '<script type="module">', '<a href="javascript:go()">'],
)
def test_the_template_scan_would_catch_each_kind_of_inline_script(snippet):
    assert any(pattern.search(snippet) for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL))
    assert not any(p.search('<script src="/static/a.js" defer></script>') for p in (INLINE_SCRIPT, EVENT_HANDLER))


# --- The other headers --------------------------------------------------------------------------------------


def test_pages_send_referrer_permissions_content_type_and_opener_policies(client):
    response = client.get(reverse("login"))
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_signed_in_users_pages_and_exports_are_never_stored(client, world, coordinator):
    client.force_login(world.alice)
    for url in (reverse("citizen_list"), reverse("citizen_detail", kwargs={"citizen_pk": world.alices_citizen.pk})):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", url
    client.force_login(coordinator)
    export = client.get(reverse("opening_board_xlsx"))
    assert export.status_code == 200 and "spreadsheet" in export["Content-Type"]
    assert export["Cache-Control"] == "no-store"


def test_anonymous_answers_are_not_stored_either(client, db):
    for url in (reverse("login"), "/no-such-page/", reverse("healthz")):
        assert client.get(url)["Cache-Control"] == "no-store", url


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/jobbro/favicon[^"]*\.svg" type="image/svg\+xml">', page)


# --- Danish error pages (tests run with DEBUG off, as production does) -----------------------------------------


def test_a_missing_page_answers_in_danish_the_same_bytes_every_time(client, world):
    assert not settings.DEBUG
    client.force_login(world.alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Siden findes ikke" in page and "Page not found" not in page
    assert 'class="jb-header"' in page and "/static/jobbro/jobbro.css" in page
    # No per-request token in it, so a denial cannot be told from a miss (see test_views.py).
    assert client.get("/another-missing-page/").content == response.content


def test_a_refused_page_answers_in_danish(world):
    request = RequestFactory().get("/citizens/")
    request.user = world.alice
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Du har ikke adgang til denne side" in response.content.decode()


def test_the_error_page_answers_in_danish_without_the_database():
    # No database fixture: a single query would fail this test.
    request = RequestFactory().get("/reports/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Der skete en fejl" in page
    assert "/static/dkfds/css/dkfds.min.css" in page


def test_a_form_sent_without_its_security_token_is_refused_in_danish(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formularen kunne ikke sendes" in response.content.decode()


# --- Production settings ------------------------------------------------------------------------------------


def production_env(**extra):
    # The test process's own settings (and its async-unsafe switch for the browser tests) stay behind.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBBRO_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="jobbro.settings",
        JOBBRO_PRODUCTION="1",
        JOBBRO_SECRET_KEY="a-production-secret-key-" + "x7Kq2mZ9vB4nR8tL1pW6yH3jD5fG0sA" * 2,
        JOBBRO_CPR_KEYS=Fernet.generate_key().decode(),
        JOBBRO_CPR_HASH_KEY="b" * 64,
        JOBBRO_DATABASE_URL="sqlite:///" + str(ROOT / "var" / "never-opened.sqlite3"),
        JOBBRO_ALLOWED_HOSTS="jobbro.kommune.dk",
    )
    env.update(extra)
    return env


def settings_in(env, *names):
    code = "import json, django; django.setup(); from django.conf import settings as s; " + (
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_mode_turns_on_hsts_the_https_redirect_and_hashed_static_files():
    values = settings_in(
        production_env(),
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "STORAGES",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DEBUG",
    )
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # no proxy header is trusted unless named
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "jobbro.staticstorage.HashedGzipStaticFilesStorage"
    assert values["DEBUG"] is False


def test_production_static_files_are_whitenoises_hashed_and_compressed_ones():
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from jobbro.staticstorage import HashedGzipStaticFilesStorage

    assert issubclass(HashedGzipStaticFilesStorage, CompressedManifestStaticFilesStorage)


def test_the_proxy_the_hsts_time_and_the_sign_in_form_targets_are_configurable():
    values = settings_in(
        production_env(
            JOBBRO_PROXY_SSL_HEADER="X-Forwarded-Proto",
            JOBBRO_PROXY_FORWARDED_HOST="1",
            JOBBRO_HSTS_SECONDS="600",
            JOBBRO_HSTS_INCLUDE_SUBDOMAINS="0",
            JOBBRO_SSL_REDIRECT="0",
            JOBBRO_CSP_FORM_ACTION="https://idp.kommune.dk",
        ),
        "SECURE_PROXY_SSL_HEADER",
        "USE_X_FORWARDED_HOST",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "CONTENT_SECURITY_POLICY",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["USE_X_FORWARDED_HOST"] is True
    assert (values["SECURE_HSTS_SECONDS"], values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (600, False)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'", "https://idp.kommune.dk"]


def test_check_deploy_is_clean_in_production_mode():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output


def test_the_administration_pages_have_no_inline_script_either(client, world, start):
    from jobbro.conftest import make_user

    root = make_user("root", "administrator")
    root.is_superuser = root.is_staff = True
    root.save()
    placement = start(world.alices_enrolment)
    client.force_login(root)
    pages = [
        reverse("admin:index"),
        reverse("admin:people_citizen_changelist"),
        reverse("admin:people_citizen_change", args=[world.alices_citizen.pk]),
        reverse("admin:cases_placement_change", args=[placement.pk]),
        reverse("admin:cases_enrolment_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        inline = INLINE_SCRIPT.findall(html) + EVENT_HANDLER.findall(html) + JAVASCRIPT_URL.findall(html)
        assert not inline, f"{url}: {inline}"
        assert "script-src 'self'" in response["Content-Security-Policy"]
