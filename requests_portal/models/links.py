"""Links between cases: the duplicates found when a case is filed, and the links staff make.

A member who files twice about the same data, or a paper request that repeats an online one,
gives two cases. Filing records each earlier open case that may be the same request as a
`DuplicateCandidate`; staff then link the two (`CaseLink`) as a duplicate, which closes the
later one with a notice naming the primary, or as related, which closes nothing
(docs/architecture.md#duplicates).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import DataSubjectRequest


class CaseLinkType(models.TextChoices):
    DUPLICATE = "duplicate", _("重複")
    RELATED = "related", _("関連")


class DuplicateCandidate(models.Model):
    """`dsr`, when filed, looked like a repeat of `earlier` (same member and kind, an open case
    received within the window, overlapping data categories). Stored for everyone; each reader
    sees a pair only when both cases are visible to them (selectors.dsr_duplicate_candidates)."""

    dsr = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="duplicate_candidates")
    earlier = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="later_candidates")
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("重複の可能性")
        verbose_name_plural = _("重複の可能性")
        constraints = [
            models.UniqueConstraint(fields=["dsr", "earlier"], name="duplicate_candidate_once"),
            models.CheckConstraint(condition=~Q(dsr=F("earlier")), name="duplicate_candidate_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.dsr_id} ~ {self.earlier_id}"


class CaseLink(models.Model):
    """Two cases linked by staff. For a duplicate, `secondary` is the duplicate (closed with a
    notice naming `primary`); for a related link the two are peers and `primary` is the case
    the link was made from. An unlinked link stays, with who unlinked it, when and why."""

    primary = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="links_as_primary")
    secondary = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="links_as_secondary")
    link_type = models.CharField(_("関連付けの種類"), max_length=20, choices=CaseLinkType.choices)
    note = models.TextField(_("メモ"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = models.TextField(_("解除の理由"), blank=True)

    class Meta:
        verbose_name = _("事案の関連付け")
        verbose_name_plural = _("事案の関連付け")
        constraints = [
            models.CheckConstraint(condition=~Q(primary=F("secondary")), name="case_link_not_self"),
            # One live link per pair, and a case is the duplicate of at most one primary.
            models.UniqueConstraint(
                fields=["primary", "secondary"], condition=Q(unlinked_at__isnull=True), name="case_link_live_once"
            ),
            models.UniqueConstraint(
                fields=["secondary"],
                condition=Q(unlinked_at__isnull=True, link_type="duplicate"),
                name="case_link_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.secondary_id} {self.link_type} {self.primary_id}"

    @property
    def is_live(self) -> bool:
        return self.unlinked_at is None

    def other(self, dsr: DataSubjectRequest) -> DataSubjectRequest:
        return self.secondary if dsr.pk == self.primary_id else self.primary
