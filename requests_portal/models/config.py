"""Configuration the co-op edits in the Django admin, and the registers the portal keeps."""

import uuid
from datetime import date, timedelta
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import Member
from .choices import RequestKind
from .request_kinds import FEE_ELIGIBLE_KINDS


class ClosedDay(models.Model):
    """A day the co-op is closed on top of weekends, national holidays and 12/29–1/3."""

    date = models.DateField(_("日付"), unique=True)
    reason = models.CharField(_("理由"), max_length=100)

    class Meta:
        verbose_name = _("休業日")
        verbose_name_plural = _("休業日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class SingletonModel(models.Model):
    """A configuration table with exactly one row (pk=1)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> Self:
        obj, _created = cls._default_manager.get_or_create(pk=1)
        return obj


# The co-op's published facts, as its privacy policy states them: a newly installed portal
# publishes these (個人情報保護法第32条第1項) until an administrator edits them in the admin.
COOP_POSTAL_CODE = "1028607"
COOP_ADDRESS = "東京都千代田区三番町6番8 警察共済ビル"
COOP_INQUIRY_DIAL = "フリーダイヤル 0120-983-110"
COOP_DESK_ADDRESS = "〒102-8607 東京都千代田区三番町6番8 警察共済ビル"
COOP_DESK_HOURS = "受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）"
# Two lines each, as before the address was added, so every notice keeps its length.
COOP_GA_CONTACT = f"警察職員生活協同組合 総務部　{COOP_DESK_ADDRESS}\n{COOP_INQUIRY_DIAL}　{COOP_DESK_HOURS}"
COOP_MYNUMBER_CONTACT = (
    f"警察職員生活協同組合 マイナンバー担当　{COOP_DESK_ADDRESS}\n{COOP_INQUIRY_DIAL}　{COOP_DESK_HOURS}"
)
COOP_COMPLAINT_DESK = (
    "個人情報の取扱いに関する苦情は総務部でお受けします。マイナンバーに関する苦情・お問い合わせはマイナンバー担当でお受けします。"
    "個人情報保護委員会の「個人情報保護法相談ダイヤル」にもご相談いただけます。"
)
COOP_PURPOSES_OF_USE = (
    "1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n"
    "2. 共済事業の提供、お申込みの受付、ご案内のため\n"
    "3. 共済金・給付金のお支払いのため\n"
    "4. 給与控除による掛金の精算のため\n"
    "5. 職域の厚生事務担当部署への提供のため\n"
    "6. 共済関連情報の提供のため\n"
    "7. 共済事業の充実のため\n"
    "8. お問い合わせ・苦情への対応のため\n"
    "9. 法令に基づく対応のため"
)
COOP_PRIVACY_POLICY = (
    "警察職員生活協同組合（以下「組合」といいます。）は、組合員とそのご家族の個人情報を大切にお預かりし、"
    "個人情報の保護に関する法律その他の法令を守って、次のとおり適正に取り扱います。\n\n"
    "1. 個人情報の取得\n"
    "組合は、事業に必要な範囲で、適法かつ公正な方法により個人情報を取得します。\n\n"
    "2. 個人情報の利用目的\n"
    "組合は、個人情報を次の目的の範囲内で利用します。法令に基づく場合を除き、この範囲を超えて利用するときは、"
    "あらかじめご本人の同意をいただきます。\n"
    f"{COOP_PURPOSES_OF_USE}\n\n"
    "3. 第三者への提供\n"
    "組合は、法令に基づく場合を除き、ご本人の同意なく個人データを第三者に提供しません。"
    "第三者に提供したとき、及び第三者から提供を受けたときは、法令の定めるところにより記録を作成し、保存します。\n\n"
    "4. 安全管理\n"
    "組合は、個人データの漏えい、滅失又は毀損を防ぐため、組織的、人的、物理的及び技術的な安全管理措置を講じ、"
    "役職員及び委託先を適切に監督します。\n\n"
    "5. 開示等の請求等\n"
    "ご本人から、利用目的の通知、開示（第三者提供記録の開示を含みます。）、訂正等、利用停止等のご請求があったときは、"
    "法令の定めるところにより遅滞なく対応します。手続は「開示等の請求等の手続」のページでご案内しています。\n\n"
    "6. 特定個人情報（マイナンバー）\n"
    "マイナンバーは、法令で定められた事務にのみ利用し、別に定める基本方針に従って取り扱います。\n\n"
    "7. お問い合わせ・苦情の申出先\n"
    f"警察職員生活協同組合 総務部　{COOP_DESK_ADDRESS}　{COOP_INQUIRY_DIAL}\n\n"
    "8. 継続的な改善\n"
    "組合は、個人情報の取扱いを定期的に見直し、改善します。"
)


class OrganisationProfile(SingletonModel):
    """What Art. 32(1) requires the co-op to publish, and the boilerplate of every notice."""

    name = models.CharField(_("名称"), max_length=100, default="警察職員生活協同組合")
    representative = models.CharField(_("代表者の役職"), max_length=100, default="理事長")
    representative_name = models.CharField(_("代表者の氏名"), max_length=100, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=7, default=COOP_POSTAL_CODE)
    address = models.CharField(_("住所"), max_length=300, default=COOP_ADDRESS)
    sender_department = models.CharField(_("差出部署"), max_length=100, default="総務部")
    sender_title = models.CharField(_("差出人の職名"), max_length=100, default="総務部長")
    sender_name = models.CharField(_("差出人の氏名"), max_length=100, blank=True)
    mynumber_sender_department = models.CharField(
        _("マイナンバー担当の差出部署"), max_length=100, default="マイナンバー担当"
    )
    mynumber_sender_title = models.CharField(
        _("マイナンバー担当の差出人の職名"), max_length=100, default="個人番号事務取扱責任者"
    )
    mynumber_sender_name = models.CharField(_("マイナンバー担当の差出人の氏名"), max_length=100, blank=True)
    seal_note = models.CharField(_("公印の表示"), max_length=30, default="（公印省略）")
    document_number_prefix = models.CharField(_("文書番号の接頭辞"), max_length=20, default="警生協総")
    mynumber_document_number_prefix = models.CharField(
        _("マイナンバー担当の文書番号接頭辞"), max_length=20, default="警生協個"
    )
    purposes_of_use = models.TextField(_("利用目的"), default=COOP_PURPOSES_OF_USE)
    request_procedure = models.TextField(_("開示等の請求等の手続"), blank=True)
    identity_methods = models.TextField(_("本人確認の方法"), blank=True)
    security_measures = models.TextField(_("安全管理措置"), blank=True)
    ga_contact = models.TextField(_("総務部 問い合わせ窓口"), default=COOP_GA_CONTACT)
    mynumber_contact = models.TextField(_("マイナンバー担当 窓口"), default=COOP_MYNUMBER_CONTACT)
    complaint_desk = models.TextField(_("苦情の申出先"), default=COOP_COMPLAINT_DESK)
    accredited_organisation = models.TextField(_("認定個人情報保護団体"), blank=True)
    privacy_policy = models.TextField(
        _("個人情報保護方針"),
        default=COOP_PRIVACY_POLICY,
        help_text=_("ポータルの「個人情報保護方針」のページにこのとおり掲載します。"),
    )
    privacy_policy_url = models.URLField(_("個人情報保護方針のURL"), blank=True)
    mynumber_policy_url = models.URLField(_("特定個人情報の基本方針のURL"), blank=True)
    electronic_formats = models.CharField(_("電磁的記録の形式"), max_length=200, default="PDF, CSV")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("組合の公表事項・通知書の定型文")
        verbose_name_plural = _("組合の公表事項・通知書の定型文")

    def __str__(self) -> str:
        return str(self.name)

    @property
    def representative_display(self) -> str:
        """The representative as published: the title, and the name when one is configured."""
        return f"{self.representative}　{self.representative_name}" if self.representative_name else self.representative


class FeeSetting(models.Model):
    """The published fee for a request kind (Art. 38): only purpose notices and disclosures."""

    kind = models.CharField(_("請求の種類"), max_length=30, choices=RequestKind.choices, unique=True)
    amount_yen = models.PositiveIntegerField(_("金額（円）"), default=0)
    payment_methods = models.TextField(_("支払方法"), blank=True)

    class Meta:
        verbose_name = _("手数料")
        verbose_name_plural = _("手数料")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=sorted(FEE_ELIGIBLE_KINDS)), name="fee_only_for_eligible_kinds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount_yen}円"

    def clean(self) -> None:
        if self.kind and self.kind not in FEE_ELIGIBLE_KINDS:
            raise ValidationError(
                {"kind": _("手数料は利用目的の通知と開示の請求にのみ設定できます（個人情報保護法第38条）。")}
            )


class DataCategory(models.Model):
    """A category of retained personal data, listed on the form to help identify data (Art. 37(2))."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.CharField(_("説明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("表示する"), default=True)

    class Meta:
        verbose_name = _("保有個人データの項目")
        verbose_name_plural = _("保有個人データの項目")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return str(self.name)


class RetentionPolicy(SingletonModel):
    """Retention periods; the defaults are the co-op's [policy] choices (docs/legal.md#retention)."""

    identity_evidence_days_after_close = models.PositiveIntegerField(_("本人確認書類：完了後の保存日数"), default=30)
    identity_evidence_days_after_verification = models.PositiveIntegerField(
        _("本人確認書類：確認記録後の保存日数"), default=7
    )
    case_file_years = models.PositiveSmallIntegerField(_("事案記録：完了後の保存年数"), default=3)
    disclosure_download_days = models.PositiveSmallIntegerField(_("開示データのダウンロード期間（日）"), default=14)
    unattached_upload_hours = models.PositiveSmallIntegerField(_("未提出のアップロードの保存時間"), default=24)
    export_file_days = models.PositiveSmallIntegerField(_("一括出力ファイルの保存日数"), default=7)

    class Meta:
        verbose_name = _("保存期間")
        verbose_name_plural = _("保存期間")

    def __str__(self) -> str:
        return str(_("保存期間"))


class ProvisionBasis(models.TextChoices):
    """Why personal data could be provided (core-system API; 個人情報保護法第27条・第28条)."""

    CONSENT = "consent", _("本人の同意（法第27条第1項・第28条第1項）")
    OPT_OUT = "opt_out", _("オプトアウトによる提供（法第27条第2項）")
    OTHER = "other", _("その他の法令上の根拠")


class ProvisionRecordForm(models.TextChoices):
    """How the record was made; it sets how long it is kept (個人情報保護委員会規則第21条・第25条)."""

    # 規則第19条第1項・第23条第1項: a record made each time data is provided or received.
    EACH = "each", _("提供・受領の都度作成")
    # 規則第19条第2項ただし書・第23条第2項ただし書: one record for continuous or repeated provision.
    BULK = "bulk", _("継続的・反復的な提供・受領について一括して作成")
    # 規則第19条第3項・第23条第3項: the contract or other document of the provision stands as the record.
    CONTRACT = "contract", _("契約書その他の書面をもって代替")


# 規則第21条・第25条: 1 year for a contract standing as the record, 3 years otherwise.
PROVISION_RECORD_RETENTION_YEARS: dict[str, int] = {
    ProvisionRecordForm.EACH: 3,
    ProvisionRecordForm.BULK: 3,
    ProvisionRecordForm.CONTRACT: 1,
}


def provision_record_keep_until(record_form: str, occurred_on: date) -> date:
    """The first day the record may be disposed of (規則第21条・第25条).

    The period runs from the provision or receipt (for a bulk or contract record, the last one,
    which the core system sends as the record's date), so a record of 1 April 2025 kept 3 years
    is kept to 31 March 2028 and disposable from 1 April 2028.
    """
    years = PROVISION_RECORD_RETENTION_YEARS.get(record_form, 3)
    try:
        return occurred_on.replace(year=occurred_on.year + years)
    except ValueError:  # 29 February: the period ends with 28 February
        return occurred_on.replace(year=occurred_on.year + years, day=28) + timedelta(days=1)


class ProvisionRecord(models.Model):
    """An Art. 29/30 record of personal data provided to, or received from, a third party."""

    class Direction(models.TextChoices):
        PROVIDED = "provided", _("第三者への提供")
        RECEIVED = "received", _("第三者からの受領")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="provision_records")
    direction = models.CharField(_("区分"), max_length=10, choices=Direction.choices)
    occurred_on = models.DateField(_("提供・受領の年月日"))
    third_party_name = models.CharField(_("第三者の名称"), max_length=200)
    third_party_address = models.CharField(_("第三者の住所"), max_length=300, blank=True)
    third_party_representative = models.CharField(_("代表者"), max_length=100, blank=True)
    data_items = models.CharField(_("個人データの項目"), max_length=300)
    consent_obtained = models.BooleanField(_("本人の同意"), null=True, blank=True)
    acquisition_method = models.CharField(_("第三者による取得の経緯"), max_length=300, blank=True)
    source_ref = models.CharField(_("基幹システムの記録番号"), max_length=60, unique=True)
    # --- core-system API (requests_portal/api): the basis of the provision, 個人情報保護委員会規則
    # 第20条・第24条 (consent, opt-out under 法第27条第2項, or another statutory basis in words),
    # and for an opt-out receipt that the provider's opt-out was published (規則第24条第1項第1号ホ).
    legal_basis = models.CharField(_("提供の根拠"), max_length=10, choices=ProvisionBasis.choices, blank=True)
    statutory_basis = models.CharField(_("同意によらない場合の根拠"), max_length=200, blank=True)
    opt_out_published = models.BooleanField(_("公表されている旨"), null=True, blank=True)
    record_form = models.CharField(
        _("記録の作成方法"), max_length=10, choices=ProvisionRecordForm.choices, default=ProvisionRecordForm.EACH
    )

    class Meta:
        verbose_name = _("第三者提供記録")
        verbose_name_plural = _("第三者提供記録")
        ordering = ["member", "-occurred_on"]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_direction_display()} {self.third_party_name}"

    @property
    def keep_until(self) -> date:
        return provision_record_keep_until(self.record_form, self.occurred_on)


class ProvisionRecordChoice(models.Model):
    """Staff's choice, on one records-disclosure case (法第33条第5項), to disclose or withhold one
    of the member's provision records. A record without a choice is disclosed."""

    dsr = models.ForeignKey(
        "requests_portal.DataSubjectRequest", on_delete=models.CASCADE, related_name="provision_record_choices"
    )
    record = models.ForeignKey(ProvisionRecord, on_delete=models.CASCADE, related_name="choices")
    withheld = models.BooleanField(_("開示しない"), default=False)
    # 法第33条第2項第1号〜第3号, as on the decision's withheld items.
    ground = models.CharField(_("根拠"), max_length=40, blank=True)
    reason = models.TextField(_("開示しない理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("第三者提供記録の開示・不開示")
        verbose_name_plural = _("第三者提供記録の開示・不開示")
        constraints = [
            models.UniqueConstraint(fields=["dsr", "record"], name="provision_record_choice_once"),
            models.CheckConstraint(
                condition=Q(withheld=False) | ~Q(reason=""), name="provision_record_withheld_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dsr_id}:{self.record_id} {'withheld' if self.withheld else 'disclosed'}"


class SavedFilter(models.Model):
    """A queue filter a staff member saved under a name."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名前"), max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("保存した検索条件")
        verbose_name_plural = _("保存した検索条件")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)


class BulkJob(models.Model):
    """A long operation (bulk reassignment, large export, roster import) with visible progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    storage_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched after every chunk; a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一括処理")
        verbose_name_plural = _("一括処理")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="bulkjob_owner_created"),
            models.Index(fields=["state", "heartbeat_at"], name="bulkjob_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.done}/{self.total} ({self.get_state_display()})"


class NumberSequence(models.Model):
    """Gap-free counters (受付番号, 文書番号) per scope and fiscal year; see numbering.py."""

    scope = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.year}: {self.last_value}"


class DisposalRecord(models.Model):
    """A record that something was deleted (削除・廃棄の記録). Holds no content and no My Number."""

    at = models.DateTimeField(default=timezone.now)
    category = models.CharField(_("区分"), max_length=40)
    object_type = models.CharField(max_length=40)
    object_ref = models.CharField(_("対象（受付番号など）"), max_length=60)
    job = models.CharField(_("処理"), max_length=60, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    restricted = models.BooleanField(default=False)
    file_count = models.PositiveIntegerField(_("削除したファイル数"), default=0)

    class Meta:
        verbose_name = _("廃棄記録")
        verbose_name_plural = _("廃棄記録")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="disposal_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.category} {self.object_ref}"
