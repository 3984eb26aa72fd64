"""Provision records in Chromium: the administrator's upload (a bad file, then a good one, check
and confirm) and a handler withholding one record on a records-disclosure case, with the
accessibility checks of test_accessibility.py on each page."""

from datetime import timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from requests_portal.models import ProvisionRecord, ProvisionRecordChoice, RequestKind, Status
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.e2e.test_accessibility import AUDIT_SCRIPT
from tests.factories import MemberFactory, advance, member_user, staff_user, submit
from tests.requests_portal.provision.test_import_command import HEADER, provided

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# A form answered with its errors is a 400 on purpose; Chromium logs that as a console error.
FORM_ERROR = "the server responded with a status of 400"


def _console_problems(page) -> list[str]:
    return [problem for problem in page.problems if FORM_ERROR not in problem]


def _audited(page) -> list[str]:
    return [f"{page.url}: {problem}" for problem in page.evaluate(AUDIT_SCRIPT, "ja")]


def test_the_administrator_checks_then_imports_a_file(page, login, tmp_path):
    MemberFactory(member_number="100001")
    login(page, staff_user(Role.ADMIN))
    page.goto(reverse("requests_portal:staff_provision_import"))
    problems = _audited(page)

    bad = tmp_path / "bad.csv"
    bad.write_bytes("\r\n".join([HEADER, provided("PR-1"), provided("PR-1")]).encode("cp932"))
    page.set_input_files("#id_records", str(bad))
    page.get_by_role("button", name="検査する").click()
    page.wait_for_selector("#error-summary")
    assert "2行目と同じ記録番号です。" in page.inner_text("main")
    problems += _audited(page)
    shot(page, "provision_import_errors")

    good = tmp_path / "good.csv"
    good.write_bytes("\r\n".join([HEADER, provided("PR-1"), provided("PR-2")]).encode("cp932"))
    page.set_input_files("#id_records", str(good))
    page.get_by_role("button", name="検査する").click()
    page.get_by_role("button", name="取り込む").wait_for()
    problems += _audited(page)
    shot(page, "provision_import_preview")
    assert not ProvisionRecord.objects.exists()
    page.get_by_role("button", name="取り込む").click()
    page.wait_for_selector("text=第三者提供記録を取り込みました")
    assert ProvisionRecord.objects.count() == 2
    assert problems == []
    assert _console_problems(page) == []


def test_a_handler_withholds_one_record_with_its_ground_and_reason(page, login):
    member = member_user()
    clerk = staff_user(Role.GA_STAFF)
    for number in ("PR-1", "PR-2"):
        ProvisionRecord.objects.create(
            member=member.member,
            source_ref=number,
            direction="provided",
            occurred_on=timezone.localdate() - timedelta(days=20),
            third_party_name=f"取引先{number}株式会社",
            third_party_address="東京都港区芝公園1-1-1",
            data_items="氏名、住所",
            consent_obtained=True,
            legal_basis="consent",
        )
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    advance(dsr, Status.IN_REVIEW, handler=clerk, approver=staff_user(Role.GA_SUPERVISOR))
    login(page, clerk)
    page.goto(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id]))
    page.get_by_role("link", name="記録を確認し、開示・不開示を選ぶ").click()
    problems = _audited(page)

    second = ProvisionRecord.objects.get(source_ref="PR-2")
    page.check(f"#id_choice_{second.pk}_1")
    page.get_by_role("button", name="選択を保存する").click()
    page.wait_for_selector("#error-summary")
    problems += _audited(page)
    shot(page, "provision_records_errors")
    assert page.is_checked(f"#id_choice_{second.pk}_1")  # the choice survives the error

    page.select_option(f"#id_ground_{second.pk}", "art33_2_2")
    page.fill(f"#id_reason_{second.pk}", "取引先との守秘義務のため")
    page.get_by_role("button", name="選択を保存する").click()
    page.wait_for_selector("text=開示しない記録 1 件を保存しました")
    assert "うち開示しない記録 1 件" in page.inner_text("main")
    choice = ProvisionRecordChoice.objects.get(withheld=True)
    assert (choice.record, choice.ground) == (second, "art33_2_2")
    assert ProvisionRecordChoice.objects.filter(withheld=False).get().record.source_ref == "PR-1"
    assert problems == []
    assert _console_problems(page) == []
