"""The production server as operators run it: `bin/serve web` (gunicorn, several workers, WhiteNoise) in
production mode, asked for a page, its stylesheet, the favicon and /healthz; its log has paths, never a
query string with a name in it."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from jobbro.web import health

ROOT = Path(settings.BASE_DIR)
SEARCHED_NAME = "Mette Sørensen"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url, headers=None, *, https=True):
    """Status, headers and body, as if through the proxy (which says the request came over HTTPS)."""
    request = urllib.request.Request(
        url, headers={**({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
    )
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """bin/serve web on a free port against a fresh SQLite database holding the task queue's table."""
    folder = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBBRO_", "DJANGO_"))}
    env.update(
        JOBBRO_PRODUCTION="1",
        JOBBRO_SECRET_KEY="production-test-" + "k3Jd9sLq0Zx7Vb2Nm5Hc8Tr1Wy4Pg6Fa" * 2,
        JOBBRO_CPR_KEYS=Fernet.generate_key().decode(),
        JOBBRO_CPR_HASH_KEY="c" * 64,
        JOBBRO_DATABASE_URL=f"sqlite:///{folder / 'jobbro.sqlite3'}",
        JOBBRO_STATIC_ROOT=str(folder / "static"),
        JOBBRO_BIND=f"127.0.0.1:{port}",
        JOBBRO_WEB_WORKERS="2",
        JOBBRO_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    python = str(ROOT / ".venv" / "bin" / "python")
    queue_app = health.task_result_model()._meta.app_label  # the only tables these requests need
    subprocess.run([python, "manage.py", "migrate", queue_app, "-v", "0"], cwd=ROOT, env=env, check=True)
    log = open(folder / "server.log", "w+")
    process = subprocess.Popen([str(ROOT / "bin" / "serve"), "web"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if get(base + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail("bin/serve web did not start:\n" + log.read())
        time.sleep(0.3)
    yield base, process, log
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    log.close()


def test_the_login_page_its_stylesheet_and_the_favicon_are_served(server):
    base, _, _ = server
    status, headers, body = get(base + "/login/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-store"
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    page = body.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheets and all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in stylesheets), stylesheets
    status, headers, css = get(base + stylesheets[0], {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    script = re.search(r'<script src="([^"]+htmx[^"]+)"', page).group(1)
    assert get(base + script)[0] == 200
    status, headers, icon = get(base + "/favicon.ico")
    assert status == 200 and icon[:4] == b"\x00\x00\x01\x00"


def test_healthz_reports_the_database_and_the_queue(server):
    base, _, _ = server
    status, headers, body = get(base + "/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert b'"database": "ok"' in body and b'"queue": "ok"' in body


def test_without_https_every_page_but_healthz_is_redirected(server):
    base, _, _ = server
    status, headers, _ = get(base + "/login/", https=False)
    assert status == 301 and headers["Location"] == base.replace("http://", "https://") + "/login/"
    assert get(base + "/healthz", https=False)[0] == 200


def test_the_log_has_paths_but_never_a_query_string(server):
    base, _, log = server
    query = urllib.parse.urlencode({"q": SEARCHED_NAME})
    assert get(f"{base}/login/?{query}")[0] == 200
    assert get(f"{base}/citizens/?{query}")[0] == 302  # to the login page, with the search in `next`
    assert get(f"{base}/no-such-page/?{query}")[0] == 404
    time.sleep(0.5)  # the access log line is written after the response
    log.seek(0)
    written = log.read()
    assert '"GET /no-such-page/ HTTP/1.1" 404' in written
    assert '"GET /citizens/ HTTP/1.1" 302' in written
    for leak in ("Mette", "S%C3%B8rensen", "Sørensen", "q="):
        assert leak not in written, written


def test_every_log_message_through_djangos_console_handler_loses_its_query_strings():
    import io
    import logging

    from jobbro.logfilters import StripQueryStrings

    assert settings.LOGGING["filters"]["no_query_strings"]["()"] == "jobbro.logfilters.StripQueryStrings"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["no_query_strings"]
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]  # runserver's request lines too
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(StripQueryStrings())
    logger = logging.getLogger("jobbro.tests.logfilter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('"GET %s HTTP/1.1" 200', f"/citizens/?q={urllib.parse.quote(SEARCHED_NAME)}&page=2")
        logger.warning("Not Found: %s", "/reports/status/?on=2026-01-01")
        logger.warning("no url here: 2 ? 3")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue().splitlines()
    assert written == ['"GET /citizens/ HTTP/1.1" 200', "Not Found: /reports/status/", "no url here: 2 ? 3"]
