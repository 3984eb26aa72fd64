"""The oversight pages in Chromium at phone width: charts render under CSP, nothing overflows
the page, and a bulk job's progress updates by itself (htmx) and works without it."""

from datetime import timedelta

import pytest

from django.utils import timezone

from requests_portal import storage
from requests_portal.models import BulkJob
from requests_portal.roles import Role
from tests.factories import member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_dashboard_renders_charts_without_csp_violations_on_a_phone(page, login):
    supervisor = staff_user(Role.GA_SUPERVISOR)
    for _index in range(3):
        submit(member_user())
    login(page, supervisor)
    page.goto("/oversight/")
    assert page.get_by_role("heading", level=1).inner_text() == "監督者ダッシュボード"
    assert page.locator("svg.chart__svg").count() >= 6
    assert page.locator("table.figures").count() >= 8
    assert page.get_by_role("img", name="月別の受付・完了・月末の未完了件数").is_visible()
    assert _fits_the_screen(page)
    page.get_by_label("種類", exact=True).select_option("disclosure")
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_url("**/oversight/?*kind=disclosure*")
    assert "3" in page.locator(".kpi").first.inner_text()
    assert page.problems == []


def test_job_progress_updates_by_itself(page, login):
    supervisor = staff_user(Role.GA_SUPERVISOR)
    job = BulkJob.objects.create(
        kind="export.queue", created_by=supervisor, state=BulkJob.State.RUNNING, total=10, done=4,
        params={"query": ""}, result={"parts": []}, started_at=timezone.now(), heartbeat_at=timezone.now(),
    )  # fmt: skip
    login(page, supervisor)
    page.goto(f"/oversight/jobs/{job.public_id}/")
    assert "4 / 10 件" in page.locator("#job-progress").inner_text()
    assert page.get_by_role("link", name="最新の状況を表示する").is_visible()
    part = storage.save(b"\xef\xbb\xbfa\r\n")
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.DONE, done=10, finished_at=timezone.now() - timedelta(seconds=1),
        result={"parts": [part], "bytes": 6, "rows": 10, "filename": "queue_export.csv"}, storage_name=part,
    )  # fmt: skip
    download = page.get_by_role("link", name="ファイルをダウンロード")
    download.wait_for(timeout=10_000)
    assert "10 / 10 件" in page.locator("#job-progress").inner_text()
    assert _fits_the_screen(page)
    assert page.problems == []


def test_retention_and_export_pages_fit_a_phone(page, login):
    supervisor = staff_user(Role.GA_SUPERVISOR)
    login(page, supervisor)
    for path in ("/oversight/retention/", "/oversight/export/?status=in_review", "/oversight/annual/"):
        page.goto(path)
        assert _fits_the_screen(page), path
    assert page.problems == []
