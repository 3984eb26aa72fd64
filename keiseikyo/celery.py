"""The Celery application. Configuration lives in settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")

app = Celery("keiseikyo")
app.config_from_object("django.conf:settings", namespace="CELERY")


@setup_logging.connect
def _use_django_logging(**_kwargs: object) -> None:
    # Route Celery's logging through Django's LOGGING (and its My Number redaction filter).
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


app.autodiscover_tasks()
