"""The staff pages: the upload (check → confirm → import), and the records of a records-disclosure
case with a choice per record. Both audited; a bad file loses nothing and says why."""

from datetime import timedelta

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal import storage
from requests_portal.models import AuditEntry, ProvisionRecord, ProvisionRecordChoice, RequestKind, Status
from requests_portal.roles import Role
from requests_portal.views.staff.provision import PENDING_KEY
from tests.factories import MemberFactory, advance, staff_user, submit
from tests.requests_portal.provision.test_import_command import HEADER, provided

pytestmark = pytest.mark.django_db
IMPORT = "requests_portal:staff_provision_import"


@pytest.fixture
def admin(db):
    return staff_user(Role.ADMIN)


@pytest.fixture
def roster(db):
    return MemberFactory(member_number="100001")


def csv_file(*rows: str, encoding: str = "utf-8", name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding), "text/csv")


def test_check_then_confirm_imports_and_both_steps_are_audited(client, admin, roster):
    client.force_login(admin)
    page = client.post(reverse(IMPORT), {"records": csv_file(provided("PR-1"), encoding="cp932"), "encoding": "auto"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "取り込めます" in text
    assert "shift_jis" in text
    assert not ProvisionRecord.objects.exists()  # the check writes nothing
    pending = client.session[PENDING_KEY]
    assert storage.exists(pending["name"])

    done = client.post(reverse(IMPORT), {"confirm": pending["sha256"]})
    assert done.status_code == 302
    assert list(ProvisionRecord.objects.values_list("source_ref", flat=True)) == ["PR-1"]
    assert not storage.exists(pending["name"])  # the staged file is gone once imported
    assert PENDING_KEY not in client.session
    actions = list(
        AuditEntry.objects.filter(actor_id=admin.pk, action__startswith="provision_records.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["provision_records.preview", "provision_records.import"]


def test_a_bad_row_is_listed_by_line_and_column_and_nothing_is_staged(client, admin, roster):
    client.force_login(admin)
    page = client.post(reverse(IMPORT), {"records": csv_file(provided("PR-1"), provided("PR-1")), "encoding": "auto"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "3行目" in text
    assert "2行目と同じ記録番号です。" in text
    assert 'role="alert"' in text  # the error summary
    assert PENDING_KEY not in client.session
    assert not ProvisionRecord.objects.exists()
    assert AuditEntry.objects.filter(action="provision_records.refused", outcome="refused").count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "取り込むCSVファイルを選んでください。"),
        (SimpleUploadedFile("records.xlsx", b"x"), "CSVファイル（拡張子 .csv）を選んでください。"),
        (SimpleUploadedFile("records.csv", "見出し\n".encode()), "見出し行に"),
    ],
)
def test_a_wrong_file_choice_gets_a_clear_error_next_to_the_field(client, admin, upload, message):
    client.force_login(admin)
    data = {"encoding": "auto"} | ({"records": upload} if upload else {})
    page = client.post(reverse(IMPORT), data)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert 'id="id_records_errors"' in page.content.decode()


def test_a_confirm_without_a_checked_file_imports_nothing(client, admin, roster):
    client.force_login(admin)
    response = client.post(reverse(IMPORT), {"confirm": "0" * 64})
    assert response.status_code == 302
    assert not ProvisionRecord.objects.exists()


def test_staff_without_the_capability_get_404(client, ga_staff):
    client.force_login(ga_staff)
    assert client.get(reverse(IMPORT)).status_code == 404


def test_the_page_reads_english_when_the_reader_does(client, admin, roster):
    client.force_login(admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.post(reverse(IMPORT), {"records": csv_file(provided("PR-1"), provided("PR-1")), "encoding": "auto"})
    assert "Same record number as line 2." in page.content.decode()


# --- the case page ---------------------------------------------------------------------------------


@pytest.fixture
def records_case(member, ga_staff, supervisor):
    ProvisionRecord.objects.create(
        member=member.member,
        source_ref="PR-1",
        direction="provided",
        occurred_on=timezone.localdate() - timedelta(days=10),
        third_party_name="株式会社共済サービス",
        data_items="氏名",
        consent_obtained=True,
        legal_basis="consent",
    )
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    return advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)


def test_staff_see_the_records_on_the_case_page_and_choose_per_record(client, ga_staff, records_case):
    record = ProvisionRecord.objects.get()
    client.force_login(ga_staff)
    detail = client.get(reverse("requests_portal:staff_dsr_detail", args=[records_case.public_id]))
    assert "本人の記録は 1 件です" in detail.content.decode()
    page = client.get(reverse("requests_portal:staff_dsr_provision_records", args=[records_case.public_id]))
    assert page.status_code == 200
    assert "株式会社共済サービス" in page.content.decode()
    assert AuditEntry.objects.filter(action="dsr.provision_records.view", actor_id=ga_staff.pk).exists()

    choose = reverse("requests_portal:staff_dsr_provision_records_choose", args=[records_case.public_id])
    # Withholding without a ground or a reason comes back with the errors and the input kept.
    refused = client.post(choose, {f"choice_{record.pk}": "withhold", f"reason_{record.pk}": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "開示しない根拠（第33条第2項第1号〜第3号）を選んでください。" in body
    assert 'value="withhold" required id="id_choice_' in body or 'value="withhold"' in body
    assert not ProvisionRecordChoice.objects.exists()

    saved = client.post(
        choose,
        {f"choice_{record.pk}": "withhold", f"ground_{record.pk}": "art33_2_2", f"reason_{record.pk}": "守秘義務"},
    )
    assert saved.status_code == 302
    choice = ProvisionRecordChoice.objects.get()
    assert (choice.withheld, choice.ground, choice.reason, choice.decided_by) == (
        True,
        "art33_2_2",
        "守秘義務",
        ga_staff,
    )
    assert AuditEntry.objects.filter(action="dsr.provision_records.choose", actor_id=ga_staff.pk).exists()


def test_a_reader_without_handle_access_sees_but_cannot_choose(client, records_case):
    auditor = staff_user(Role.AUDITOR)
    client.force_login(auditor)
    page = client.get(reverse("requests_portal:staff_dsr_provision_records", args=[records_case.public_id]))
    assert page.status_code == 200
    assert "選択を保存する" not in page.content.decode()
    record = ProvisionRecord.objects.get()
    choose = reverse("requests_portal:staff_dsr_provision_records_choose", args=[records_case.public_id])
    assert client.post(choose, {f"choice_{record.pk}": "disclose"}).status_code == 404
    assert not ProvisionRecordChoice.objects.exists()
