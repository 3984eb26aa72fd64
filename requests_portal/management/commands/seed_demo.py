"""Seed the demo: members, one staff account per role, and cases in every state and kind.

Idempotent: if the demo accounts exist, nothing is created again and the logins are
printed. Cases are created through the real services, so every event, audit entry,
letter and mail the demo shows is one the portal itself wrote.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from requests_portal import services
from requests_portal.decisions import needs_disclosure_package
from requests_portal.models import (
    Channel,
    DataSubjectRequest,
    Decision,
    FeeSetting,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Member,
    ProvisionRecord,
    RequesterType,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
    User,
)
from requests_portal.roles import Role, grant_role
from requests_portal.text import kana_search_key, name_search_key

DEMO_PASSWORD = "Keiseikyo-demo-2026"
DEMO_DOMAIN = "demo.keiseikyo.example"

STAFF = (
    ("ga-staff", "総務 一郎（総務部担当）", Role.GA_STAFF),
    ("ga-staff2", "総務 二葉（総務部担当）", Role.GA_STAFF),
    ("ga-supervisor", "管理 三郎（個人情報管理責任者）", Role.GA_SUPERVISOR),
    ("mynumber-officer", "番号 四郎（マイナンバー担当）", Role.MY_NUMBER_OFFICER),
    ("mynumber-officer2", "番号 五月（マイナンバー担当）", Role.MY_NUMBER_OFFICER),
    ("auditor", "監査 六子（監査担当）", Role.AUDITOR),
    ("admin", "設定 七海（システム管理者）", Role.ADMIN),
    ("incident-manager", "情報 八重（情報セキュリティ管理者）", Role.INCIDENT_MANAGER),  # the incident register
    # --- role grants: the 個人番号事務取扱責任者 decides My Number role grants (番号法第12条) ---
    ("mynumber-manager", "番号 八重（個人番号事務取扱責任者）", Role.MY_NUMBER_MANAGER),
    # --- end role grants ---
)

MEMBERS = (
    ("100001", "山田 太郎", "ヤマダ タロウ", date(1978, 4, 12), "1000013", "東京都千代田区霞が関二丁目1番1号"),
    (
        "100002",
        "佐藤 花子",
        "サトウ ハナコ",
        date(1985, 9, 3),
        "1600023",
        "東京都新宿区西新宿三丁目2番1号 西新宿ハイツ305",
    ),
    ("100003", "髙橋 一郎", "タカハシ イチロウ", date(1969, 1, 20), "2310023", "神奈川県横浜市中区山下町10番地"),
    ("100004", "鈴木 美咲", "スズキ ミサキ", date(1992, 12, 1), "3300063", "埼玉県さいたま市浦和区高砂四丁目5番6号"),
    ("100005", "田中 健", "タナカ ケン", date(1981, 6, 30), "4600001", "愛知県名古屋市中区三の丸二丁目1番1号"),
    ("100006", "伊藤 さくら", "イトウ サクラ", date(1975, 3, 15), "5400008", "大阪府大阪市中央区大手前三丁目1番11号"),
    ("100007", "渡辺 直樹", "ワタナベ ナオキ", date(1988, 8, 8), "8120045", "福岡県福岡市博多区東公園7番7号"),
    ("100008", "中村 陽子", "ナカムラ ヨウコ", date(1964, 11, 23), "0600042", "北海道札幌市中央区大通西七丁目"),
    ("100009", "小林 大輔", "コバヤシ ダイスケ", date(1995, 5, 5), "9808570", "宮城県仙台市青葉区本町三丁目8番1号"),
    ("100010", "山﨑 涼子", "ヤマサキ リョウコ", date(1983, 2, 14), "7308511", "広島県広島市中区基町10番52号"),
)
MEMBER_LOGINS = (("member", 0), ("member2", 1))


@dataclass(frozen=True)
class DemoCase:
    kind: str
    status: str
    days_ago: int
    member: int
    requester_type: str = RequesterType.SELF
    channel: str = Channel.PORTAL
    summary: str = ""


AMENDMENT_MESSAGE_AGENT = "代理人の方の本人確認書類と委任状の写しをお送りください。"
AMENDMENT_MESSAGE_SELF = (
    "開示を希望される共済金の支払記録の期間（例：令和7年4月から令和8年3月まで）をお知らせください。"
)

CASES = (
    DemoCase(RequestKind.DISCLOSURE, Status.SUBMITTED, 1, 0, summary="共済契約に関する記録の開示"),
    DemoCase(RequestKind.PURPOSE_NOTICE, Status.VERIFYING, 3, 1, summary="給与控除情報の利用目的"),
    DemoCase(
        RequestKind.CORRECTION, Status.AWAITING_AMENDMENT, 6, 2, RequesterType.APPOINTED_AGENT, summary="住所の訂正"
    ),
    # The demo member (山田 太郎) has a 補正 to answer: the case a first-time visitor should see.
    DemoCase(RequestKind.DISCLOSURE, Status.AWAITING_AMENDMENT, 4, 0, summary="共済金の支払記録の開示"),
    DemoCase(RequestKind.SUSPENSION, Status.IN_REVIEW, 9, 3, summary="ダイレクトメール送付の停止"),
    DemoCase(RequestKind.PROVISION_RECORDS, Status.AWAITING_APPROVAL, 11, 0, summary="団体保険の引受会社への提供記録"),
    DemoCase(RequestKind.DISCLOSURE, Status.DECIDED, 12, 4, summary="購買利用履歴の開示"),
    DemoCase(RequestKind.COMPLAINT, Status.NOTIFIED, 20, 5, summary="窓口対応についての苦情"),
    DemoCase(RequestKind.DISCLOSURE, Status.CLOSED, 45, 0, summary="出資金の記録の開示"),
    DemoCase(RequestKind.CORRECTION, Status.WITHDRAWN, 8, 6, summary="電話番号の訂正"),
    DemoCase(RequestKind.DISCLOSURE, Status.REJECTED, 26, 7, channel=Channel.POST, summary="共済金支払記録の開示"),
    DemoCase(RequestKind.MY_NUMBER_INQUIRY, Status.IN_REVIEW, 4, 0, summary="マイナンバーの提出方法について"),
    DemoCase(RequestKind.MY_NUMBER_INQUIRY, Status.CLOSED, 30, 1, summary="支払調書について"),
    DemoCase(RequestKind.SUSPENSION, Status.IN_REVIEW, 21, 8, summary="不要となった情報の消去"),
    DemoCase(
        RequestKind.DISCLOSURE, Status.VERIFYING, 16, 9, RequesterType.LEGAL_REP_MINOR, summary="未成年の子の情報の開示"
    ),
    DemoCase(RequestKind.PURPOSE_NOTICE, Status.CLOSED, 60, 3, summary="利用目的の通知"),
    DemoCase(RequestKind.COMPLAINT, Status.SUBMITTED, 0, 2, channel=Channel.COUNTER, summary="郵送物の宛名誤り"),
    DemoCase(RequestKind.CORRECTION, Status.DECIDED, 14, 5, summary="氏名の変更"),
    DemoCase(RequestKind.SUSPENSION, Status.CLOSED, 50, 6, summary="第三者提供の停止"),
)

# The keyword arguments of services.dsr_draft_decision, per kind.
DECISIONS: dict[str, dict[str, Any]] = {
    RequestKind.PURPOSE_NOTICE: {
        "decision": Decision.PURPOSE_NOTIFIED,
        "details": {"purposes": "給与控除による掛金・代金の精算のため"},
    },
    RequestKind.DISCLOSURE: {
        "decision": Decision.DISCLOSED_PARTIAL,
        "ground": StatutoryGround.ART33_2_1,
        "reason": "他の組合員の氏名が記載された部分は、第三者の権利利益を害するおそれがあるため開示しません。",
        "details": {"withheld_items": [{"item": "苦情記録中の他の組合員の氏名", "ground": StatutoryGround.ART33_2_1}]},
    },
    RequestKind.PROVISION_RECORDS: {"decision": Decision.RECORD_DISCLOSED_FULL},
    RequestKind.CORRECTION: {
        "decision": Decision.CORRECTED,
        "details": {"corrections": [{"field": "住所", "old": "旧住所", "new": "届出の新住所"}]},
    },
    RequestKind.SUSPENSION: {
        "decision": Decision.NOT_SUSPENDED,
        "ground": StatutoryGround.ART35_NOT_ESTABLISHED,
        "reason": "共済契約の管理に現に必要な情報であり、利用する必要がなくなったとは認められないため。",
    },
    RequestKind.COMPLAINT: {
        "decision": Decision.ANSWERED,
        "details": {"answer": "ご指摘の点について窓口担当者に指導を行いました。"},
    },
    RequestKind.MY_NUMBER_INQUIRY: {
        "decision": Decision.ANSWERED,
        "details": {"answer": "提出方法をご案内いたします。"},
    },
}


class Command(BaseCommand):
    help = "デモ用の組合員・職員アカウント・請求データを作成します（作成済みなら何もしません）。"

    def handle(self, *args: str, **options: Any) -> None:
        if User.objects.filter(email=f"ga-staff@{DEMO_DOMAIN}").exists():
            self.stdout.write("Demo data already present; nothing to do.")
        else:
            with transaction.atomic():
                self._seed()
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {DataSubjectRequest.objects.count()} cases."))
        self._seed_incidents()
        self._prepare_staff_sign_in()
        call_command("seed_demo_history", stdout=self.stdout)  # a year of history for the dashboard
        self._print_logins()

    def _seed(self) -> None:
        members = [self._member(*row) for row in MEMBERS]
        self.staff = {}
        for local, name, role in STAFF:
            user = User.objects.create_user(f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD, display_name=name)
            user.is_staff = role == Role.ADMIN
            user.save(update_fields=["is_staff"])
            grant_role(user, role)
            self._confirm_email(user)  # allauth requires a verified address to log in
            self.staff[local] = user
        self.member_users = {}
        for local, index in MEMBER_LOGINS:
            user = User.objects.create_user(
                f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD, member=members[index], display_name=members[index].full_name
            )
            self._confirm_email(user)
            self.member_users[index] = user
        FeeSetting.objects.get_or_create(
            kind=RequestKind.DISCLOSURE,
            defaults={"amount_yen": 300, "payment_methods": "定額小為替、銀行振込、窓口での現金払い"},
        )
        FeeSetting.objects.get_or_create(
            kind=RequestKind.PROVISION_RECORDS,
            defaults={"amount_yen": 300, "payment_methods": "定額小為替、銀行振込、窓口での現金払い"},
        )
        FeeSetting.objects.get_or_create(kind=RequestKind.PURPOSE_NOTICE, defaults={"amount_yen": 0})
        ProvisionRecord.objects.get_or_create(
            source_ref="PR-2025-0001",
            defaults={
                "member": members[0],
                "direction": ProvisionRecord.Direction.PROVIDED,
                "occurred_on": date(2025, 10, 1),
                # A private business: provision to a 第16条第2項 body (e.g. a police force) needs no record.
                "third_party_name": "みらい損害保険株式会社 団体保険部",
                "data_items": "氏名、生年月日、団体保険の加入口数",
                "consent_obtained": True,
            },
        )
        for spec in CASES:
            self._case(spec, members)

    def _member(self, number: str, name: str, kana: str, birth: date, postal: str, address: str) -> Member:
        member, _created = Member.objects.get_or_create(
            member_number=number,
            defaults={
                "full_name": name,
                "full_name_kana": kana,
                "birth_date": birth,
                "postal_code": postal,
                "address": address,
                "phone": "03-0000-0000",
                "email": f"m{number}@{DEMO_DOMAIN}",
                "name_search": name_search_key(name),
                "kana_search": kana_search_key(kana),
            },
        )
        return member

    def _confirm_email(self, user: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})

    def _case(self, spec: DemoCase, members: list[Member]) -> None:
        member = members[spec.member]
        filer = self.member_users.get(spec.member) if spec.channel == Channel.PORTAL else self.staff["ga-staff"]
        officer = spec.kind == RequestKind.MY_NUMBER_INQUIRY
        handler = self.staff["mynumber-officer" if officer else "ga-staff"]
        approver = self.staff["mynumber-officer2" if officer else "ga-supervisor"]
        agent = {}
        if spec.requester_type != RequesterType.SELF:
            agent = {
                "agent_name": "代理 花子",
                "agent_relationship": "配偶者" if spec.requester_type == RequesterType.APPOINTED_AGENT else "親権者",
                "agent_email": f"agent@{DEMO_DOMAIN}",
            }
        received = timezone.localdate() - timedelta(days=spec.days_ago)
        dsr = services.dsr_submit(
            actor=filer,
            member=member,
            kind=spec.kind,
            requester_type=spec.requester_type,
            channel=spec.channel,
            received=received if spec.channel != Channel.PORTAL else None,
            summary=spec.summary,
            description=f"{spec.summary}をお願いします。",
            disclosure_method="electronic"
            if spec.kind in (RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS)
            else "",
            agent=agent,
        )
        if spec.channel == Channel.PORTAL and spec.days_ago:
            self._backdate(dsr, received)
        self._advance(dsr, spec.status, handler, approver)

    def _backdate(self, dsr: DataSubjectRequest, received: date) -> None:
        # Demo data only: make a portal request look as if it had arrived `received`.
        from requests_portal.deadlines import due_date_for

        arrived = timezone.make_aware(datetime.combine(received, datetime.min.time())) + timedelta(hours=10)
        DataSubjectRequest.objects.filter(pk=dsr.pk).update(
            received_at=arrived, complete_at=arrived, due_date=due_date_for(received)
        )
        RequestEvent.objects.filter(dsr=dsr).update(at=arrived)
        dsr.refresh_from_db()

    def _advance(self, dsr: DataSubjectRequest, target: str, handler: User, approver: User) -> None:
        if target == Status.SUBMITTED:
            return
        services.dsr_assign(dsr=dsr, assignee=handler, actor=handler)
        if target == Status.VERIFYING:
            return
        if target == Status.WITHDRAWN:
            services.dsr_withdraw(dsr=dsr, actor=dsr.filed_by or handler, reason="")
            return
        if target == Status.REJECTED:
            services.dsr_record_identity(
                dsr=dsr, actor=handler, method=IdentityMethod.DOCUMENT, result=IdentityResult.NOT_VERIFIED,
                id_doc_type=IdDocumentType.OTHER,
            )  # fmt: skip
            services.dsr_reject_identity(
                dsr=dsr, actor=handler, reason="送付された書類の氏名が組合員名簿と一致しませんでした。"
            )
            return
        if target == Status.AWAITING_AMENDMENT:
            services.dsr_request_amendment(
                dsr=dsr,
                actor=handler,
                message=AMENDMENT_MESSAGE_AGENT if dsr.has_agent else AMENDMENT_MESSAGE_SELF,
                reply_due_date=timezone.localdate() + timedelta(days=14),
            )
            return
        services.dsr_record_identity(
            dsr=dsr, actor=handler, method=IdentityMethod.DOCUMENT, result=IdentityResult.VERIFIED,
            id_doc_type=IdDocumentType.DRIVING_LICENCE, authority_checked=dsr.has_agent,
            authority_doc_type="委任状" if dsr.has_agent else "",
        )  # fmt: skip
        if target == Status.IN_REVIEW:
            return
        services.dsr_draft_decision(dsr=dsr, actor=handler, **DECISIONS[dsr.kind])
        if needs_disclosure_package(dsr):
            # An electronic disclosure is approved with its data attached (docs/legal.md#art-33).
            demo_data = SimpleUploadedFile(
                "開示データ_共済契約の記録.csv",
                "項目,内容\r\n共済契約,火災共済（見本）\r\n出資金,10000\r\n".encode(),
                content_type="text/csv",
            )
            services.dsr_attach_disclosure_package(dsr=dsr, actor=handler, files=[demo_data])
        if target == Status.AWAITING_APPROVAL:
            return
        services.dsr_approve_decision(dsr=dsr, actor=approver)
        if target == Status.DECIDED:
            return
        services.dsr_mark_notified(dsr=dsr, actor=handler)
        if target == Status.NOTIFIED:
            return
        services.dsr_close(dsr=dsr, actor=handler)

    # --- the incident register (requests_portal/incidents) ----------------------------------------
    def _seed_incidents(self) -> None:
        """Incidents in several states, once: an overdue 速報, one with affected members notified,
        a My Number incident awaiting approval, and a closed one excluded by encryption."""
        from requests_portal.incidents import services as incidents
        from requests_portal.incidents.rules import Answers
        from requests_portal.models import Committee, Incident, IncidentStatus, ReportStage

        if Incident.objects.exists():
            return
        manager, created = User.objects.get_or_create(
            email=f"incident-manager@{DEMO_DOMAIN}", defaults={"display_name": "情報 八重（情報セキュリティ管理者）"}
        )
        if created:
            manager.set_password(DEMO_PASSWORD)
            manager.save(update_fields=["password"])
            grant_role(manager, Role.INCIDENT_MANAGER)
        supervisor = User.objects.get(email=f"ga-supervisor@{DEMO_DOMAIN}")
        officer = User.objects.get(email=f"mynumber-officer@{DEMO_DOMAIN}")
        today = timezone.localdate()
        members = list(Member.objects.order_by("member_number")[:3])
        with transaction.atomic():
            lost = incidents.incident_file(
                actor=manager,
                facts={
                    "title": "組合員名簿の写しを保存したUSBメモリの紛失",
                    "known_on": today - timedelta(days=7),
                    "found_by": "福岡支所 職員",
                    "found_how": "棚卸しで所在不明が判明",
                    "is_loss": True,
                    "is_leak": True,
                    "certainty": "suspected",
                    "data_items": "氏名、住所、電話番号、組合員番号",
                    "people_estimate": 1350,
                    "cause": "調査中",
                },
            )
            incidents.incident_move(actor=manager, incident=lost, to=IncidentStatus.CONTAINING)
            incidents.incident_assess(actor=manager, incident=lost, answers=Answers(people=1350))

            misdirected = incidents.incident_file(
                actor=manager,
                facts={
                    "title": "共済金請求書類（診断書の写しを含む）の誤送付",
                    "known_on": today - timedelta(days=4),
                    "found_by": "受取人",
                    "found_how": "受取人からの電話連絡",
                    "is_leak": True,
                    "certainty": "actual",
                    "data_items": "氏名、住所、傷病名、診断書の内容",
                    "people_estimate": 3,
                    "cause": "封入時に宛名と書類の照合をしなかった",
                    "secondary_harm": "現時点で確認されていない",
                    "containment": "誤送付先から書類を回収し、複製していない旨の確認書を受領",
                },
            )
            for step in (IncidentStatus.CONTAINING, IncidentStatus.INVESTIGATING):
                incidents.incident_move(actor=manager, incident=misdirected, to=step)
            incidents.incident_assess(
                actor=manager, incident=misdirected, answers=Answers(sensitive_data=True, people=3)
            )
            incidents.incident_link_members(actor=manager, incident=misdirected, members=members)
            report = incidents.report_save_draft(
                actor=manager,
                incident=misdirected,
                stage=ReportStage.PRELIMINARY,
                items=incidents.report_prefill(misdirected, ReportStage.PRELIMINARY),
            )
            incidents.report_submit(actor=manager, report=report)
            incidents.report_approve(actor=supervisor, report=report)
            incidents.report_mark_sent(actor=manager, report=report, sent_on=today - timedelta(days=2))
            for member in members:
                incidents.notice_issue(actor=manager, incident=misdirected, member=member)

            forms = incidents.incident_file(
                actor=officer,
                facts={
                    "title": "扶養控除等申告書（マイナンバー記載）の誤廃棄",
                    "known_on": today - timedelta(days=2),
                    "found_by": "マイナンバー担当",
                    "found_how": "保管庫の点検",
                    "is_loss": True,
                    "certainty": "actual",
                    "data_items": "氏名、個人番号、扶養親族の氏名",
                    "people_estimate": 150,
                },
            )
            incidents.incident_assess(actor=officer, incident=forms, answers=Answers(people=150))
            draft = incidents.report_save_draft(
                actor=officer,
                incident=forms,
                stage=ReportStage.PRELIMINARY,
                items=incidents.report_prefill(forms, ReportStage.PRELIMINARY),
            )
            incidents.report_submit(actor=officer, report=draft)

            fax = incidents.incident_file(
                actor=manager,
                facts={
                    "title": "暗号化ファイルのFAX番号誤りによる誤送信",
                    "known_on": today - timedelta(days=40),
                    "is_leak": True,
                    "certainty": "actual",
                    "data_items": "氏名、組合員番号（パスワード付き暗号化ファイル）",
                    "people_estimate": 12,
                    "cause": "短縮ダイヤルの登録誤り",
                },
            )
            for step in (IncidentStatus.CONTAINING, IncidentStatus.INVESTIGATING):
                incidents.incident_move(actor=manager, incident=fax, to=step)
            incidents.incident_assess(
                actor=manager,
                incident=fax,
                answers=Answers(people=12, unlawful_purpose=False, high_level_encryption=True),
            )
            measure = incidents.measure_add(
                actor=manager,
                incident=fax,
                description="短縮ダイヤルの登録内容を点検する",
                owner=manager,
                due_on=today - timedelta(days=20),
            )
            incidents.measure_complete(
                actor=manager, measure=measure, note="全支所で点検済み", on=today - timedelta(days=25)
            )
            incidents.incident_move(actor=manager, incident=fax, to=IncidentStatus.MEASURES_DONE)
            for committee, held in ((Committee.COMPLIANCE, 15), (Committee.RISK, 14)):
                incidents.review_record(
                    actor=manager,
                    incident=fax,
                    committee=committee,
                    held_on=today - timedelta(days=held),
                    conclusion="対応は妥当",
                )
            incidents.incident_move(actor=supervisor, incident=fax, to=IncidentStatus.CLOSED)
        self.stdout.write(self.style.SUCCESS(f"Demo incidents created: {Incident.objects.count()}."))

    def _prepare_staff_sign_in(self) -> None:
        # Staff sign in with a verified address and a TOTP code (docs/reliability.md#mfa). In the demo
        # (DEBUG only) each staff account gets an authenticator with a derived secret, so
        # `manage.py demo_totp <email>` can print the code; elsewhere they enrol at first login.
        from django.conf import settings

        from requests_portal.demo_auth import enrol_demo_totp

        for local, _name, _role in STAFF:
            user = User.objects.filter(email=f"{local}@{DEMO_DOMAIN}").first()
            if user is None:
                continue
            self._confirm_email(user)
            if settings.DEBUG:
                enrol_demo_totp(user)

    def _print_logins(self) -> None:
        lines = [
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
            f"  member (山田 太郎):        member@{DEMO_DOMAIN}",
            f"  member (佐藤 花子):        member2@{DEMO_DOMAIN}",
        ]
        lines += [f"  {role.label}: {local}@{DEMO_DOMAIN}" for local, _name, role in STAFF]
        lines += [
            "Staff also enter a 6-digit code after the password (two-factor authentication).",
            f"  Demo code: .venv/bin/python manage.py demo_totp ga-staff@{DEMO_DOMAIN}  (with DJANGO_DEBUG=1)",
            "Open http://127.0.0.1:8000/",
        ]
        self.stdout.write("\n".join(lines))
