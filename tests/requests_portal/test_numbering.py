"""Gap-free numbering, including under concurrency on PostgreSQL."""

import threading

import pytest

from django.db import close_old_connections, connection, transaction

from requests_portal.numbering import allocate_number, fiscal_year


def test_fiscal_year():
    from datetime import date

    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year(date(2026, 4, 1)) == 2026


@pytest.mark.django_db
def test_rollback_returns_the_number():
    with transaction.atomic():
        assert allocate_number(scope="test", year=2026) == 1

    def allocate_then_fail():
        with transaction.atomic():
            allocate_number(scope="test", year=2026)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        allocate_then_fail()
    with transaction.atomic():
        assert allocate_number(scope="test", year=2026) == 2


@pytest.mark.django_db(transaction=True)
def test_outside_transaction_is_refused():
    with pytest.raises(RuntimeError, match="atomic"):
        allocate_number(scope="test", year=2026)


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_have_no_gaps_or_duplicates():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker():
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(allocate_number(scope="concurrency", year=2026))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
def test_reference_data_survives_a_flush():
    """Transactional tests empty the database with flush; queues and roles must come back."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from requests_portal.models import Queue, QueueGroupObjectPermission

    call_command("flush", interactive=False, verbosity=0)
    assert set(Queue.objects.values_list("code", flat=True)) == {"ga", "mynumber"}
    assert Group.objects.filter(name="mynumber_officer").exists()
    assert QueueGroupObjectPermission.objects.filter(content_object__code="mynumber").count() == 3
