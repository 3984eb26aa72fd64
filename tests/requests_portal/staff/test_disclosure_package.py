"""開示データ: staff attach the disclosed data before approval, approval checks it is there, and
the decision notice releases it: the member downloads it from the notice's day until the last day
the notice names. Data attached after the notice runs for the same period from its attach date,
and the member is mailed."""

from datetime import timedelta

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_portal import selectors, services, storage
from requests_portal.exceptions import DomainError
from requests_portal.letters import services as letters
from requests_portal.models import (
    AuditEntry,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    Document,
    DocumentCategory,
    EventType,
    LetterKind,
    OutboundMail,
    RequestEvent,
    RequestKind,
    RetentionPolicy,
    Status,
)
from requests_portal.uploads import UploadRejected, accept_upload
from requests_portal.wareki import format_wareki
from tests.factories import advance, attach_disclosure_package, submit
from tests.requests_portal.member import files

pytestmark = pytest.mark.django_db


def url(dsr: DataSubjectRequest) -> str:
    return reverse("requests_portal:staff_dsr_disclosure_package", args=[dsr.public_id])


def case_url(dsr: DataSubjectRequest) -> str:
    return reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])


def _png(name: str = "開示データ_共済記録.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.png(), content_type="image/png")


def _pdf(name: str = "出資金の記録.pdf", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.pdf("Contribution records", **kwargs), content_type="application/pdf")


def _stored_files() -> set:
    return {path.name for folder in storage.folders() for path in folder.iterdir()}


def _issue_notice(dsr: DataSubjectRequest) -> None:
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    dsr.refresh_from_db()


@pytest.fixture
def decided(
    member,
    ga_staff,
    supervisor,
):
    """An electronic 開示 decided (一部開示) and its notice issued on the portal."""
    dsr = submit(member, disclosure_method=DisclosureMethod.ELECTRONIC)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    _issue_notice(dsr)
    return dsr


def _until() -> object:
    return timezone.localdate() + timedelta(days=RetentionPolicy.load().disclosure_download_days)


# The package every electronic disclosure is approved with (tests.factories.advance).
APPROVED_WITH = "開示データ.pdf"


def _package_names(dsr: DataSubjectRequest) -> set[str]:
    return set(
        Document.objects.filter(dsr=dsr, category=DocumentCategory.DISCLOSURE_PACKAGE).values_list(
            "original_name", flat=True
        )
    )


def test_staff_attaches_a_package_and_the_member_is_told(client, decided, ga_staff, member):
    assert decided.status == Status.NOTIFIED  # a notice delivered on the portal completes the answer
    client.force_login(ga_staff)
    page = client.get(case_url(decided)).content.decode()
    assert "開示データ" in page
    assert url(decided) in page

    response = client.post(url(decided), {"files": [_png(), _pdf()]})
    assert response.status_code == 302

    packages = Document.objects.filter(dsr=decided, category=DocumentCategory.DISCLOSURE_PACKAGE).exclude(
        original_name=APPROVED_WITH
    )
    assert packages.count() == 2
    assert {d.original_name for d in packages} == {"開示データ_共済記録.png", "出資金の記録.pdf"}
    assert all(d.owner_id == ga_staff.pk for d in packages)
    # Attached after the notice: released at once, for the full period from the attach date.
    assert {timezone.localdate(d.purge_after) for d in packages} == {_until()}
    assert all(d.released_at is not None for d in packages)

    entry = AuditEntry.objects.filter(action="dsr.disclosure_package", object_ref=decided.reference).last()
    assert entry.actor_id == ga_staff.pk
    events = RequestEvent.objects.filter(
        dsr=decided, event_type=EventType.DOCUMENT_ADDED, extra__document_id__in=[d.pk for d in packages]
    )
    assert events.count() == 2
    assert all(event.member_visible for event in events)

    mail = OutboundMail.objects.get(dsr=decided, template="dsr_disclosure_package")
    assert mail.to_user_id == member.pk
    assert decided.reference not in mail.subject
    assert decided.reference in mail.body
    assert format_wareki(_until()) in mail.body

    page = client.get(case_url(decided)).content.decode()
    for document in packages:
        assert reverse("requests_portal:document_download", args=[document.public_id]) in page
    assert str(ga_staff) in page


def test_member_downloads_the_package_and_another_member_gets_404(client, decided, ga_staff, member, other_member):
    services.dsr_attach_disclosure_package(dsr=decided, actor=ga_staff, files=[_png()])
    document = Document.objects.get(dsr=decided, category=DocumentCategory.DISCLOSURE_PACKAGE, content_type="image/png")
    download = reverse("requests_portal:document_download", args=[document.public_id])

    client.force_login(member)
    page = client.get(reverse("requests_portal:member_dsr_detail", args=[decided.public_id])).content.decode()
    assert 'id="packages-heading"' in page
    assert download in page
    assert format_wareki(_until()) in page  # the last day, as in the notice
    assert "開示データが掲載されました" in page  # the timeline

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"\x89PNG")

    client.force_login(other_member)
    assert client.get(download).status_code == 404

    # After the notice's last day the member's window is closed, though the nightly purge
    # has not run yet; staff still reach the file until it does.
    Document.objects.filter(pk=document.pk).update(purge_after=timezone.now() - timedelta(minutes=1))
    client.force_login(member)
    assert client.get(download).status_code == 404
    page = client.get(reverse("requests_portal:member_dsr_detail", args=[decided.public_id])).content.decode()
    assert download not in page
    client.force_login(ga_staff)
    assert client.get(download).status_code == 200


def test_data_attached_in_review_reaches_the_member_with_the_notice(client, member, ga_staff, supervisor):
    """Attached before approval, the data stays with staff; the notice releases it, and the
    period the notice prints starts the day the member can download."""
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.IN_REVIEW,
        handler=ga_staff,
        approver=supervisor,
    )
    client.force_login(ga_staff)
    assert client.post(url(dsr), {"files": [_png()]}).status_code == 302
    package = Document.objects.get(dsr=dsr, category=DocumentCategory.DISCLOSURE_PACKAGE)
    assert package.released_at is None
    assert package.purge_after is None
    assert not RequestEvent.objects.filter(dsr=dsr, event_type=EventType.DOCUMENT_ADDED, member_visible=True).exists()
    download = reverse("requests_portal:document_download", args=[package.public_id])
    client.force_login(member)
    assert client.get(download).status_code == 404  # not before the notice

    services.dsr_draft_decision(
        dsr=dsr, actor=ga_staff, decision=Decision.DISCLOSED_FULL, details={"disclosed_items": "共済契約の記録"}
    )
    services.dsr_approve_decision(dsr=dsr, actor=supervisor)
    package.refresh_from_db()
    assert package.released_at is None  # approved, but the notice is not issued yet
    _issue_notice(dsr)

    package.refresh_from_db()
    notice = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert package.released_at is not None
    assert timezone.localdate(package.released_at) == timezone.localdate(notice.rendered_at)
    assert timezone.localdate(package.purge_after) == _until()
    assert notice.payload["download_until"] == _until().isoformat()
    assert client.get(download).status_code == 200
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.DOCUMENT_ADDED, member_visible=True).count() == 1
    # The notice is what tells the member; no separate package mail.
    assert not OutboundMail.objects.filter(dsr=dsr, template="dsr_disclosure_package").exists()


def test_electronic_disclosure_is_not_approved_without_its_data(client, member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.IN_REVIEW,
        handler=ga_staff,
        approver=supervisor,
    )
    services.dsr_draft_decision(
        dsr=dsr, actor=ga_staff, decision=Decision.DISCLOSED_FULL, details={"disclosed_items": "共済契約の記録"}
    )
    with pytest.raises(DomainError, match="開示データを添付してください"):
        services.dsr_approve_decision(dsr=dsr, actor=supervisor)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.AWAITING_APPROVAL
    assert not dsr.letters.filter(kind=LetterKind.DISCLOSURE_DECISION).exists()
    client.force_login(supervisor)
    page = client.get(case_url(dsr)).content.decode()
    assert "開示データを添付してください" in page  # the approve button explains why it is blocked

    attach_disclosure_package(dsr, ga_staff)
    services.dsr_approve_decision(dsr=dsr, actor=supervisor)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.DECIDED


def test_paper_disclosure_is_approved_without_attached_data(member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.PAPER), Status.DECIDED, handler=ga_staff, approver=supervisor
    )
    assert dsr.status == Status.DECIDED
    assert _package_names(dsr) == set()


def test_package_refused_before_review_nothing_is_stored(client, member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.VERIFYING,
        handler=ga_staff,
        approver=supervisor,
    )
    before = _stored_files()
    client.force_login(ga_staff)
    response = client.post(url(dsr), {"files": [_png()]}, follow=True)
    page = response.content.decode()
    assert "開示データを添付できませんでした" in page
    assert "審査中から通知済みまで" in page
    assert _package_names(dsr) == set()
    assert _stored_files() == before
    assert not OutboundMail.objects.filter(template="dsr_disclosure_package").exists()


def test_package_refused_for_another_kind(client, member, ga_staff, supervisor):
    dsr = advance(submit(member, kind=RequestKind.CORRECTION), Status.DECIDED, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    assert url(dsr) not in client.get(case_url(dsr)).content.decode()
    page = client.post(url(dsr), {"files": [_png()]}, follow=True).content.decode()
    assert "開示または第三者提供記録の開示の請求のみ" in page
    assert _package_names(dsr) == set()


def test_package_refused_for_paper_or_a_decision_that_discloses_nothing(
    member,
    ga_staff,
    supervisor,
):
    paper = submit(member, disclosure_method=DisclosureMethod.PAPER)
    advance(paper, Status.DECIDED, handler=ga_staff, approver=supervisor)
    assert "電磁的記録の提供" in selectors.disclosure_package_refusal(paper)

    nothing = submit(member, disclosure_method=DisclosureMethod.ELECTRONIC)
    advance(nothing, Status.DECIDED, handler=ga_staff, approver=supervisor)
    DataSubjectRequest.objects.filter(pk=nothing.pk).update(decision=Decision.NOT_HELD)
    nothing.refresh_from_db()
    assert "開示するデータがない" in selectors.disclosure_package_refusal(nothing)


def test_data_attached_after_the_notice_runs_from_its_attach_date(member, ga_staff, supervisor, time_machine):
    dsr = submit(member, disclosure_method=DisclosureMethod.ELECTRONIC)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    # Decided, notice not issued yet: held for the notice like data attached in review.
    assert selectors.disclosure_package_check(dsr) == (None, None)
    _issue_notice(dsr)
    notice_until = selectors.disclosure_download_until(dsr)
    assert notice_until == _until()

    # Even after the notice's own period, data attached later gets the full period from its
    # attach date, and the member is told that day.
    time_machine.move_to(timezone.now() + timedelta(days=20), tick=False)
    services.dsr_attach_disclosure_package(dsr=dsr, actor=ga_staff, files=[_png("追加の記録.png")])
    late = Document.objects.get(dsr=dsr, original_name="追加の記録.png")
    assert timezone.localdate(late.purge_after) == _until() == notice_until + timedelta(days=20)
    mail = OutboundMail.objects.get(dsr=dsr, template="dsr_disclosure_package")
    assert format_wareki(_until()) in mail.body


def test_a_reissued_notice_moves_the_packages_last_day(decided, ga_staff, time_machine):
    services.dsr_attach_disclosure_package(dsr=decided, actor=ga_staff, files=[_png()])
    first_until = _until()
    time_machine.move_to(timezone.now() + timedelta(days=3), tick=False)
    old = decided.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    new = letters.letter_rerender(letter=old, actor=ga_staff, reason="差出人の職名を訂正したため")
    assert letters.letter_render(letter_id=new.pk) == letters.RENDERED
    packages = Document.objects.filter(dsr=decided, category=DocumentCategory.DISCLOSURE_PACKAGE)
    assert packages.count() == 2
    assert {timezone.localdate(p.purge_after) for p in packages} == {first_until + timedelta(days=3)}
    # The day the new notice prints is kept on it, so a later policy change does not move it.
    new.refresh_from_db()
    assert new.payload["download_until"] == (first_until + timedelta(days=3)).isoformat()
    RetentionPolicy.objects.update(disclosure_download_days=99)
    assert selectors.disclosure_download_until(decided) == first_until + timedelta(days=3)


def test_one_refused_file_keeps_nothing_and_names_the_file(client, decided, ga_staff):
    before = _stored_files()
    client.force_login(ga_staff)
    response = client.post(url(decided), {"files": [_png(), _pdf("保護された記録.pdf", password="x")]}, follow=True)
    page = response.content.decode()
    assert "保護された記録" in page
    assert "パスワード" in page
    assert _package_names(decided) == {APPROVED_WITH}
    assert _stored_files() == before


def test_a_file_named_with_a_my_number_is_refused(client, decided, ga_staff):
    client.force_login(ga_staff)
    page = client.post(url(decided), {"files": [_png("記録_123456789018.png")]}, follow=True).content.decode()
    assert "123456789018" not in page
    assert "ファイル名にマイナンバー" in page
    assert _package_names(decided) == {APPROVED_WITH}


def test_no_file_chosen_is_an_error(client, decided, ga_staff):
    client.force_login(ga_staff)
    page = client.post(url(decided), {}, follow=True).content.decode()
    assert "添付するファイルを選んでください" in page


def test_auditor_gets_404_on_the_post_and_sees_no_form(client, decided, auditor):
    client.force_login(auditor)
    page = client.get(case_url(decided)).content.decode()
    assert "開示データ" in page
    assert url(decided) not in page
    assert client.post(url(decided), {"files": [_png()]}).status_code == 404
    assert _package_names(decided) == {APPROVED_WITH}


def _csv(name: str, text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_a_package_may_be_csv_when_the_member_asked_for_it(decided, ga_staff):
    """Shift_JIS from Excel is stored as UTF-8 with a BOM; negative numbers are data, not formulas."""
    rows = "項目,金額\r\n出資金,10000\r\n返戻金,-2500\r\n"
    services.dsr_attach_disclosure_package(dsr=decided, actor=ga_staff, files=[_csv("出資金.csv", rows, "cp932")])
    package = Document.objects.get(dsr=decided, category=DocumentCategory.DISCLOSURE_PACKAGE, content_type="text/csv")
    assert (package.content_type, package.original_name) == ("text/csv", "出資金.csv")
    assert storage.read(package.storage_name) == ("\ufeff" + rows).encode("utf-8")


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ('項目,値\r\n備考,=HYPERLINK("http://example.invalid")\r\n', "2行目"),
        ("項目,値\r\n計算,-1+2\r\n", "数式"),
        ("氏名,番号\r\n山田,123456789018\r\n", "マイナンバー"),
    ],
)
def test_a_csv_package_that_would_run_or_holds_a_my_number_is_refused(decided, ga_staff, text, refusal):
    with pytest.raises(UploadRejected) as rejected:
        services.dsr_attach_disclosure_package(dsr=decided, actor=ga_staff, files=[_csv("data.csv", text)])
    assert refusal in " ".join(rejected.value.messages)
    assert _package_names(decided) == {APPROVED_WITH}


def test_a_requester_can_never_upload_a_csv(member):
    with pytest.raises(UploadRejected) as rejected:
        accept_upload(_csv("本人確認.csv", "a,b\r\n1,2\r\n"), owner=member, category=DocumentCategory.IDENTITY)
    assert "PDF、JPEG、PNG のファイルのみ" in " ".join(rejected.value.messages)
