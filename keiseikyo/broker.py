"""The Redis transport for Celery, with one repair for a broker that drops mid-poll.

When Redis goes away while the worker is inside a BRPOP, Celery's reconnect first calls
``Connection.collect()``: kombu detaches the transport from the connection (``client`` becomes
None) but the channel that was polling stays open, because its close failed on the dead socket.
Celery then closes the connection again, and that channel tries to put its unacknowledged
messages back. Building a Redis pool from the detached transport reads ``None.hostname``, and the
``AttributeError`` is not one of the connection errors Celery ignores, so the worker exits with
"Unrecoverable error" and nothing runs until someone restarts it (docs/reliability.md, "Redis
restarts").

Here a detached channel reports the same ``ConnectionError`` as a dead Redis, which Celery
ignores before it reconnects. Nothing is lost by not restoring there: the messages stay in
Redis's unacked set, which the next connection restores after the visibility timeout, or they
went with Redis, and the database sweeps queue the work again.
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("the broker connection was closed; reconnecting")
        return super()._connparams(asynchronous)  # type: ignore[misc]  # kombu ships no stubs for it


class Transport(redis.Transport):
    Channel = Channel
