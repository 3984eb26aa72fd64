"""The one way a write asks for background work: ring a Celery task by its pinned name once the
transaction that needs it commits.

Tasks import services, never the reverse: code below the tasks names the task
(`requests_portal.<name>`, pinned in tasks.py and tasks_oversight.py) instead of importing it.
The database row is the work and the message only a doorbell, so a lost message (Redis
restarted, worker killed) is found again by the sweeps.
"""

import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError as BrokerError

from django.conf import settings
from django.db import transaction

from keiseikyo.celery import app

logger = logging.getLogger(__name__)


def registered_task(task_name: str) -> Task:
    """The task registered under `task_name`, importing the task modules first if this process
    has not yet (a web process imports no task module by itself; the worker autodiscovers them).

    Looked up in the app's registry rather than sent with `send_task`, so that under
    CELERY_TASK_ALWAYS_EAGER (the embedded default and the tests) the task runs in-process."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task_name]


def enqueue(task_name: str, *args: Any, **options: Any) -> bool:
    """Ring the task `task_name` with `args` now (a sweep re-ringing work already committed);
    `options` go to `apply_async` (countdown, queue…).

    If the broker is unreachable the failure is logged and swallowed: the business change is
    already committed and the sweep will ring again, so a web request never fails (or shows an
    error) because Redis is down. Returns whether the broker took the message.
    """
    task = registered_task(task_name)
    try:
        task.apply_async(args=args, **options)
    except BrokerError:
        logger.warning("broker unavailable: %s%r left for the sweep", task_name, args)
        return False
    return True


def enqueue_on_commit(
    task_name: str, *args: Any, if_not_published: Callable[[], object] | None = None, **options: Any
) -> None:
    """Ring the task `task_name` with `args` once the current transaction commits (at once when
    there is none), as `enqueue` does. The task is looked up now, so a misspelt name fails the
    change that asked for it.

    `if_not_published` runs when the broker refused the message: a row that recorded the message
    as queued (`enqueued_at`) says otherwise, so the next sweep rings at once."""
    registered_task(task_name)

    def publish() -> None:
        if not enqueue(task_name, *args, **options) and if_not_published is not None:
            if_not_published()

    transaction.on_commit(publish)


def waiting_messages(task_name: str) -> int | None:
    """How many messages wait in the broker queue that `task_name` is routed to; None when that
    cannot be known (tasks run in-process, or the broker does not answer).

    A queue that Redis does not know is empty: Redis drops an empty list, and a restarted Redis
    without persistence has lost them all."""
    if app.conf.task_always_eager:
        return None
    queue = settings.CELERY_TASK_ROUTES.get(task_name, {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
    connection = app.connection_for_write()
    # kombu declares these as bare tuples; name their type for the except clauses below.
    channel_errors: tuple[type[BaseException], ...] = tuple(connection.channel_errors)
    unreachable: tuple[type[BaseException], ...] = (BrokerError, *connection.connection_errors)
    try:
        with connection:
            connection.ensure_connection(max_retries=1)
            try:
                # A kombu virtual channel (Redis) answers queue_declare; the stubs know only StdChannel.
                channel: Any = connection.default_channel
                return channel.queue_declare(queue=queue, passive=True).message_count
            except channel_errors:
                return 0
    except unreachable:
        return None
