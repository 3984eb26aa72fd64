"""Tasks that only the failure drills load into their worker (`celery worker --include`)."""

import time

from celery import shared_task


# Acknowledged late, like the portal's letter and mail tasks: a running one is unacknowledged
# too, so a broker restart always finds messages to restore.
@shared_task(name="drill.sleep", acks_late=True)
def drill_sleep(seconds: float, marker: str = "") -> str:
    """Keep the pool busy so that the next message stays reserved (unacknowledged) meanwhile."""
    time.sleep(seconds)
    return marker


@shared_task(name="drill.touch")
def drill_touch(path: str) -> None:
    """Leave a file behind: proof, outside Redis and the database, that a task ran."""
    with open(path, "a") as handle:
        handle.write("ran\n")
