"""AidBridge settings: one module, every knob from the environment.

With no environment at all it runs embedded: SQLite in the project folder, Celery tasks inline,
local-memory cache, e-mail as files in ``var/mail/``, development keys generated once into ``var/``.
Production sets ``DJANGO_DEBUG=false`` and must then provide the secret key, the allowed hosts
and the field-encryption keys, or it refuses to start.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
PRODUCTION = not DEBUG
# With DEBUG on, a wrong address and an uncaught error still get our Chinese pages (the demo
# runs with DEBUG on); a developer who wants Django's technical pages sets this to true.
TECHNICAL_ERROR_PAGES = env.bool("DJANGO_TECHNICAL_ERROR_PAGES", default=False)


def _dev_secrets() -> dict[str, str]:
    """Keys for the embedded default, generated once and kept in var/ (git-ignored).

    Kept on disk rather than made per process, so that encrypted rows written by one run stay
    readable by the next.
    """
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(exist_ok=True)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "field_encryption_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "field_hash_key": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def _required_in_production(name: str, dev_value: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is false.")
    return dev_value


_dev = {} if PRODUCTION else _dev_secrets()

SECRET_KEY = _required_in_production("DJANGO_SECRET_KEY", _dev.get("secret_key", ""))
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address of the site, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Personal fields: Fernet keys, newest first (MultiFernet decrypts with any, encrypts with the
# first); the blind-index key is separate so that rotating encryption keys keeps lookups working.
FIELD_ENCRYPTION_KEYS = [
    k.strip()
    for k in _required_in_production(
        "FIELD_ENCRYPTION_KEY", _dev.get("field_encryption_key", "")
    ).split(",")
    if k.strip()
]
FIELD_HASH_KEY = _required_in_production("FIELD_HASH_KEY", _dev.get("field_hash_key", ""))

INSTALLED_APPS = [
    "accounts.admin_site.AidBridgeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "auditlog",
    "axes",
    "csp",
    "accounts",
    "needs",
    "supply",
    "matching",
    "referrals",
    "reports",
    "oversight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A query string or form body not in its charset: 400 (not stored with "�").
    "accounts.middleware.RequestEncodingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.AuditlogMiddleware",
    "accounts.middleware.PrivateResponsesMiddleware",
    # Our Chinese 404/500 pages with DEBUG on too; inside CommonMiddleware (APPEND_SLASH still
    # redirects) and the session, user and CSP middleware (the page has its menu and headers).
    "accounts.middleware.ErrorPagesMiddleware",
    # A role restricted to some areas (member units' staff) gets 404 outside them.
    "accounts.middleware.RoleAreasMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# In production every service is named explicitly: no silent fall-back to the embedded ones.
DATABASES = {
    "default": env.db_url_config(
        _required_in_production("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions avoid "database is locked" when two requests write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Covering indexes' INCLUDE columns are a PostgreSQL speed-up (the demand signals' and the
    # household list's index-only scans); SQLite builds the same indexes without them.
    _SQLITE_SILENCED = ["models.W040"]
else:
    _SQLITE_SILENCED = []
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The ranked candidate search (matching/candidates.py) is costed above PostgreSQL's JIT
    # thresholds; compiling it took 6.5 of 6.6 s at 10,000 projects. Plain execution: ~0.2 s.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ---------------------------------------------------------------------------
REDIS_URL = _required_in_production("REDIS_URL", env.str("REDIS_URL", default=""))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "aidbridge",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker, tasks run inline in the calling process (the embedded default). Celery
# still opens a producer on the in-memory transport for an inline task; the host named here
# keeps kombu from warning "No hostname was supplied" on the embedded setup's every command.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Periodic jobs are declared in code; each app's issue adds its entries here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "sweep-notification-emails": {
        "task": "accounts.tasks.sweep_notification_emails",
        "schedule": 10 * 60,
        "options": {"expires": 9 * 60},
    },
    # The supply ledger is republished on 1 January and 1 July; suppliers are asked 30 days
    # before (1 June, 2 December) to confirm their listings.
    "supply-publish-edition": {
        "task": "supply.tasks.publish_edition",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year="1,7"),
        "options": {"expires": 6 * 3600},
    },
    # A missed 1 January / 1 July tick is caught up the next morning (nothing if it ran).
    "supply-catch-up-edition": {
        "task": "supply.tasks.catch_up_edition",
        "schedule": crontab(minute=0, hour=3),
        "options": {"expires": 12 * 3600},
    },
    "supply-remind-suppliers-june": {
        "task": "supply.tasks.remind_suppliers",
        "schedule": crontab(minute=0, hour=9, day_of_month=1, month_of_year=6),
        "options": {"expires": 12 * 3600},
    },
    "supply-remind-suppliers-december": {
        "task": "supply.tasks.remind_suppliers",
        "schedule": crontab(minute=0, hour=9, day_of_month=2, month_of_year=12),
        "options": {"expires": 12 * 3600},
    },
    "supply-flag-stale-listings": {
        "task": "supply.tasks.flag_stale_listings",
        "schedule": crontab(minute=30, hour=7),
        "options": {"expires": 12 * 3600},
    },
    # Applications without an answer: reminder at 10 days, county at 20, expired at 30;
    # feedback after delivery asked for every week until given.
    "matching-follow-up": {
        "task": "matching.tasks.follow_up_applications",
        "schedule": crontab(minute=0, hour=8),
        "options": {"expires": 12 * 3600},
    },
    # The organisations' matching figures the candidate search ranks by, recomputed nightly
    # (each answer and feedback updates its organisation at once).
    "matching-refresh-organization-figures": {
        "task": "matching.tasks.refresh_organization_figures",
        "schedule": crontab(minute=30, hour=1),
        "options": {"expires": 12 * 3600},
    },
    # Referrals: the receiver reminded when one is not received within its working days, the
    # civil affairs of the person's region told when one has no outcome after its days.
    "referrals-follow-up": {
        "task": "referrals.tasks.follow_up_referrals",
        "schedule": crontab(minute=30, hour=8),
        "options": {"expires": 12 * 3600},
    },
    # issue 12: reports. Last year's evaluation of every region down to the counties, one task
    # per region; builds and files whose worker died are handed out again every 10 minutes.
    "reports-build-yearly-evaluations": {
        "task": "reports.tasks.build_yearly_evaluations",
        "schedule": crontab(minute=0, hour=4, day_of_month=15, month_of_year=1),
        "options": {"expires": 12 * 3600},
    },
    # issue 14: complaints. The department reminded of an open complaint after 10 working days,
    # the department above told when one has no reply after its 15 working days.
    "oversight-follow-up-complaints": {
        "task": "oversight.tasks.follow_up_complaints",
        "schedule": crontab(minute=45, hour=8),
        "options": {"expires": 12 * 3600},
    },
    # issue 14: member units' aid records still waiting are matched to the households and
    # members recorded since (also a "match again" button on the civil-affairs queue).
    "oversight-match-waiting-aid-records": {
        "task": "oversight.tasks.match_waiting_aid_records",
        "schedule": crontab(minute=15, hour=2),
        "options": {"expires": 12 * 3600},
    },
    # issue 14: risk early warning. Every enabled rule computed in the database, the workers
    # and the county told of the new signals (oversight.risk).
    "oversight-compute-risk-signals": {
        "task": "oversight.tasks.compute_risk_signals",
        "schedule": crontab(minute=30, hour=2),
        "options": {"expires": 12 * 3600},
    },
    "reports-resume-jobs": {
        "task": "reports.tasks.resume_report_jobs",
        "schedule": 10 * 60,
        "options": {"expires": 9 * 60},
    },
}

# --- Auth and security -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RegionAwareModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout: five failures for one user name lock it for the cool-off time.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Locking by IP address as well would lock a whole township station, whose staff share one
# address behind NAT, after five typos by anyone there; the lock is per user name on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006", *_SQLITE_SILENCED]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Reverse proxies in front of gunicorn: how many X-Forwarded-For entries to trust (accounts.net).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.net.client_ip"

# Sessions: idle limit (sliding) and absolute limit (from login), see accounts.middleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content security policy: everything from our own origin, nothing inline, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- I18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail ----------------------------------------------------------------------------------
# The embedded default writes each message as a file under var/mail/ (the demo sends hundreds of
# notification e-mails; on the console they would bury the printed logins).
_email = env.email_url_config(_required_in_production("EMAIL_URL", "filemail://"))
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _email["EMAIL_FILE_PATH"] = str(BASE_DIR / (_email.get("EMAIL_FILE_PATH") or VAR_DIR / "mail"))
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AidBridge <noreply@aidbridge.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[AidBridge] "

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then gets 401 with WWW-Authenticate, not 403.
        "accounts.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # A role restricted to some areas (accounts.roles) gets 404 outside them.
        "accounts.api.permissions.WithinRoleAreas",
    ],
    # JSON bounded in size (413) and depth (400); forms and files as DRF parses them.
    "DEFAULT_PARSER_CLASSES": [
        "accounts.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.AidBridgeAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "accounts.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
}
# A filter's empty choice (django-filter's default is "---------").
FILTERS_EMPTY_CHOICE_LABEL = _("Any")
SPECTACULAR_SETTINGS = {
    "TITLE": "AidBridge API",
    "DESCRIPTION": "慈善帮扶资源供需对接平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A choice field that may hold "" says so with a separate BlankEnum (oneOf), so that the
    # vocabulary's enum never lists "" and an input that may not be blank does not accept it.
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # issue 12: reports. Two vocabularies of the reports are called "status".
    "ENUM_NAME_OVERRIDES": {
        "ReportsEvaluationStatusEnum": "reports.models.AnnualEvaluation.Status",
        "ReportsFileStatusEnum": "reports.models.ReportExport.Status",
    },
}
# API tokens expire; a password change revokes them (accounts.services.user_tokens_revoke).
API_TOKEN_TTL = timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=12))

# --- ID number lookups -----------------------------------------------------------------------
# The household list's ID search and the duplicate check tell whether a person is registered
# outside the user's area. Each user may look up this many distinct ID numbers per clock hour
# (needs.id_lookups), counted in the cache: Redis in production, shared by every process.
ID_LOOKUP_LIMIT_PER_HOUR = env.int("ID_LOOKUP_LIMIT_PER_HOUR", default=300)

# --- Referrals ------------------------------------------------------------------------------
# Deadlines fixed when a referral is sent: received within these working days (the Chinese
# calendar: weekends, public holidays and 调休, see referrals.workdays), an outcome within these
# days. Files sent with a referral: PDF, JPEG or PNG, at most this size, this many per referral.
REFERRAL_RECEIPT_WORKING_DAYS = env.int("REFERRAL_RECEIPT_WORKING_DAYS", default=3)
REFERRAL_OUTCOME_DAYS = env.int("REFERRAL_OUTCOME_DAYS", default=30)
REFERRAL_ATTACHMENT_MAX_BYTES = env.int("REFERRAL_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
REFERRAL_ATTACHMENTS_PER_REFERRAL = env.int("REFERRAL_ATTACHMENTS_PER_REFERRAL", default=10)

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
