"""The core-system JSON API (基幹システム連携): roster and third-party provision records in, case
status and case events out, for clients holding a scoped token (docs/api.md).

tokens.py     issuing, revoking and checking tokens; the per-client rate limit
guard.py      what every call passes first: token, address, rate, scope, the My Number rule
problems.py   errors as problem+json (RFC 9457), in the caller's language
schemas.py    the bodies and answers, as the OpenAPI schema documents them
services.py   the writes (bulk, all or nothing, audited)
selectors.py  the reads (cases visible to API clients only)
views.py      the NinjaAPI and its thin endpoints; urls.py mounts it under /api/
"""
