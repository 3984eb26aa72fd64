"""Gap-free sequential numbers (受付番号, 文書番号), per scope and fiscal year.

A number is taken inside the caller's transaction by locking the sequence row, so a
rolled-back transaction gives its number back and concurrent callers queue up rather
than skip or duplicate.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import F

from requests_portal.models import NumberSequence


def fiscal_year(day: date) -> int:
    """Japanese fiscal year (年度): April to March."""
    return day.year if day.month >= 4 else day.year - 1


def allocate_number(*, scope: str, year: int) -> int:
    """Return the next number of `scope` in `year`. Must run inside transaction.atomic()."""
    if not scope:
        raise ValueError("scope is required")
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_number() must run inside transaction.atomic()")
    # Create the row if this is the year's first number; a concurrent creator is ignored.
    NumberSequence.objects.bulk_create([NumberSequence(scope=scope, year=year)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(scope=scope, year=year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    return sequence.last_value + 1


@transaction.atomic
def peek_next_number(*, scope: str, year: int) -> int:
    """The number the next allocation would return (for previews; allocates nothing)."""
    current = NumberSequence.objects.filter(scope=scope, year=year).values_list("last_value", flat=True).first()
    return (current or 0) + 1
