"""The Celery application. Configuration lives in settings under the CELERY_ namespace.

JSON only, task names pinned (`requests_portal.<name>`), queues `letters` (WeasyPrint),
`mail` and `default`; routes, time limits and the beat schedule are in settings.
"""

import logging
import os

from celery import Celery
from celery.signals import setup_logging, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")

app = Celery("keiseikyo")
app.config_from_object("django.conf:settings", namespace="CELERY")


@setup_logging.connect
def _use_django_logging(**_kwargs: object) -> None:
    # Route Celery's logging through Django's LOGGING (and its My Number redaction filter).
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_process_init.connect
def _warm_up_the_letter_renderer(**_kwargs: object) -> None:
    # A pool process's first WeasyPrint render loads Pango, fontconfig and the 6 MB font
    # (about 1.5 s). Do it before the first task, not while a render holds the 文書番号 lock.
    try:
        from requests_portal.letters.renderer import render_pdf

        render_pdf('<!DOCTYPE html><html lang="ja"><body><p>準備</p></body></html>')
    except Exception:  # a worker must start even if the renderer cannot (mail still flows)
        logging.getLogger(__name__).exception("letter renderer warm-up failed")


app.autodiscover_tasks()
