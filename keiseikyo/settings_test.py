"""Test settings: production settings plus the overrides a fast, isolated suite needs.

DEBUG stays off so the suite sees the production security settings. With DATABASE_URL
and REDIS_URL set (CI), the same suite runs on PostgreSQL and the integration tests use
Redis and a real worker; without them it runs on SQLite in memory.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnop")
os.environ.setdefault("DSR_FILE_ENCRYPTION_KEY", "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=")
os.environ.setdefault("DSR_AUDIT_CHAIN_KEY", "test-audit-chain-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "0")

from keiseikyo.settings import *  # noqa: F403
from keiseikyo.settings import DATABASES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Transactional tests reset the database with `flush`, which must empty the audit table.
DSR_ALLOW_AUDIT_FLUSH = True
# In-process tests open and close connections the way each test needs (threads in the race
# tests, PostgreSQL restarts); the worker the integration tests start keeps the product default.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests write letters and mail rows directly, and expect the sweeps' grace periods alone to decide;
# the tests of the visibility window set it themselves.
DSR_SWEEP_VISIBILITY_SECONDS = 0
