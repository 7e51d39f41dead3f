"""jobbro settings: everything comes from JOBBRO_* environment variables.

Development defaults are safe to run on a laptop; with JOBBRO_PRODUCTION=1 the
settings refuse the development defaults (generated keys, debug, SQLite secrets).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from jobbro import devkeys

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("JOBBRO_DATA_DIR", BASE_DIR / "var"))
# Register panels (pseudonymised Parquet files from Statistics Denmark) live here, one directory per programme,
# beside the database and never in it (docs/effect.md).
REGISTER_DIR = Path(os.environ.get("JOBBRO_REGISTER_DIR", DATA_DIR / "register"))


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_flag("JOBBRO_PRODUCTION")
DEBUG = env_flag("JOBBRO_DEBUG", default=not PRODUCTION)

if PRODUCTION:
    missing = [
        name
        for name in ("JOBBRO_SECRET_KEY", "JOBBRO_CPR_KEYS", "JOBBRO_CPR_HASH_KEY", "JOBBRO_DATABASE_URL")
        if not os.environ.get(name)
    ]
    if missing:
        raise ImproperlyConfigured("Production mode refuses development defaults; set " + ", ".join(missing))
    if DEBUG:
        raise ImproperlyConfigured("Production mode refuses JOBBRO_DEBUG=1")
    dev_keys = {}
else:
    # Generated once per checkout and kept in var/, so demo data stays readable.
    dev_keys = devkeys.load_or_create(DATA_DIR / "dev-keys.json")

SECRET_KEY = os.environ.get("JOBBRO_SECRET_KEY") or dev_keys["secret_key"]
# Fernet keys, newest first, comma-separated: the first encrypts, all decrypt (key rotation).
CPR_KEYS = [k.strip() for k in (os.environ.get("JOBBRO_CPR_KEYS") or dev_keys["cpr_key"]).split(",") if k.strip()]
CPR_HASH_KEY = os.environ.get("JOBBRO_CPR_HASH_KEY") or dev_keys["cpr_hash_key"]
# Links for people without an account (jobbro/portal): the key of their tokens' HMAC-SHA256 digests (changing it ends
# every link issued) and how many days a new link works.
PORTAL_LINK_KEY = os.environ.get("JOBBRO_PORTAL_LINK_KEY") or SECRET_KEY
PORTAL_LINK_DAYS = int(os.environ.get("JOBBRO_PORTAL_LINK_DAYS", "30"))
# Integrations of the JSON API (jobbro/api, docs/api.md): the key of their tokens' HMAC-SHA256 digests (changing it
# ends every token), how many days a new token works, and how many requests a token may make (DRF's rate syntax).
API_TOKEN_KEY = os.environ.get("JOBBRO_API_TOKEN_KEY") or SECRET_KEY
API_TOKEN_DAYS = int(os.environ.get("JOBBRO_API_TOKEN_DAYS", "365"))
API_RATE = os.environ.get("JOBBRO_API_RATE", "600/minute")
# How many days a questionnaire's link works (docs/questionnaires.md); its digest is keyed with PORTAL_LINK_KEY.
SURVEY_LINK_DAYS = int(os.environ.get("JOBBRO_SURVEY_LINK_DAYS", "60"))

ALLOWED_HOSTS = [h for h in os.environ.get("JOBBRO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JOBBRO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "jobbro.accounts.admin_site.JobbroAdminConfig",  # django.contrib.admin, for administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "jobbro.accounts",
    "jobbro.people",
    "jobbro.companies",
    "jobbro.cases",
    "jobbro.audit",
    "jobbro.reporting",
    "jobbro.effect",
    "jobbro.matching",
    "jobbro.meetings",
    "jobbro.imports",
    "jobbro.exchange",
    "jobbro.outreach",
    "jobbro.netgain",
    "jobbro.surveys",
    "jobbro.messaging",
    "jobbro.portal",
    "jobbro.api",
    "rest_framework",
    "drf_spectacular",
    "jobbro.privacy",
    "jobbro.demo",
    "jobbro.web",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "djangosaml2",
    # After jobbro.imports, whose db_worker (the same worker plus jobbro's periodic jobs) takes precedence.
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache and only pages get no-store and the policies.
    "jobbro.web.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",
    "jobbro.web.middleware.DanishFirstLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jobbro.accounts.signin.IdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jobbro.accounts.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jobbro.urls"
WSGI_APPLICATION = "jobbro.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jobbro" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jobbro.web.context_processors.navigation",
                "jobbro.accounts.context_processors.capabilities",
            ],
            "builtins": ["jobbro.web.templatetags.jobbro_tags"],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("JOBBRO_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'jobbro.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The reports are a handful of aggregate queries over the timesheets. PostgreSQL's JIT compiler costs more
    # than it saves on them (its cost estimate is far off), and a larger work_mem keeps their sorts in memory.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c work_mem=32MB"

# Counters that must hold across every server process (wrong tablet codes per network address) live in the
# database; the table is created by a migration. Everything else may stay in each process's memory.
SHARED_CACHE_TABLE = "jobbro_shared_cache"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": SHARED_CACHE_TABLE},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite builds covering indexes without their included columns; that is all W040 says, and it is fine there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jobbro" / "locale"]
FORMAT_MODULE_PATH = ["jobbro.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("JOBBRO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# The favicon (and anything else browsers ask for at the root) is served by WhiteNoise from here.
WHITENOISE_ROOT = BASE_DIR / "jobbro" / "public"
# Browsers fetch the fonts as WOFF2, already compressed; the older formats are never worth compressing again.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "ttf",
    "otf",
    "eot",
    "map",
]
if PRODUCTION:
    # Collected files get a content hash in their name, so WhiteNoise can let browsers cache them for a year;
    # the unhashed copies are not kept.
    WHITENOISE_KEEP_ONLY_HASHED_FILES = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "jobbro.staticstorage.HashedGzipStaticFilesStorage"},
    }
DKFDS_DIST = BASE_DIR / "node_modules" / "dkfds" / "dist"
# Only the parts of the design system the stylesheet uses: its CSS, icons and the complete font files.
STATICFILES_DIRS = [
    ("dkfds/css", DKFDS_DIST / "css"),
    ("dkfds/img", DKFDS_DIST / "img"),
    ("dkfds/fonts/IBMPlexSans/complete", DKFDS_DIST / "fonts" / "IBMPlexSans" / "complete"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    BASE_DIR / "jobbro" / "static",
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- HTTPS, the reverse proxy and the security headers -------------------------------------------------
# The proxy in front of the app servers is described by the JOBBRO_PROXY_* family (see docs/operations.md):
# JOBBRO_PROXY_SSL_HEADER here, JOBBRO_PROXY_CLIENT_IP_HEADER and JOBBRO_PROXY_COUNT with the sign-in settings.
# Header names are given as sent (X-Forwarded-Proto); empty means no proxy header is trusted.
_proxy_ssl_header = os.environ.get("JOBBRO_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# Only when the proxy does not pass the Host header on; ALLOWED_HOSTS still applies to the forwarded name.
USE_X_FORWARDED_HOST = env_flag("JOBBRO_PROXY_FORWARDED_HOST")

SECURE_SSL_REDIRECT = env_flag("JOBBRO_SSL_REDIRECT", default=PRODUCTION)
# The load balancer's health probe talks plain HTTP to each app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz reports the queue as stalled when a due task has waited longer than this for a worker (0: never).
HEALTH_QUEUE_MAX_WAIT_SECONDS = int(os.environ.get("JOBBRO_HEALTH_QUEUE_MAX_WAIT_SECONDS", "0"))
SECURE_HSTS_SECONDS = int(os.environ.get("JOBBRO_HSTS_SECONDS", 365 * 24 * 60 * 60 if PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("JOBBRO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("JOBBRO_HSTS_PRELOAD")
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # Preloading binds the whole domain (often the municipality's own) in every browser for good: a decision
    # for the domain's owner, made with JOBBRO_HSTS_PRELOAD=1, not a default of one application.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by jobbro.web.middleware.SecurityHeadersMiddleware: no page needs these browser features.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Content-Security-Policy (django-csp 4): only our own scripts and styles, no inline script at all.
# Sign-in through an identity provider may post a form to it: add its origin to JOBBRO_CSP_FORM_ACTION.
CSP_FORM_ACTION = [o for o in os.environ.get("JOBBRO_CSP_FORM_ACTION", "").split(",") if o]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bars whose length is the figure (score, share of a target) are drawn with a width in a style attribute.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *CSP_FORM_ACTION],
    },
}

# --- Background work: imports, report-fact refreshes -------------------------------------------------------
# Tasks are rows in the database; `manage.py db_worker` runs them (any number of workers, on any machine that
# reaches the database) and every WORKER_PERIODIC_SECONDS also runs the periodic jobs below (docs/operations.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_PERIODIC_SECONDS = int(os.environ.get("JOBBRO_WORKER_PERIODIC_SECONDS", "60"))
WORKER_PERIODIC_JOBS = [
    "jobbro.imports.tasks.sweep",
    "jobbro.reporting.tasks.catch_up_facts_now",
    "jobbro.reporting.company_facts.catch_up_all",
    "jobbro.matching.tasks.sweep",
    "jobbro.effect.runs.sweep",  # effect runs whose worker stopped
    "jobbro.effect.tasks.sweep",  # register imports whose worker is gone
    "jobbro.matching.pool.forget_old_changes",  # change rows older than two days
    "jobbro.planner_statistics.refresh_when_due",  # ANALYZE, at most every 6 hours per worker
    "jobbro.messaging.tasks.sweep",  # due retries of messages, and messages whose worker stopped
    "jobbro.messaging.periodic.send_small_jobs_lists",  # once a fortnight per subscriber
    "jobbro.messaging.periodic.remind_missing_hours",  # once a week per placement and recipient
    "jobbro.privacy.tasks.apply_when_due",  # erase what the retention periods say is due (docs/privacy.md)
    "jobbro.privacy.export_tasks.sweep",  # citizens' data exports: lost runs failed, expired ZIPs deleted
]
# Retention (docs/privacy.md): the worker erases the records whose period after the citizen's exit has run out, at
# most every JOBBRO_RETENTION_EVERY_SECONDS; JOBBRO_RETENTION_APPLY=0 stops it (the preview page still shows what is
# due, and erasure on request still works). The periods themselves are set by administrators on a page.
RETENTION_APPLY = os.environ.get("JOBBRO_RETENTION_APPLY", "1") not in ("0", "false", "False", "")
RETENTION_EVERY_SECONDS = int(os.environ.get("JOBBRO_RETENTION_EVERY_SECONDS", "3600"))
# A citizen's data export (prepared by the worker, kept encrypted) is deleted this many days after it was requested.
PRIVACY_EXPORT_DAYS = int(os.environ.get("JOBBRO_PRIVACY_EXPORT_DAYS", "7"))
# The assignment proposal keeps each waiting citizen's best small jobs and each small job's best citizens, this
# many of each, and finds the best assignment among those pairs (docs/matching.md).
ASSIGNMENT_CANDIDATES = int(os.environ.get("JOBBRO_ASSIGNMENT_CANDIDATES", "20"))
# A running import writes a heartbeat every second; one silent for this long has lost its worker.
IMPORT_STALE_SECONDS = int(os.environ.get("JOBBRO_IMPORT_STALE_SECONDS", "120"))
# Uploaded files are kept (encrypted) at most this long, for the real import after a dry run.
IMPORT_RETENTION_DAYS = int(os.environ.get("JOBBRO_IMPORT_RETENTION_DAYS", "30"))
# What one import may hold, checked while the file is read (docs/import.md).
IMPORT_MAX_MB = int(os.environ.get("JOBBRO_IMPORT_MAX_MB", "200"))
IMPORT_MAX_ROWS = int(os.environ.get("JOBBRO_IMPORT_MAX_ROWS", "1000000"))
IMPORT_MAX_COLUMNS = 200
IMPORT_MAX_CELL_CHARACTERS = 32767  # Excel's own limit

# --- Messages: e-mail over SMTP, SMS through a gateway (docs/messages.md, docs/operations.md) -------------------
# With JOBBRO_EMAIL_HOST set, e-mails go through that SMTP server; without it development and the demo write each
# e-mail as a file under var/mail/, and production hands them to the mail server on the machine itself
# (localhost:25). JOBBRO_EMAIL_BACKEND overrides both (e.g. the console backend).
_EMAIL_HOST_SET = bool(os.environ.get("JOBBRO_EMAIL_HOST"))
EMAIL_HOST = os.environ.get("JOBBRO_EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("JOBBRO_EMAIL_PORT", "587" if _EMAIL_HOST_SET else "25"))
EMAIL_HOST_USER = os.environ.get("JOBBRO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JOBBRO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_flag("JOBBRO_EMAIL_USE_TLS", default=_EMAIL_HOST_SET)
EMAIL_TIMEOUT = int(os.environ.get("JOBBRO_EMAIL_TIMEOUT", "30"))
EMAIL_BACKEND = os.environ.get("JOBBRO_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if _EMAIL_HOST_SET or PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("JOBBRO_EMAIL_FROM", "jobbro@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = os.environ.get("JOBBRO_SMS_BACKEND", "jobbro.messaging.sms.FileBackend")
SMS_FILE = DATA_DIR / "sms" / "outbox.jsonl"
SMS_URL = os.environ.get("JOBBRO_SMS_URL", "")
SMS_TOKEN = os.environ.get("JOBBRO_SMS_TOKEN", "")
if PRODUCTION and SMS_BACKEND.endswith("HttpBackend") and not SMS_URL:
    raise ImproperlyConfigured("The HTTP SMS gateway needs JOBBRO_SMS_URL")
# A message that could not be sent is tried again after these pauses (seconds), at most MESSAGE_MAX_ATTEMPTS times.
MESSAGE_RETRY_SECONDS = [60, 5 * 60, 30 * 60, 2 * 60 * 60]
MESSAGE_MAX_ATTEMPTS = int(os.environ.get("JOBBRO_MESSAGE_MAX_ATTEMPTS", "5"))
# jobbro's own address as people outside it reach it: unsubscribe links in e-mails start with it.
SITE_URL = os.environ.get("JOBBRO_SITE_URL", "http://127.0.0.1:8000")
# The fortnightly small-jobs list goes out on the fortnight's first Monday from this hour; reminders of last week's
# missing hours from this weekday (1 = Monday) and hour, with a link to write them from the portal's link issuer.
SMALL_JOBS_LIST_HOUR = int(os.environ.get("JOBBRO_SMALL_JOBS_LIST_HOUR", "7"))
HOURS_REMINDER_WEEKDAY = int(os.environ.get("JOBBRO_HOURS_REMINDER_WEEKDAY", "2"))
HOURS_REMINDER_HOUR = int(os.environ.get("JOBBRO_HOURS_REMINDER_HOUR", "9"))
HOURS_REMINDER_LINK_ISSUER = "jobbro.portal.links.issue"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request lines carry only paths (CPR never appears in a path, see people/cpr.py); query strings, which could
    # hold a searched name, are cut from every message, the development server's request lines included.
    "filters": {"no_query_strings": {"()": "jobbro.logfilters.StripQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("JOBBRO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default sends its messages to a console handler of its own as well as up to the root: each
        # line would be printed twice. Here they go up to the root's handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The SAML library's schema loader says at INFO on every start that a schema is already loaded.
        "xmlschema": {"level": "WARNING"},
    },
}

# --- Sign-in: lockout, two-factor, single sign-on, idle timeout (docs/operations.md, "Sign-in") ---------------------

# The header a trusted reverse proxy puts the client's address in (e.g. X-Forwarded-For), and how many proxies
# append to it; empty means the connecting address is the client's. Wrong passwords are counted per address.
_proxy_header = os.environ.get("JOBBRO_PROXY_CLIENT_IP_HEADER", "").strip()
PROXY_CLIENT_IP_HEADER = "HTTP_" + _proxy_header.upper().replace("-", "_") if _proxy_header else ""
PROXY_COUNT = max(1, int(os.environ.get("JOBBRO_PROXY_COUNT", "1")))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account or address before any password check
    "django.contrib.auth.backends.ModelBackend",
]
SIGNIN_FAILURES_PER_ACCOUNT = int(os.environ.get("JOBBRO_SIGNIN_FAILURES_PER_ACCOUNT", "5"))
SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("JOBBRO_SIGNIN_FAILURES_PER_ADDRESS", "30"))
SIGNIN_LOCK_MINUTES = int(os.environ.get("JOBBRO_SIGNIN_LOCK_MINUTES", "15"))
AXES_HANDLER = "jobbro.accounts.signin.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own: per account, and per address
AXES_FAILURE_LIMIT = SIGNIN_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGNIN_LOCK_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "jobbro.accounts.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "jobbro.accounts.signin.lockout_response"
AXES_VERBOSE = False

# Idle timeout: signed out after this many minutes without a request; the cookie ends with the browser.
IDLE_TIMEOUT_MINUTES = int(os.environ.get("JOBBRO_IDLE_TIMEOUT_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60 + 120  # the stored session outlives the idle limit by its refresh step

# TOTP two-factor: required for administrators, and for anyone who has turned it on.
OTP_TOTP_ISSUER = os.environ.get("JOBBRO_OTP_ISSUER", "jobbro")

# Single sign-on with the municipality's identity provider (docs/operations.md, "Sign-in"). jobbro's public address,
# which the identity provider sends users back to:
SSO_BASE_URL = os.environ.get("JOBBRO_SSO_BASE_URL", "http://127.0.0.1:8000")
# Which claims (SAML attributes) carry what, and which group gives which role ("group=role,..."; empty: the
# group "jobbro-<role>" for each role).
SSO_CLAIMS = {
    "username": os.environ.get("JOBBRO_SSO_CLAIM_USERNAME", "preferred_username"),
    "first_name": os.environ.get("JOBBRO_SSO_CLAIM_FIRST_NAME", "given_name"),
    "last_name": os.environ.get("JOBBRO_SSO_CLAIM_LAST_NAME", "family_name"),
    "email": os.environ.get("JOBBRO_SSO_CLAIM_EMAIL", "email"),
    "groups": os.environ.get("JOBBRO_SSO_CLAIM_GROUPS", "groups"),
    "sites": os.environ.get("JOBBRO_SSO_CLAIM_SITES", "jobbro_sites"),
    "programmes": os.environ.get("JOBBRO_SSO_CLAIM_PROGRAMMES", "jobbro_programmes"),
}
SSO_ROLE_GROUPS = os.environ.get("JOBBRO_SSO_ROLE_GROUPS", "")

# SAML 2.0 (djangosaml2): on when the identity provider's metadata is given, by address or file.
SAML_IDP_METADATA_URL = os.environ.get("JOBBRO_SAML_IDP_METADATA_URL", "")
SAML_IDP_METADATA_FILE = os.environ.get("JOBBRO_SAML_IDP_METADATA_FILE", "")
SAML_ENTITY_ID = os.environ.get("JOBBRO_SAML_ENTITY_ID", "")  # default: the metadata address under SSO_BASE_URL
SAML_CERT_FILE = os.environ.get("JOBBRO_SAML_CERT_FILE", "")  # jobbro's own key pair: signs requests, decrypts
SAML_KEY_FILE = os.environ.get("JOBBRO_SAML_KEY_FILE", "")
SAML_XMLSEC_BINARY = os.environ.get("JOBBRO_SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1")
SAML_ENABLED = bool(SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE)
if SAML_ENABLED and not (SAML_CERT_FILE and SAML_KEY_FILE):
    raise ImproperlyConfigured("SAML sign-in needs JOBBRO_SAML_CERT_FILE and JOBBRO_SAML_KEY_FILE")
SAML_CONFIG_LOADER = "jobbro.accounts.sso.saml_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"  # a redirect: no page of ours posts
SAML_ATTRIBUTE_MAPPING = {SSO_CLAIMS["username"]: ("username",)}
SAML_CREATE_UNKNOWN_USER = True
SAML_SESSION_COOKIE_NAME = "jobbro_saml_session"

# OpenID Connect (mozilla-django-oidc): on when a client id is given with the provider's endpoints.
OIDC_ISSUER = os.environ.get("JOBBRO_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("JOBBRO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("JOBBRO_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("JOBBRO_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("JOBBRO_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("JOBBRO_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("JOBBRO_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("JOBBRO_OIDC_SIGN_ALGORITHM", "RS256")
OIDC_RP_SCOPES = os.environ.get("JOBBRO_OIDC_SCOPES", "openid profile email groups")
OIDC_USE_PKCE = True
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED and not all(
    (
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        OIDC_OP_JWKS_ENDPOINT,
        OIDC_RP_CLIENT_SECRET,
    )
):
    raise ImproperlyConfigured("OpenID Connect sign-in needs every JOBBRO_OIDC_*_ENDPOINT and the client secret")

if PRODUCTION and SAML_ENABLED and not SSO_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("Production mode needs JOBBRO_SSO_BASE_URL to be jobbro's https:// address")
if SAML_ENABLED:
    AUTHENTICATION_BACKENDS.append("jobbro.accounts.sso.SamlBackend")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("jobbro.accounts.sso.OidcBackend")
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=refused"  # where a refused single sign-on lands

# The JSON API (jobbro/api, docs/api.md): a token per integration, never a session; every answer JSON; limit/offset
# pages; the rate per token from JOBBRO_API_RATE, counted in the shared cache so every server process counts alike.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jobbro.api.authentication.IntegrationTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["jobbro.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["jobbro.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "jobbro.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "jobbro.api.schema.ScopedAutoSchema",
    "EXCEPTION_HANDLER": "jobbro.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jobbro API",
    "DESCRIPTION": "Read and write jobbro's records and read the reports' figures; see docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {
        "ContactKindEnum": "jobbro.api.serializers.CONTACT_KINDS",
        "CompanyKindEnum": "jobbro.api.serializers.COMPANY_KINDS",
        "PlacementKindEnum": "jobbro.cases.models.PlacementKind.choices",
        "PlacementEndReasonEnum": "jobbro.cases.models.PlacementEndReason.choices",
        "TrafficLightEnum": "jobbro.people.models.TrafficLight.choices",
        "StepEnum": "jobbro.cases.models.Step.choices",
        "NewStepEnum": "jobbro.api.serializers.STEPS_TO_CHOOSE",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jobbro.api.schema.add_error_answers",
    ],
}
