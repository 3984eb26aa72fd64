"""The keyed audit chain: without the key nobody can append or rewrite, a cut tail is caught by
the anchor file, and a key rotation leaves old entries verifiable."""

import hashlib
import hmac
import random
import secrets
from datetime import timedelta

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from requests_portal import audit
from requests_portal.models import AuditEntry
from tests.requests_portal.test_audit import tamper

pytestmark = pytest.mark.django_db

TRIALS = 120


@pytest.fixture
def anchored_chain(django_capture_on_commit_callbacks) -> list[AuditEntry]:
    """30 entries, each committed (so each wrote its head to the anchor file)."""
    entries = []
    for i in range(30):
        with django_capture_on_commit_callbacks(execute=True):
            entries.append(audit.record(action="test.event", data={"n": i}))
    return entries


def _verify() -> audit.VerifyResult:
    return audit.verify_chain(anchors=audit.read_anchors())


def _attacker_hash(rng: random.Random, prev_hash: str, entry: AuditEntry) -> str:
    """What someone with full database access but without the key can compute."""
    message = f"{prev_hash}\n{audit._canonical(entry)}".encode()
    if rng.random() < 0.5:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(secrets.token_bytes(32), message, hashlib.sha256).hexdigest()


def _forge_after(rng: random.Random, last: AuditEntry, n: int) -> None:
    prev_hash = last.row_hash
    for i in range(n):
        forged = AuditEntry(
            at=last.at + timedelta(seconds=i + 1),
            actor_label="system",
            actor_role="system",
            action=rng.choice(["dsr.view", "retention.purge", audit.KEY_EPOCH_ACTION]),
            object_ref=f"GA-{rng.randint(1, 999)}",
            data={"forged": i},
            # the last row's key id, a made-up one, or none (pretending to predate keys)
            key_id=rng.choice([last.key_id, secrets.token_hex(8), ""]),
            prev_hash=prev_hash,
        )
        if forged.action == audit.KEY_EPOCH_ACTION:
            forged.data = {"key_id": forged.key_id, "previous_key_id": last.key_id, "endorsement": "0" * 64}
        forged.row_hash = _attacker_hash(rng, prev_hash, forged)
        forged.save(force_insert=True)
        prev_hash = forged.row_hash


def _trial(check) -> None:  # type: ignore[no-untyped-def]
    """Run one tampering inside a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        with tamper():
            check()
        transaction.set_rollback(True)


def test_the_untouched_chain_verifies_against_its_anchors(anchored_chain):
    anchors = audit.read_anchors()
    assert [a[0] for a in anchors] == [e.pk for e in anchored_chain]  # one anchor per append
    assert _verify().ok


def test_forged_appends_are_always_found(anchored_chain):
    rng = random.Random(20261203)
    found = 0
    for _ in range(TRIALS):

        def forge() -> None:
            _forge_after(rng, anchored_chain[-1], rng.randint(1, 3))
            result = audit.verify_chain()  # no anchors needed: the key alone decides
            assert not result.ok
            assert result.broken_id > anchored_chain[-1].pk

        _trial(forge)
        found += 1
    assert found == TRIALS
    assert _verify().ok


def test_truncated_tails_are_always_found(anchored_chain):
    rng = random.Random(5)
    for _ in range(TRIALS):

        def truncate() -> None:
            cut = rng.randint(1, len(anchored_chain) - 1)
            AuditEntry.objects.filter(pk__gte=anchored_chain[-cut].pk).delete()
            assert audit.verify_chain().ok  # the shorter chain is consistent in itself...
            result = _verify()
            assert not result.ok  # ...but the anchor file remembers the longer one
            assert result.broken_id >= anchored_chain[-cut].pk

        _trial(truncate)
    assert _verify().ok


def test_rewritten_suffixes_are_always_found(anchored_chain):
    rng = random.Random(11)
    for _ in range(TRIALS):

        def rewrite() -> None:
            start = rng.randrange(len(anchored_chain))
            prev_hash = anchored_chain[start - 1].row_hash if start else audit.GENESIS_HASH
            for original in anchored_chain[start:]:
                row = AuditEntry.objects.get(pk=original.pk)
                row.data = {"n": rng.randint(1000, 9999)}
                row.prev_hash = prev_hash
                row.row_hash = _attacker_hash(rng, prev_hash, row)
                AuditEntry.objects.filter(pk=row.pk).update(data=row.data, prev_hash=prev_hash, row_hash=row.row_hash)
                prev_hash = row.row_hash
            result = audit.verify_chain()
            assert not result.ok
            assert result.broken_id == anchored_chain[start].pk

        _trial(rewrite)
    assert _verify().ok


def test_every_append_writes_its_head_to_the_anchor_file(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = audit.record(action="test.event")
    assert audit.read_anchors()[-1] == (entry.pk, entry.row_hash)


def test_a_rolled_back_append_leaves_no_anchor(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(action="test.event")
        with transaction.atomic():
            audit.record(action="test.event")
            transaction.set_rollback(True)
    # the rolled-back entry's on_commit callback was discarded with its savepoint
    assert len(audit.read_anchors()) == 1
    assert _verify().ok


def test_a_key_rotation_keeps_old_entries_verifiable(settings):
    old_key = settings.DSR_AUDIT_CHAIN_KEY
    before = [audit.record(action="test.event", data={"n": i}) for i in range(3)]
    settings.DSR_AUDIT_CHAIN_KEY = "a-new-audit-chain-key-0123456789-abcdefghijklmnop"
    settings.DSR_AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]
    call_command("audit_key_epoch")
    epoch = AuditEntry.objects.order_by("-id").first()
    assert epoch.action == audit.KEY_EPOCH_ACTION
    assert epoch.data["previous_key_id"] == before[-1].key_id
    assert epoch.key_id == audit.key_id_of(settings.DSR_AUDIT_CHAIN_KEY) != before[-1].key_id
    after = audit.record(action="test.event")
    assert after.key_id == epoch.key_id
    assert audit.verify_chain().ok
    # Without the old key the old entries cannot be checked any more, and the verifier says so.
    settings.DSR_AUDIT_CHAIN_PREVIOUS_KEYS = []
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_id == before[0].pk


def test_the_first_entry_under_a_new_key_opens_the_epoch_by_itself(settings):
    old_key = settings.DSR_AUDIT_CHAIN_KEY
    audit.record(action="test.event")
    settings.DSR_AUDIT_CHAIN_KEY = "another-audit-chain-key-0123456789-abcdefghijklmn"
    settings.DSR_AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]
    audit.record(action="test.event")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "test.event",
        audit.KEY_EPOCH_ACTION,
        "test.event",
    ]
    assert audit.verify_chain().ok
    call_command("audit_key_epoch")  # nothing left to do
    assert AuditEntry.objects.count() == 3


def test_an_epoch_not_endorsed_by_the_previous_key_is_refused(settings):
    old_key = settings.DSR_AUDIT_CHAIN_KEY
    audit.record(action="test.event")
    settings.DSR_AUDIT_CHAIN_KEY = "an-unendorsed-audit-chain-key-0123456789-abcdefgh"
    audit.record(action="test.event")  # the previous key is not configured: no endorsement
    epoch = AuditEntry.objects.get(action=audit.KEY_EPOCH_ACTION)
    assert epoch.data["endorsement"] == ""
    settings.DSR_AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_id == epoch.pk
    assert "裏書き" in result.reason


def test_the_epoch_command_refuses_without_the_previous_key(settings):
    audit.record(action="test.event")
    settings.DSR_AUDIT_CHAIN_KEY = "yet-another-audit-chain-key-0123456789-abcdefghij"
    with pytest.raises(CommandError, match="DSR_AUDIT_CHAIN_PREVIOUS_KEYS"):
        call_command("audit_key_epoch")
    assert AuditEntry.objects.count() == 1


def test_entries_from_before_keys_are_sealed_and_stay_valid():
    # Rows as written before migration 0007: no key id, plain SHA-256.
    prev_hash = audit.GENESIS_HASH
    for i in range(4):
        entry = audit.AuditEntry(at=audit.timezone.now(), action="legacy.event", data={"n": i}, prev_hash=prev_hash)
        entry.row_hash = audit.compute_hash(prev_hash, entry, None)
        entry.save(force_insert=True)
        prev_hash = entry.row_hash
    assert audit.seal_unkeyed_chain(AuditEntry)
    assert not audit.seal_unkeyed_chain(AuditEntry)  # once
    audit.record(action="test.event")
    assert audit.verify_chain().ok
    # After the seal an unkeyed row can no longer be slipped in at the end.
    with tamper():
        _forge_after(random.Random(1), AuditEntry.objects.order_by("-id").first(), 1)
    assert not audit.verify_chain().ok


def test_generate_prints_a_fresh_key(capsys):
    call_command("audit_key_epoch", "--generate")
    first = capsys.readouterr().out.strip()
    call_command("audit_key_epoch", "--generate")
    assert len(first) >= 60
    assert capsys.readouterr().out.strip() != first
