"""The portal's enumerations. Labels are Japanese first; English comes from locale/en."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    PURPOSE_NOTICE = "purpose_notice", _("利用目的の通知")
    DISCLOSURE = "disclosure", _("保有個人データの開示")
    PROVISION_RECORDS = "provision_records", _("第三者提供記録の開示")
    CORRECTION = "correction", _("訂正・追加・削除")
    SUSPENSION = "suspension", _("利用停止・消去・第三者提供の停止")
    COMPLAINT = "complaint", _("苦情・相談")
    MY_NUMBER_INQUIRY = "my_number_inquiry", _("マイナンバーに関するお問い合わせ")


class RequesterType(models.TextChoices):
    SELF = "self", _("本人")
    LEGAL_REP_MINOR = "legal_rep_minor", _("法定代理人（未成年者の親権者・未成年後見人）")
    LEGAL_REP_ADULT_GUARDIAN = "legal_rep_adult_guardian", _("法定代理人（成年後見人）")
    APPOINTED_AGENT = "appointed_agent", _("任意代理人（委任状による代理人）")


AGENT_REQUESTER_TYPES = frozenset(
    {RequesterType.LEGAL_REP_MINOR, RequesterType.LEGAL_REP_ADULT_GUARDIAN, RequesterType.APPOINTED_AGENT}
)
# The case's columns that describe the agent (DataSubjectRequest.agent_*), in form order.
AGENT_FIELDS = (
    "agent_name",
    "agent_name_kana",
    "agent_relationship",
    "agent_postal_code",
    "agent_address",
    "agent_phone",
    "agent_email",
)


class Channel(models.TextChoices):
    PORTAL = "portal", _("ポータル")
    POST = "post", _("郵送")
    PHONE = "phone", _("電話")
    COUNTER = "counter", _("窓口")


class DisclosureMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("電磁的記録の提供（ポータルからのダウンロード）")
    PAPER = "paper", _("書面の交付（郵送）")
    OTHER = "other", _("その他の方法（窓口での閲覧など）")


class SuspensionMeasure(models.TextChoices):
    SUSPEND_USE = "suspend_use", _("利用の停止")
    ERASE = "erase", _("消去")
    STOP_PROVISION = "stop_provision", _("第三者への提供の停止")


class SuspensionGround(models.TextChoices):
    ART35_1 = "art35_1", _("第35条第1項：目的外利用・不適正利用・不正取得")
    ART35_3 = "art35_3", _("第35条第3項：本人の同意のない第三者提供・外国への提供")
    ART35_5_A = "art35_5_a", _("第35条第5項：利用する必要がなくなった")
    ART35_5_B = "art35_5_b", _("第35条第5項：漏えい等の事態が生じた")
    ART35_5_C = "art35_5_c", _("第35条第5項：権利又は正当な利益が害されるおそれがある")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("受付済み")
    VERIFYING = "verifying", _("本人確認中")
    # 補正待ち. Stored as "awaiting_requester", the value from before the name: the append-only audit
    # trail and old timeline events record it (docs/architecture.md#names).
    AWAITING_AMENDMENT = "awaiting_requester", _("補正待ち")
    IN_REVIEW = "in_review", _("審査中")
    AWAITING_APPROVAL = "awaiting_approval", _("決裁待ち")
    DECIDED = "decided", _("決定済み")
    NOTIFIED = "notified", _("通知済み")
    CLOSED = "closed", _("完了")
    WITHDRAWN = "withdrawn", _("取下げ")
    REJECTED = "rejected", _("本人確認不能")


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_AMENDMENT, Status.IN_REVIEW, Status.AWAITING_APPROVAL}
)
# A case whose answer is decided but not yet sent still counts against the deadline.
UNANSWERED_STATUSES = OPEN_STATUSES | {Status.DECIDED}
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.REJECTED})


class Decision(models.TextChoices):
    # 利用目的 (Art. 32)
    PURPOSE_NOTIFIED = "purpose_notified", _("利用目的を通知する")
    PURPOSE_NOT_NOTIFIED = "purpose_not_notified", _("利用目的を通知しない")
    # 開示 (Art. 33(1)–(4))
    DISCLOSED_FULL = "disclosed_full", _("全部開示")
    DISCLOSED_PARTIAL = "disclosed_partial", _("一部開示")
    NOT_DISCLOSED = "not_disclosed", _("不開示")
    NOT_HELD = "not_held", _("保有個人データ不存在")
    METHOD_CHANGED_TO_PAPER = "method_changed_to_paper", _("開示方法の変更（書面）")
    OTHER_LAW_PROCEDURE = "other_law_procedure", _("他の法令による手続")
    # 第三者提供記録 (Art. 33(5))
    RECORD_DISCLOSED_FULL = "record_disclosed_full", _("記録の全部開示")
    RECORD_DISCLOSED_PARTIAL = "record_disclosed_partial", _("記録の一部開示")
    RECORD_NOT_DISCLOSED = "record_not_disclosed", _("記録の不開示")
    RECORD_NOT_HELD = "record_not_held", _("記録不存在")
    RECORD_METHOD_CHANGED_TO_PAPER = "record_method_changed_to_paper", _("記録の開示方法の変更（書面）")
    RECORD_OTHER_LAW_PROCEDURE = "record_other_law_procedure", _("記録について他の法令による手続")
    # 存否応答拒否: neither confirm nor deny that the data exists (第16条第4項・施行令第5条; for
    # provision records 第33条第5項・施行令第11条). Its notice reads the same whether or not it does.
    EXISTENCE_NOT_CONFIRMED = "existence_not_confirmed", _("存否を明らかにしない")
    # 訂正等 (Art. 34)
    CORRECTED = "corrected", _("訂正した")
    ADDED = "added", _("追加した")
    DELETED = "deleted", _("削除した")
    PARTIALLY_CORRECTED = "partially_corrected", _("一部訂正した")
    NOT_CORRECTED = "not_corrected", _("訂正等を行わない")
    # 利用停止等 (Art. 35)
    USE_SUSPENDED = "use_suspended", _("利用を停止した")
    ERASED = "erased", _("消去した")
    PROVISION_STOPPED = "provision_stopped", _("第三者提供を停止した")
    SUBSTITUTE_MEASURE = "substitute_measure", _("代替措置をとった")
    NOT_SUSPENDED = "not_suspended", _("利用停止等を行わない")
    # 苦情・相談, マイナンバー (Art. 40)
    ANSWERED = "answered", _("回答した")
    # Any kind (Art. 37)
    REQUEST_INCOMPLETE = "request_incomplete", _("請求内容の補正が必要")
    IDENTITY_NOT_VERIFIED = "identity_not_verified", _("本人確認ができなかった")
    AGENT_AUTHORITY_NOT_SHOWN = "agent_authority_not_shown", _("代理権が確認できなかった")
    WITHDRAWN = "withdrawn", _("取下げ")


# Everything else needs a statutory ground and a reason (個人情報保護法第36条; docs/legal.md#art-36).
FULL_GRANT_DECISIONS = frozenset(
    {
        Decision.PURPOSE_NOTIFIED,
        Decision.DISCLOSED_FULL,
        Decision.RECORD_DISCLOSED_FULL,
        Decision.CORRECTED,
        Decision.ADDED,
        Decision.DELETED,
        Decision.USE_SUSPENDED,
        Decision.ERASED,
        Decision.PROVISION_STOPPED,
        Decision.ANSWERED,
        Decision.WITHDRAWN,
    }
)


class StatutoryGround(models.TextChoices):
    ART32_2_I = "art32_2_i", _("第32条第2項第1号（利用目的が明らかである）")
    ART32_2_II = "art32_2_ii", _("第32条第2項第2号（第21条第4項第1号から第3号までに該当）")
    ART33_2_1 = "art33_2_1", _("第33条第2項第1号（本人又は第三者の生命、身体、財産その他の権利利益を害するおそれ）")
    ART33_2_2 = "art33_2_2", _("第33条第2項第2号（業務の適正な実施に著しい支障を及ぼすおそれ）")
    ART33_2_3 = "art33_2_3", _("第33条第2項第3号（他の法令に違反することとなる）")
    ART33_2_PAPER = "art33_2_paper", _("第33条第2項ただし書（請求された方法による開示が困難）")
    ART33_4 = "art33_4", _("第33条第4項（他の法令による開示手続）")
    NOT_HELD = "not_held", _("請求に係る保有個人データ（記録）が存在しない")
    ART34_FACTUAL = "art34_factual", _("第34条（内容が事実であり訂正等の必要がない）")
    ART34_PURPOSE = "art34_purpose", _("第34条第2項（利用目的の達成に必要な範囲を超える）")
    ART35_NOT_ESTABLISHED = "art35_not_established", _("第35条（請求の理由に該当しない）")
    ART35_SUBSTITUTE = "art35_substitute", _("第35条（多額の費用を要し困難であるため代替措置）")
    ART37_PROCEDURE = "art37_procedure", _("第37条（請求の手続によらない・本人確認ができない）")
    # Data whose very existence may not be revealed; only an existence_not_confirmed decision cites these.
    ORDER5_EXISTENCE = (
        "order5_existence",
        _("第16条第4項・施行令第5条（存否が明らかになることにより公益その他の利益が害されるもの）"),
    )
    ORDER11_EXISTENCE = (
        "order11_existence",
        _("第33条第5項・施行令第11条（存否が明らかになることにより公益その他の利益が害される記録）"),
    )


class AgreementChannel(models.TextChoices):
    """How the member's agreement to a change of disclosure method was given."""

    PHONE = "phone", _("電話")
    LETTER = "letter", _("書面")
    PORTAL_MESSAGE = "portal_message", _("ポータルのメッセージ")
    COUNTER = "counter", _("窓口")


class IdentityMethod(models.TextChoices):
    REAUTH = "reauth", _("ポータルでの再認証")
    DOCUMENT = "document", _("本人確認書類の写し")
    IN_PERSON = "in_person", _("窓口での書類提示")
    PHONE = "phone", _("登録情報の照合（電話）")


class IdDocumentType(models.TextChoices):
    DRIVING_LICENCE = "driving_licence", _("運転免許証")
    MY_NUMBER_CARD_FRONT = "my_number_card_front", _("マイナンバーカード（表面のみ）")
    PASSPORT = "passport", _("パスポート")
    RESIDENCE_CARD = "residence_card", _("在留カード・特別永住者証明書")
    QUALIFICATION_CERTIFICATE = "qualification_certificate", _("資格確認書（記号・番号等をマスキング）")
    PENSION_BOOK = "pension_book", _("年金手帳・基礎年金番号通知書（番号をマスキング）")
    OTHER = "other", _("その他の公的書類")


class IdentityResult(models.TextChoices):
    VERIFIED = "verified", _("確認できた")
    NOT_VERIFIED = "not_verified", _("確認できなかった")


class EventType(models.TextChoices):
    SUBMITTED = "submitted", _("受付")
    STATUS_CHANGED = "status_changed", _("状態の変更")
    ASSIGNED = "assigned", _("担当者の割当て")
    IDENTITY_RECORDED = "identity_recorded", _("本人確認の記録")
    AUTHORITY_CHECKED = "authority_checked", _("代理権の確認")
    PAUSED = "paused", _("補正依頼（期限の停止）")
    RESUMED = "resumed", _("補正完了（期限の再開）")
    EXTENDED = "extended", _("期限の延長")
    DECISION_DRAFTED = "decision_drafted", _("決定案の作成")
    DECISION_APPROVED = "decision_approved", _("決裁")
    DECISION_RETURNED = "decision_returned", _("差戻し")
    MESSAGE = "message", _("メッセージ")
    INTERNAL_NOTE = "internal_note", _("内部メモ")
    DOCUMENT_ADDED = "document_added", _("書類の追加")
    DOCUMENT_PURGED = "document_purged", _("書類の削除")
    FILE_DOWNLOADED = "file_downloaded", _("ダウンロード")
    LETTER_CREATED = "letter_created", _("通知書の作成")
    LETTER_RENDERED = "letter_rendered", _("通知書の発行")
    LETTER_FAILED = "letter_failed", _("通知書の作成失敗")
    LETTER_POSTED = "letter_posted", _("通知書の郵送")
    # The member agreed to a disclosure on paper instead of the method asked for (第33条第2項).
    METHOD_AGREED = "method_agreed", _("開示方法の変更への同意")
    REMINDER = "reminder", _("リマインダー")
    ACCESS_GRANTED = "access_granted", _("個別の閲覧権限の付与")
    LEGAL_HOLD = "legal_hold", _("保存命令（リーガルホールド）")
    LINKED = "linked", _("事案の関連付け")
    UNLINKED = "unlinked", _("関連付けの解除")


class MessageDirection(models.TextChoices):
    TO_MEMBER = "to_member", _("組合から請求者へ")
    FROM_MEMBER = "from_member", _("請求者から組合へ")
    INTERNAL = "internal", _("内部メモ")


class DocumentCategory(models.TextChoices):
    IDENTITY = "identity", _("本人確認書類")
    AUTHORITY = "authority", _("代理権を証する書類")
    SUPPORTING = "supporting", _("参考資料")
    AMENDMENT = "amendment", _("補正書類")
    SCANNED_FORM = "scanned_form", _("請求書（紙）の写し")
    DISCLOSURE_PACKAGE = "disclosure_package", _("開示データ")


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("受付のお知らせ")
    AMENDMENT_REQUEST = "amendment_request", _("補正のお願い")
    EXTENSION_NOTICE = "extension_notice", _("期限延長のお知らせ")
    DISCLOSURE_DECISION = "disclosure_decision", _("開示決定通知書")
    NON_DISCLOSURE = "non_disclosure", _("不開示決定通知書")
    NOT_HELD = "not_held", _("保有個人データ不存在のお知らせ")
    CORRECTION_DONE = "correction_done", _("訂正等決定通知書")
    CORRECTION_REFUSED = "correction_refused", _("訂正等を行わない旨の通知書")
    SUSPENSION_DONE = "suspension_done", _("利用停止等決定通知書")
    SUSPENSION_REFUSED = "suspension_refused", _("利用停止等を行わない旨の通知書")
    PURPOSE_NOTICE = "purpose_notice", _("利用目的通知書")
    PURPOSE_NOT_NOTIFIED = "purpose_not_notified", _("利用目的を通知しない旨の通知書")
    ANSWER = "answer", _("回答書")
    IDENTITY_NOT_VERIFIED = "identity_not_verified", _("本人確認ができなかった旨のお知らせ")
    DUPLICATE_CLOSED = "duplicate_closed", _("重複したご請求の取扱いのお知らせ")
    EXISTENCE_NOT_CONFIRMED = "existence_not_confirmed", _("存否を明らかにしない旨の通知書")


class LetterStatus(models.TextChoices):
    PENDING = "pending", _("作成待ち")
    RENDERED = "rendered", _("作成済み")
    FAILED = "failed", _("作成失敗")
    DELIVERED = "delivered", _("送付済み")
    SUPERSEDED = "superseded", _("再作成により差替え")
