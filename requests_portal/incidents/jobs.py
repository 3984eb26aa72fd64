"""The bulk job that issues the notices to every affected member (個人情報保護法第26条第2項),
with progress on the job's page (requests_portal.jobs). A member already notified is skipped,
so a re-run or a resumed job never notifies anyone twice."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from requests_portal.exceptions import DomainError
from requests_portal.incidents.permissions import Can, incident_can
from requests_portal.incidents.services import NOTICE_JOB, notice_issue
from requests_portal.jobs import JobHandler, register
from requests_portal.models import BulkJob, Incident, Member, User


@register
class IncidentNoticeJob(JobHandler):
    kind = NOTICE_JOB
    label = _("漏えい等事案の本人への通知")
    chunk_size = 25

    def validate(self, *, actor: User, params: dict) -> dict:
        incident_id = params.get("incident_id")
        incident = Incident.objects.filter(pk=incident_id).first() if incident_id is not None else None
        if incident is None or not incident_can(actor, incident, Can.MANAGE):
            raise DomainError(_("この事案の通知を作成する権限がありません。"))
        return {"incident_id": incident.pk, "restricted": incident.is_my_number, "reference": incident.reference}

    def _waiting(self, incident: Incident) -> QuerySet[Member]:
        return (
            Member.objects.filter(incident_links__incident=incident)
            .exclude(incident_notices__incident=incident)
            .order_by("pk")
        )

    def prepare(self, job: BulkJob) -> int:
        incident = Incident.objects.get(pk=job.params["incident_id"])
        job.result = {"issued": 0}
        return self._waiting(incident).count()

    def run_chunk(self, job: BulkJob) -> int:
        incident = Incident.objects.get(pk=job.params["incident_id"])
        # The actor's rights are re-derived in every chunk (they may have lost them meanwhile).
        if not incident_can(job.created_by, incident, Can.MANAGE):
            raise DomainError(_("この事案の通知を作成する権限がありません。"))
        batch = list(self._waiting(incident)[: self.chunk_size])
        for member in batch:
            notice_issue(actor=job.created_by, incident=incident, member=member)
        job.result = {**job.result, "issued": job.result.get("issued", 0) + len(batch)}
        return len(batch)

    def summary(self, job: BulkJob) -> list[tuple[str, str]]:
        return [
            (str(_("事案番号")), str(job.params.get("reference", ""))),
            (str(_("作成した通知")), str(job.result.get("issued", 0))),
        ]
