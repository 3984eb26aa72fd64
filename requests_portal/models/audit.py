"""The append-only, hash-chained audit trail (see requests_portal/audit.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One read or write of a case, document, letter or report, by anyone, including denials.

    Append-only: each row carries the hash of the previous one (`prev_hash`) and its own
    (`row_hash`, an HMAC under the chain key named by `key_id`); on PostgreSQL a trigger
    refuses UPDATE, DELETE and TRUNCATE. Objects are
    named by type, id and reference, never by foreign key, so that purging a case under the
    retention rules leaves the trail intact. Never holds a My Number or free text.
    `restricted` marks entries about My Number cases, shown only to the officers.
    """

    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_ref = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=20, default="ok")
    restricted = models.BooleanField(default=False)
    ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Which chain key signed this row (requests_portal.audit.key_id_of); blank before keys.
    key_id = models.CharField(max_length=16, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["object_ref"], name="audit_object_ref"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_ref}"
