"""Settings of the scale benchmark's server: the portal's own, plus the floor view (scale_urls)."""

from keiseikyo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.scale_urls"
# The benchmark times pages, not static files: no collectstatic manifest needed.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
