"""Formal PDF notices. `letter_create` records a PENDING letter in the caller's transaction."""

from requests_portal.letters.records import letter_create

__all__ = ["letter_create"]
