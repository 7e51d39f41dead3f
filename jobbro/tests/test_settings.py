"""Production mode refuses development defaults: missing keys and debug stop the process at start-up.

Each case loads the settings in a fresh interpreter with a controlled environment, as a server would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ["JOBBRO_SECRET_KEY", "JOBBRO_CPR_KEYS", "JOBBRO_CPR_HASH_KEY", "JOBBRO_DATABASE_URL"]
LOAD_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'cpr_keys': settings.CPR_KEYS, 'secure_cookies': settings.SESSION_COOKIE_SECURE, "
    "'engine': settings.DATABASES['default']['ENGINE'], 'secret': settings.SECRET_KEY}))"
)


def load_settings(tmp_path, **env):
    """Run `django.setup()` in a subprocess with only the given JOBBRO_* variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOBBRO_")}
    clean.update(DJANGO_SETTINGS_MODULE="jobbro.settings", JOBBRO_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def production_keys(tmp_path):
    return {
        "JOBBRO_SECRET_KEY": "s" * 50,
        "JOBBRO_CPR_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
        "JOBBRO_CPR_HASH_KEY": "h" * 32,
        "JOBBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_production_without_keys_refuses_to_start_and_names_what_is_missing(tmp_path):
    result = load_settings(tmp_path, JOBBRO_PRODUCTION="1")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in REQUIRED:
        assert name in result.stderr
    assert not (tmp_path / "dev-keys.json").exists(), "production must not generate development keys"


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_exactly_the_one_variable_missing(tmp_path, missing):
    env = production_keys(tmp_path)
    del env[missing]
    result = load_settings(tmp_path, JOBBRO_PRODUCTION="1", **env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message
    assert [name for name in REQUIRED if name in message] == [missing]


def test_production_with_every_key_set_starts_without_debug_and_with_secure_cookies(tmp_path):
    env = production_keys(tmp_path)
    result = load_settings(tmp_path, JOBBRO_PRODUCTION="1", **env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False
    assert loaded["secure_cookies"] is True
    assert loaded["cpr_keys"] == env["JOBBRO_CPR_KEYS"].split(",")
    assert loaded["secret"] == env["JOBBRO_SECRET_KEY"]
    assert not (tmp_path / "dev-keys.json").exists()


@pytest.mark.parametrize("flag", ["1", "true", "yes"])
def test_production_refuses_debug(tmp_path, flag):
    result = load_settings(tmp_path, JOBBRO_PRODUCTION="1", JOBBRO_DEBUG=flag, **production_keys(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JOBBRO_DEBUG" in result.stderr


def test_development_mode_generates_keys_once_and_keeps_them(tmp_path):
    first = load_settings(tmp_path)
    second = load_settings(tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    keys = json.loads((tmp_path / "dev-keys.json").read_text())
    loaded = [json.loads(r.stdout.strip().splitlines()[-1]) for r in (first, second)]
    assert loaded[0]["debug"] is True and loaded[0]["secure_cookies"] is False
    assert loaded[0]["cpr_keys"] == loaded[1]["cpr_keys"] == [keys["cpr_key"]]
    assert loaded[0]["secret"] == loaded[1]["secret"] == keys["secret_key"]
    assert loaded[0]["engine"] == "django.db.backends.sqlite3"


def test_a_django_log_line_is_printed_once(tmp_path):
    """Django's own messages (a page not found, a server error) reach the console once, not once per handler."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOBBRO_")}
    clean.update(DJANGO_SETTINGS_MODULE="jobbro.settings", JOBBRO_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /nowhere'); "
        "logging.getLogger('django.security').error('Invalid HTTP_HOST header')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr.count("Not Found: /nowhere") == 1
    assert result.stderr.count("Invalid HTTP_HOST header") == 1
