from django.urls import path

from requests_portal.views import oversight

urlpatterns = [
    path("oversight/", oversight.dashboard, name="oversight_dashboard"),
    path("oversight/dashboard/<slug:table>.csv", oversight.dashboard_csv, name="oversight_dashboard_csv"),
    path("oversight/annual/", oversight.annual, name="oversight_annual"),
    path("oversight/annual.csv", oversight.annual_csv, name="oversight_annual_csv"),
    path("oversight/export/", oversight.queue_export, name="oversight_queue_export"),
    path("oversight/export/queue.csv", oversight.queue_export_csv, name="oversight_queue_export_csv"),
    path("oversight/export/job/", oversight.queue_export_job, name="oversight_queue_export_job"),
    path("oversight/jobs/", oversight.job_list, name="oversight_jobs"),
    path("oversight/jobs/<uuid:public_id>/", oversight.job_detail, name="oversight_job"),
    path("oversight/jobs/<uuid:public_id>/download/", oversight.job_download, name="oversight_job_download"),
    path("oversight/retention/", oversight.retention_overview, name="oversight_retention"),
    path("oversight/retention/hold/", oversight.legal_hold, name="oversight_legal_hold"),
    path("oversight/disposals/", oversight.disposals, name="oversight_disposals"),
    path("oversight/disposals.csv", oversight.disposals_csv, name="oversight_disposals_csv"),
]
