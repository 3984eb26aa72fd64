"""The Celery application. Configuration lives in settings under the CELERY_ namespace.

JSON only, task names pinned (`requests_portal.<name>`), queues `letters` (WeasyPrint),
`mail` and `default`; routes, time limits and the beat schedule are in settings.
"""

import logging
import os
import time

from celery import Celery
from celery.signals import setup_logging, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keiseikyo.settings")

app = Celery("keiseikyo")
app.config_from_object("django.conf:settings", namespace="CELERY")


@setup_logging.connect
def _use_django_logging(**_kwargs: object) -> None:
    # Route Celery's logging through Django's LOGGING (and its My Number redaction filter).
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_init.connect
def _warm_up_the_letter_renderer(**_kwargs: object) -> None:
    # A first WeasyPrint render loads Pango, fontconfig and the 6 MB font (2.5–3 s, 7–8 s on a
    # busy machine). Done here, in the worker's main process before the pool forks, every pool
    # process inherits the loaded fonts: its first render takes about 0.1 s. It must not run in
    # worker_process_init: a replaced pool process has to report ready within
    # worker_proc_alive_timeout (4 s), or the pool kills it and no task runs at all.
    started = time.monotonic()
    try:
        from requests_portal.letters.renderer import warm_up

        warm_up()
    except Exception:  # a worker must start even if the renderer cannot (mail still flows)
        logging.getLogger(__name__).exception("letter renderer warm-up failed")
    else:
        logging.getLogger(__name__).info("letter renderer warmed up in %.2f s", time.monotonic() - started)


app.autodiscover_tasks()
