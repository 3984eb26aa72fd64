"""Settings for the Keiseikyo request portal.

Every value comes from the environment (django-environ). The defaults are the
secure ones; the embedded demo (`make run`) turns DEBUG on explicitly. Every
variable read here is listed in .env.example and in the README's table.
"""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is read only when present; the environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# S105: a development-only key, refused when DEBUG is off (see below).
_DEV_SECRET_KEY = "dev-only-secret-key-never-used-when-debug-is-off-0123456789abcdef"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

ROOT_URLCONF = "keiseikyo.urls"
WSGI_APPLICATION = "keiseikyo.wsgi.application"
ASGI_APPLICATION = "keiseikyo.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "requests_portal.User"
SITE_ID = 1

INSTALLED_APPS = [
    "requests_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    "requests_portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "requests_portal.middleware.AuditContextMiddleware",
    "requests_portal.middleware.NoStoreForAuthenticatedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "requests_portal.staff_auth.SessionPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must be last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

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
                "csp.context_processors.nonce",
                "requests_portal.context_processors.portal",
            ],
            # Staff pages' one date style and stored labels in the reader's language, in every template
            # (docs/architecture.md#dates, #stored-labels).
            "builtins": [
                "requests_portal.templatetags.staff_dates",
                "requests_portal.templatetags.punctuation",
                "requests_portal.templatetags.stored_labels",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Databases and cache: embedded defaults, switched by DATABASE_URL / REDIS_URL
# ------------------------------------------------------------------------------
VAR_DIR = Path(env.str("DSR_VAR_DIR", default=str(BASE_DIR / "var")))
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if not env.str("DATABASE_URL", default=""):
    # A fresh checkout has no var/ yet, and SQLite cannot create its file in a missing folder.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A PostgreSQL connection is kept for a minute and checked before reuse: opening one per request
# cost more than the queue page's own statements (docs/architecture.md#scale).
_IS_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60 if _IS_POSTGRESQL else 0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo database waits for a concurrent writer instead of failing at once, and takes
    # the write lock when a transaction starts so the audit chain is appended in order.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis is disposable: while it is down the cache reads as empty (keiseikyo/cache_backends.py).
    # Sessions (database), CSRF (cookie) and lockouts (axes, database) never depend on it.
    CACHES = {"default": {"BACKEND": "keiseikyo.cache_backends.DisposableRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ------------------------------------------------------------------------------
# Authentication (django-allauth for members and staff; axes for lockout)
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "requests_portal:home"
LOGOUT_REDIRECT_URL = "requests_portal:home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("DSR_REAUTH_WINDOW_SECONDS", default=600)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[警察職員生協] "
ACCOUNT_ADAPTER = "requests_portal.accounts.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Keiseikyo Portal"

# Lockout: five failures per account (any address) lock it for an hour.
AXES_FAILURE_LIMIT = env.int("DSR_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("DSR_LOGIN_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for per-address lockout too. Staff share an office address, so that would let
# one mistyping colleague lock everyone out; per-address throttling is allauth's rate limit
# (ACCOUNT_RATE_LIMITS "login_failed") instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "requests_portal.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# Staff sessions: 15 minutes idle, 12 hours in all (docs/reliability.md#session-lifetime).
DSR_STAFF_IDLE_SECONDS = env.int("DSR_STAFF_IDLE_SECONDS", default=15 * 60)
DSR_MEMBER_IDLE_SECONDS = env.int("DSR_MEMBER_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("DSR_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"

GUARDIAN_RAISE_404 = True
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; the portal never grants to anonymous.

# ------------------------------------------------------------------------------
# Security headers and cookies (secure unless DEBUG)
# ------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health check asks over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Browsers accept __Host- cookies only over HTTPS, so the plain-HTTP demo uses plain names.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-csrftoken"
LANGUAGE_COOKIE_NAME = "django_language" if DEBUG else "__Host-language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# ------------------------------------------------------------------------------
# Uploads (docs/reliability.md#uploads)
# ------------------------------------------------------------------------------
DATA_UPLOAD_MAX_NUMBER_FILES = 10
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_TEMP_DIR = env.str("DSR_UPLOAD_TEMP_DIR", default=None)
DSR_UPLOAD_MAX_BYTES = env.int("DSR_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DSR_UPLOAD_MAX_FILES_PER_CASE = env.int("DSR_UPLOAD_MAX_FILES_PER_CASE", default=10)
DSR_UPLOAD_MAX_BYTES_PER_CASE = env.int("DSR_UPLOAD_MAX_BYTES_PER_CASE", default=50 * 1024 * 1024)
DSR_UPLOAD_MAX_PIXELS = env.int("DSR_UPLOAD_MAX_PIXELS", default=40_000_000)

# Private files (uploads, letters) live outside the web root and are encrypted at rest.
DSR_PRIVATE_ROOT = Path(env.str("DSR_PRIVATE_ROOT", default=str(VAR_DIR / "private")))
# 32 bytes, as Fernet needs (the previous demo key decoded to 34 and broke every demo upload).
_DEV_FILE_KEY = "ZGV2LW9ubHktZmlsZS1rZXktZm9yLWRlbW8tb25seSE="
DSR_FILE_ENCRYPTION_KEY = env.str("DSR_FILE_ENCRYPTION_KEY", default=_DEV_FILE_KEY if DEBUG else "")
if not DSR_FILE_ENCRYPTION_KEY:
    raise ImproperlyConfigured("DSR_FILE_ENCRYPTION_KEY must be set when DJANGO_DEBUG is off.")

# ------------------------------------------------------------------------------
# Internationalisation: Japanese first, English through Django i18n
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
FORMAT_MODULE_PATH = ["keiseikyo.formats"]
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------------------
# Static files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# No public MEDIA_ROOT: every uploaded or generated file goes through private storage.
MEDIA_ROOT = VAR_DIR / "no-public-media"
MEDIA_URL = "/no-public-media/"

# ------------------------------------------------------------------------------
# Mail: console by default, SMTP when EMAIL_URL is set (Mailpit in docker-compose)
# ------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="警察職員生活協同組合 <no-reply@keiseikyo.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env.str("EMAIL_URL", default="")
_email_file_path = env.str("DSR_EMAIL_FILE_PATH", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
elif _email_file_path:
    # Mail written to files (one per process): used by the integration tests' real worker.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _email_file_path
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 20

# ------------------------------------------------------------------------------
# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process
# ------------------------------------------------------------------------------
# The in-memory transport names a host so that kombu does not warn on every eager task.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Celery's Redis transport with the repair described in keiseikyo/broker.py (a worker must not
# exit when Redis drops while it polls).
CELERY_BROKER_TRANSPORT = "keiseikyo.broker:Transport" if REDIS_URL else None
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("DSR_CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
# WeasyPrint work has its own queue so a burst of letters never delays mail or the sweeps.
CELERY_TASK_ROUTES = {
    "requests_portal.letter_render": {"queue": "letters"},
    "requests_portal.outbound_mail_send": {"queue": "mail"},
    "requests_portal.letter_sweep": {"queue": "default"},
    "requests_portal.outbox_sweep": {"queue": "default"},
    "requests_portal.reminder_sweep": {"queue": "default"},
    "requests_portal.amendment_expiry_sweep": {"queue": "default"},
    "requests_portal.audit_anchor": {"queue": "default"},
}
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
# Publishing happens after commit; if Redis is down, give up quickly (the sweeps ring again)
# instead of holding the web request.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("DSR_CELERY_VISIBILITY_TIMEOUT", default=900),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# The sweeps are idempotent, so an overlapping or duplicated run is harmless.
CELERY_BEAT_SCHEDULE = {
    # https://crontab.guru/#*_*_*_*_* : ring again for unsent mail every minute.
    "outbox-sweep": {"task": "requests_portal.outbox_sweep", "schedule": crontab(minute="*")},
    # https://crontab.guru/#0_*_*_*_* : anchor the audit chain head hourly.
    "audit-anchor": {"task": "requests_portal.audit_anchor", "schedule": crontab(minute=0)},
    # https://crontab.guru/#*_*_*_*_* : ring again for PENDING letters whose task was lost.
    "letter-sweep": {"task": "requests_portal.letter_sweep", "schedule": crontab(minute="*")},
    # https://crontab.guru/#*/5_*_*_*_* : deadline reminders (exactly once each, digested).
    "reminder-sweep": {"task": "requests_portal.reminder_sweep", "schedule": crontab(minute="*/5")},
    # https://crontab.guru/#15_6_*_*_* : expire 補正 waits, when the co-op's policy enables it.
    "amendment-expiry": {"task": "requests_portal.amendment_expiry_sweep", "schedule": crontab(minute=15, hour=6)},
    # https://crontab.guru/#5_*_*_*_* : end role grants past their end date (hourly, so a beat
    # that was down at midnight still ends them within the hour after it is back).
    "role-grants-expire": {"task": "requests_portal.role_grants_expire", "schedule": crontab(minute=5)},
    # https://crontab.guru/#40_0_*_*_* : store the dashboard's closed months nightly, after midnight
    # (Asia/Tokyo) so a month is stored the night it ends; the current month is always computed live.
    "dashboard-summary": {"task": "requests_portal.dashboard_summary_sweep", "schedule": crontab(minute=40, hour=0)},
}

# ------------------------------------------------------------------------------
# Portal policy (docs/legal.md; the [policy] defaults the co-op may change)
# ------------------------------------------------------------------------------
DSR_RESPONSE_PERIOD_DAYS = env.int("DSR_RESPONSE_PERIOD_DAYS", default=14)
DSR_TRUSTED_PROXY_HOPS = env.int("DSR_TRUSTED_PROXY_HOPS", default=0)
DSR_SITE_URL = env.str("DSR_SITE_URL", default="http://127.0.0.1:8000")
DSR_AUDIT_ANCHOR_FILE = env.str("DSR_AUDIT_ANCHOR_FILE", default=str(VAR_DIR / "audit-anchor.log"))
# The audit chain's HMAC key: held outside the database (and apart from SECRET_KEY), so that
# someone who can write the audit table still cannot forge an entry (requests_portal/audit.py).
# A development-only key, refused when DEBUG is off.
_DEV_AUDIT_CHAIN_KEY = "dev-only-audit-chain-key-never-used-when-debug-is-off-0123456789"
DSR_AUDIT_CHAIN_KEY = env.str("DSR_AUDIT_CHAIN_KEY", default=_DEV_AUDIT_CHAIN_KEY if DEBUG else "")
if not DSR_AUDIT_CHAIN_KEY:
    raise ImproperlyConfigured("DSR_AUDIT_CHAIN_KEY must be set when DJANGO_DEBUG is off.")
# After a rotation (manage.py audit_key_epoch) the earlier keys, so that old entries still verify.
DSR_AUDIT_CHAIN_PREVIOUS_KEYS = env.list("DSR_AUDIT_CHAIN_PREVIOUS_KEYS", default=[])
if DSR_AUDIT_CHAIN_KEY == SECRET_KEY:
    raise ImproperlyConfigured("DSR_AUDIT_CHAIN_KEY must differ from DJANGO_SECRET_KEY.")
# Every disposal, journalled outside the database for the re-purge after a restore (retention.py).
DSR_DISPOSAL_JOURNAL_FILE = env.str("DSR_DISPOSAL_JOURNAL_FILE", default=str(VAR_DIR / "disposal-journal.log"))
# Only the test settings turn this on: `flush` may then empty the append-only audit table.
DSR_ALLOW_AUDIT_FLUSH = False

# ------------------------------------------------------------------------------
# Logging: My Numbers are redacted from every record before it is written
# ------------------------------------------------------------------------------
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_my_number": {"()": "requests_portal.mynumber.RedactMyNumberFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_my_number"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per PDF library start and per finished task buries what a person needs to read.
        "pikepdf": {"level": "WARNING"},
        # In-process (eager) tasks log as the web process; a worker keeps its per-task lines.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # WeasyPrint hides its warnings behind a NullHandler; surface missing glyphs.
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Member accounts (sign-up against the roster) and upload housekeeping ---
# Sign-up asks for member number, date of birth and email only; the password is set after the
# address is confirmed (the adapter sends a confirmed member without a password to set one).
# "password1" stays listed (optional) because allauth shows the login form's password field only
# then; MemberSignupForm removes it from the sign-up form.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_FORMS = {
    "signup": "requests_portal.accounts.MemberSignupForm",
    "login": "requests_portal.accounts.GuardedLoginForm",
}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# https://crontab.guru/#17_*_*_*_* : delete wizard uploads never attached to a case (hourly).
CELERY_BEAT_SCHEDULE["unattached-uploads-purge"] = {
    "task": "requests_portal.unattached_uploads_purge",
    "schedule": crontab(minute=17),
}

# ------------------------------------------------------------------------------
# --- Oversight (dashboard, CSV exports, retention purge, bulk jobs) ---
# ------------------------------------------------------------------------------
# The oversight tasks live in their own module; the worker imports it by this setting.
CELERY_IMPORTS = (*globals().get("CELERY_IMPORTS", ()), "requests_portal.tasks_oversight")
CELERY_BEAT_SCHEDULE |= {
    # https://crontab.guru/#30_2_*_*_* : the retention purge, nightly at 02:30 (idempotent).
    "retention-purge": {"task": "requests_portal.retention_purge", "schedule": crontab(hour=2, minute=30)},
    # https://crontab.guru/#*/5_*_*_*_* : ring again for bulk jobs whose worker or message was lost.
    "bulk-job-sweep": {"task": "requests_portal.bulk_job_sweep", "schedule": crontab(minute="*/5")},
}
# Modules that register bulk-job handlers (requests_portal.jobs.register); features append theirs.
DSR_BULK_JOB_MODULES = [
    *globals().get("DSR_BULK_JOB_MODULES", []),
    "requests_portal.exports",
    "requests_portal.workspace",
    "requests_portal.roster",
]
# Seconds one runner invocation works before it queues its continuation (< the soft time limit).
DSR_BULK_JOB_TIME_BUDGET = 45

# --- Staff sign-in, second factor and the staff workspace ---
# Staff must prove a TOTP code in every session (requests_portal.staff_auth); secrets are
# stored encrypted, and a wrong code counts as a failed login for axes.
MFA_ADAPTER = "requests_portal.staff_auth.MfaAdapter"
MFA_FORMS = {
    "authenticate": "requests_portal.forms.staff.LockoutAwareAuthenticateForm",
    "reauthenticate": "requests_portal.forms.staff.LockoutAwareReauthenticateForm",
}
MFA_TRUST_ENABLED = False  # "trust this browser" would skip the code for 14 days
# axes would keep the POST data of failed attempts; requests_portal.accounts.keep_no_request_data_in_axes
# blanks it, and these fields are masked by axes itself should that receiver ever be disconnected.
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "password1",
    "password2",
    "code",
    "csrfmiddlewaretoken",
    "login",
    "email",
    "username",
]
DSR_QUEUE_PAGE_SIZES = (25, 50, 100)

# --- Letters, reminders and the outbox ---
# A letter still PENDING this long after its last attempt is rung again by the sweep.
DSR_LETTER_SWEEP_GRACE_SECONDS = env.int("DSR_LETTER_SWEEP_GRACE_SECONDS", default=180)
# Render attempts before a letter is marked failed for staff to look at.
DSR_LETTER_MAX_ATTEMPTS = env.int("DSR_LETTER_MAX_ATTEMPTS", default=5)
# A fresh outbox row is left to its own send task this long before the sweep rings again.
DSR_OUTBOX_SWEEP_GRACE_SECONDS = env.int("DSR_OUTBOX_SWEEP_GRACE_SECONDS", default=120)
# A letter or mail whose message was queued less than this long ago is left to that message by the
# sweeps; after it the message counts as lost and is queued again (docs/reliability.md#sweep-window).
DSR_SWEEP_VISIBILITY_SECONDS = env.int("DSR_SWEEP_VISIBILITY_SECONDS", default=600)
# /healthz answers 503 when a watched sweep (outbox, letters, reminders) has not run for this long.
DSR_HEALTH_SWEEP_OVERDUE_SECONDS = env.int("DSR_HEALTH_SWEEP_OVERDUE_SECONDS", default=900)
# Supervisors and administrators see a banner when no sweep has run for this long.
DSR_HEALTH_BANNER_SILENT_SECONDS = env.int("DSR_HEALTH_BANNER_SILENT_SECONDS", default=600)
# Deadline reminders are sent from this local hour on (no deadline mail at night).
DSR_REMINDER_FROM_HOUR = env.int("DSR_REMINDER_FROM_HOUR", default=7)
# [policy] Days after a 補正 reply date after which the wait counts as withdrawn; 0 = never.
DSR_AMENDMENT_AUTO_WITHDRAW_DAYS = env.int("DSR_AMENDMENT_AUTO_WITHDRAW_DAYS", default=0)
# How many days before that the member is reminded.
DSR_AMENDMENT_CLOSING_NOTICE_DAYS = env.int("DSR_AMENDMENT_CLOSING_NOTICE_DAYS", default=3)

# --- Core-system API (requests_portal/api, docs/api.md) ---
# django-ninja serves the OpenAPI schema and its Swagger page, whose assets come from its static
# files (never a CDN). Clients and their tokens: manage.py issue_api_token / revoke_api_token.
INSTALLED_APPS += ["ninja"]
# The rate a new client gets unless `issue_api_token --rate` says otherwise.
DSR_API_DEFAULT_RATE = "120/min"
# Rows one bulk call may carry (a larger batch is split by the caller).
DSR_API_MAX_ROWS = 1000
# Events younger than this are held back from the cursor feed, so that a transaction that took
# its id earlier but committed later is never skipped by a client that already moved past it.
DSR_API_EVENTS_SETTLE_SECONDS = 10

# --- the incident register (requests_portal/incidents) ---
CELERY_IMPORTS = (*CELERY_IMPORTS, "requests_portal.incidents.tasks")
# https://crontab.guru/#*/15_*_*_*_* : incident report deadline reminders (exactly once each).
CELERY_BEAT_SCHEDULE["incident-reminder-sweep"] = {
    "task": "requests_portal.incident_reminder_sweep",
    "schedule": crontab(minute="*/15"),
}
DSR_BULK_JOB_MODULES = [*DSR_BULK_JOB_MODULES, "requests_portal.incidents.jobs"]
