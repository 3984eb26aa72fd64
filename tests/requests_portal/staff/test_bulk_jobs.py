"""Long staff operations run as bulk jobs with progress: large reassignments and the roster import."""

import pytest

from django.urls import reverse

from requests_portal import storage
from requests_portal.models import BulkJob, DataSubjectRequest, EventType, Member, Status
from requests_portal.roles import Role
from tests.factories import advance, member_user, staff_user, submit

pytestmark = pytest.mark.django_db

ROSTER_HEADER = "組合員番号,氏名,フリガナ,生年月日,〒,住所,電話,メール\n"


def test_a_large_selection_is_reassigned_as_a_job(client, ga_staff, ga_staff2, django_capture_on_commit_callbacks):
    cases = [submit(member_user()) for _ in range(25)]
    client.force_login(ga_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_portal:staff_queue_bulk_assign"),
            {"cases": [str(dsr.public_id) for dsr in cases], "assignee": str(ga_staff2.pk)},
        )
    job = BulkJob.objects.get()
    assert response["Location"] == reverse("requests_portal:oversight_job", args=[job.public_id])
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (BulkJob.State.DONE, 25, 25)
    assert DataSubjectRequest.objects.filter(assignee=ga_staff2).count() == 25
    page = client.get(response["Location"]).content.decode()
    assert "担当者の一括変更" in page
    assert "25件" in page


def test_a_small_selection_is_reassigned_at_once(client, ga_staff, ga_staff2):
    cases = [submit(member_user()) for _ in range(3)]
    client.force_login(ga_staff)
    client.post(
        reverse("requests_portal:staff_queue_bulk_assign"),
        {"cases": [str(dsr.public_id) for dsr in cases], "assignee": str(ga_staff2.pk)},
    )
    assert not BulkJob.objects.exists()
    assert DataSubjectRequest.objects.filter(assignee=ga_staff2).count() == 3


def test_supervisor_hands_over_everything_a_colleague_holds(
    client, ga_staff, ga_staff2, supervisor, django_capture_on_commit_callbacks
):
    held = [advance(submit(member_user()), Status.VERIFYING, handler=ga_staff, approver=supervisor) for _ in range(4)]
    closed = advance(submit(member_user()), Status.CLOSED, handler=ga_staff, approver=supervisor)
    client.force_login(supervisor)
    url = reverse("requests_portal:staff_reassign")
    assert client.get(url).status_code == 200
    choice = {"from_assignee": str(ga_staff.pk), "assignee": str(ga_staff2.pk)}
    # Each case is taken from a colleague: without a reason nothing starts, and the choice stays.
    refused = client.post(url, choice)
    assert refused.status_code == 400
    assert "引き継ぎの理由を入力してください。" in refused.content.decode()
    assert refused.context["form"]["from_assignee"].value() == str(ga_staff.pk)
    assert not BulkJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**choice, "reason": "異動のため"})
    assert response.status_code == 302
    assert set(DataSubjectRequest.objects.filter(assignee=ga_staff2).values_list("pk", flat=True)) == {
        dsr.pk for dsr in held
    }
    for dsr in held:
        takeover = dsr.events.filter(event_type=EventType.ASSIGNED, actor=supervisor).get()
        assert (takeover.note, takeover.extra["from"], takeover.extra["takeover"]) == ("異動のため", ga_staff.pk, True)
    closed.refresh_from_db()
    assert closed.assignee == ga_staff  # finished cases keep their history


def test_reassign_page_is_for_approvers_only(client, ga_staff):
    client.force_login(ga_staff)
    assert client.get(reverse("requests_portal:staff_reassign")).status_code == 404


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(text: str, name: str = "roster.csv"):
        roster = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("requests_portal:staff_roster_import"), {"roster": roster})

    return post


def test_admin_imports_the_roster_with_progress_and_summary(client, upload):
    admin = staff_user(Role.ADMIN, is_staff=True)
    client.force_login(admin)
    rows = "".join(
        f"9{n:05d},組合員 {n},ｸﾐｱｲｲﾝ,1980-04-01,1000013,東京都,03-0000-0000,m{n}@example.jp\n" for n in range(30)
    )
    response = upload(ROSTER_HEADER + rows)
    job = BulkJob.objects.get(kind="roster_import")
    assert response["Location"] == reverse("requests_portal:oversight_job", args=[job.public_id])
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert job.result["created"] == 30
    assert (job.done, job.total) == (30, 30)  # rows, though each row took two steps
    assert Member.objects.get(member_number="900007").full_name_kana == "クミアイイン"
    assert not storage.exists(job.params["storage_name"])  # the uploaded roster is gone
    page = client.get(response["Location"]).content.decode()
    assert "すべての行を取り込みました" in page


def test_a_roster_with_a_bad_row_imports_nothing_and_says_where(client, upload):
    admin = staff_user(Role.ADMIN, is_staff=True)
    client.force_login(admin)
    good = "800001,山田 花子,ヤマダ ハナコ,1980-04-01,1000013,東京都,03-0000-0000,a@example.jp\n"
    bad = "800002,山田 次郎,ヤマダ ジロウ,昭和64年1月8日,1000013,東京都,03-0000-0000,b@example.jp\n"
    upload(ROSTER_HEADER + good + bad)
    job = BulkJob.objects.get(kind="roster_import")
    assert job.state == BulkJob.State.DONE
    assert job.result["rejected"] == 1
    assert job.result["errors"][0].startswith("3行目")
    assert not Member.objects.filter(member_number__in=["800001", "800002"]).exists()


@pytest.mark.parametrize("who", ["ga_staff", "supervisor", "member"])
def test_roster_import_is_for_the_admin_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("requests_portal:staff_roster_import")).status_code == 404
