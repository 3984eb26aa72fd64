# ruff: noqa: E501 - sample letter texts are kept on one line each so they read as written
"""Sample notices built in memory (nothing is saved): one per notice kind and decision path.

`make letters-preview` renders them to PNG for a person to look at, and the tests render
every one of them. The people and places are invented.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from requests_portal.letters.sources import LetterSource
from requests_portal.models import (
    Channel,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    LetterKind,
    Member,
    OrganisationProfile,
    Queue,
    RequesterType,
    RequestKind,
    StatutoryGround,
)

TOKYO = ZoneInfo("Asia/Tokyo")
ISSUED_ON = date(2026, 11, 25)
RECEIVED_AT = datetime.combine(date(2026, 11, 12), time(10, 30), tzinfo=TOKYO)
# Received 12 November, complete on receipt: the answer is due 14 days later (settings
# DSR_RESPONSE_PERIOD_DAYS), after every sample's date of issue.
DUE_DATE = date(2026, 11, 26)
# An acknowledgement goes out the day after receipt, long before the answer is due.
ACKNOWLEDGED_ON = date(2026, 11, 13)

# The desk, the complaint desk and the purposes of use are the model's defaults, i.e. what
# the co-op's privacy policy states; only the texts a fresh install leaves to the co-op are set.
SAMPLE_CONTACTS = {
    "identity_methods": (
        "ポータル：ご登録のメールアドレスとパスワードによる再認証\n"
        "郵送：運転免許証、マイナンバーカード（表面のみ）などの本人確認書類の写し"
    ),
    "request_procedure": "組合員ポータル、郵送又は総務部窓口でお受けします。所定の請求書に本人確認書類の写しを添えてください。",
    "sender_name": "",
}


@dataclass(frozen=True)
class Sample:
    slug: str
    kind: str
    request_kind: RequestKind
    payload: dict = field(default_factory=dict)
    decision_text: tuple[str, ...] = ()  # phrases the PDF must contain (titles, grounds…)
    requester_type: str = RequesterType.SELF
    channel: str = Channel.PORTAL
    disclosure_method: str = ""
    fee_yen: int | None = None
    amendment_message: str = ""
    expected_pages: int = 1
    summary: str = ""  # what the member asked for, when the kind's usual one does not fit the answer
    issued_on: date = ISSUED_ON


def _decision(decision: str, *, ground: str = "", reason: str = "", **details: object) -> dict:
    return {
        "decision": decision,
        "ground": ground,
        "reason": reason,
        "details": details,
        "approved_at": datetime.combine(date(2026, 11, 24), time(15, 0), tzinfo=TOKYO).isoformat(),
    }


WITHHELD = [
    {"item": "苦情対応記録のうち、他の組合員の氏名及び連絡先", "ground": StatutoryGround.ART33_2_1, "reason": ""},
    {
        "item": "共済金支払審査に係る医師の意見書",
        "ground": StatutoryGround.ART33_2_1,
        "reason": "ご本人の心身の状況を悪化させるおそれがあるため",
    },
]
# Recipients and sources that really require a record (個人情報保護法第29条・第30条): private
# businesses. A police force or other 第16条第2項 body would be exempt and never appear here.
RECORDS = [
    {
        "direction": "第三者への提供",
        "received": False,
        "occurred_on": "2025-10-01",
        "third_party_name": "みらい損害保険株式会社",
        "third_party_address": "東京都中央区日本橋九丁目8番7号",
        "third_party_representative": "",
        "data_items": "氏名、生年月日、団体保険の加入口数",
        "consent_obtained": True,
        "acquisition_method": "",
    },
    {
        "direction": "第三者からの受領",
        "received": True,
        "occurred_on": "2026-04-01",
        "third_party_name": "若葉台病院",
        "third_party_address": "横浜市旭区若葉台九丁目9番9号",
        "third_party_representative": "",
        "data_items": "氏名、入院期間、傷病名",
        "consent_obtained": None,
        "acquisition_method": "ご本人の同意を得て提供",
    },
]

SAMPLES: tuple[Sample, ...] = (
    Sample(
        "acknowledgement", LetterKind.ACKNOWLEDGEMENT, RequestKind.DISCLOSURE,
        decision_text=("開示等の請求の受付について", "回答期限"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300, issued_on=ACKNOWLEDGED_ON,
    ),
    Sample(
        "acknowledgement-agent", LetterKind.ACKNOWLEDGEMENT, RequestKind.CORRECTION,
        decision_text=("開示等の請求の受付について", "法定代理人"),
        requester_type=RequesterType.LEGAL_REP_MINOR, channel=Channel.POST, issued_on=ACKNOWLEDGED_ON,
    ),
    Sample(
        "amendment-request", LetterKind.AMENDMENT_REQUEST, RequestKind.DISCLOSURE,
        payload={"message_id": 1, "reply_due_date": "2026-12-09"},
        decision_text=("ご請求の内容の補正について", "令和8年12月9日"),
        amendment_message="開示を希望される記録の期間（例：令和7年4月から令和8年3月まで）をお知らせください。\n"
        "あわせて、本人確認書類（運転免許証など）の写しをお送りください。",
    ),
    Sample(
        "extension-notice", LetterKind.EXTENSION_NOTICE, RequestKind.DISCLOSURE,
        payload={"previous_due_date": "2026-11-26", "new_due_date": "2026-12-15",
                 "reason": "ご請求の対象となる記録が複数の事業所に保管されており、確認に時間を要するため。"},
        decision_text=("回答期限の延長について", "令和8年12月15日", "確認に時間を要するため"),
    ),
    Sample(
        "disclosure-full", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_decision(Decision.DISCLOSED_FULL, disclosed_items="共済契約の内容及び掛金の払込記録（令和7年4月〜令和8年3月）"),
        decision_text=("保有個人データ開示決定通知書", "電磁的記録の提供"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300,
    ),
    Sample(
        "disclosure-partial", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.DISCLOSED_PARTIAL, ground=StatutoryGround.ART33_2_1,
            reason="他の組合員の個人情報が含まれる部分は、第三者の権利利益を害するおそれがあるため開示しません。",
            withheld_items=WITHHELD,
        ),
        decision_text=("保有個人データ一部開示決定通知書", "第33条第2項第1号", "第三者の権利利益を害するおそれ"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300, expected_pages=2,
    ),
    Sample(
        "disclosure-paper", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.METHOD_CHANGED_TO_PAPER, ground=StatutoryGround.ART33_2_PAPER,
            reason="ご請求の方法による開示が困難なため",
            method_changed_to_paper=True,
            method_change_reason="対象の記録は紙の台帳のみで保管されており、電磁的記録として提供することが困難なため。",
        ),
        decision_text=("保有個人データ開示決定通知書", "書面の交付", "紙の台帳のみで保管"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300,
    ),
    Sample(
        "disclosure-paper-agreed", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.DISCLOSED_FULL,
            method_changed_to_paper=True, method_change_reason="",
            member_agreement={"how": "phone", "on": "2026-11-20"},
        ),
        decision_text=("保有個人データ開示決定通知書", "書面の交付", "令和8年11月20日に電話により"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300,
    ),
    Sample(
        "records-full", LetterKind.DISCLOSURE_DECISION, RequestKind.PROVISION_RECORDS,
        payload={**_decision(Decision.RECORD_DISCLOSED_FULL), "provision_records": RECORDS},
        decision_text=("第三者提供記録開示決定通知書", "みらい損害保険株式会社", "第三者からの受領"),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300, expected_pages=2,
    ),
    Sample(
        "non-disclosure", LetterKind.NON_DISCLOSURE, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.NOT_DISCLOSED, ground=StatutoryGround.ART33_2_2,
            reason="同一内容の開示請求が短期間に繰り返されており、業務の適正な実施に著しい支障を及ぼすおそれがあるため。",
        ),
        decision_text=("保有個人データ不開示決定通知書", "第33条第2項第2号", "業務の適正な実施に著しい支障"),
    ),
    Sample(
        "non-disclosure-other-law", LetterKind.NON_DISCLOSURE, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.OTHER_LAW_PROCEDURE, ground=StatutoryGround.ART33_4,
            reason="ご請求の記録は別の法令に基づく開示の手続の対象となるため、その手続によりご請求ください。",
        ),
        decision_text=("保有個人データの開示の請求について", "第33条第4項"),
    ),
    Sample(
        "not-held", LetterKind.NOT_HELD, RequestKind.DISCLOSURE,
        payload=_decision(Decision.NOT_HELD, ground=StatutoryGround.NOT_HELD,
                          reason="平成30年度以前の購買利用記録は保存期間の満了により廃棄済みです。"),
        decision_text=("保有個人データ不存在通知書", "保有していません"),
    ),
    Sample(
        "existence-not-confirmed", LetterKind.EXISTENCE_NOT_CONFIRMED, RequestKind.DISCLOSURE,
        payload=_decision(
            Decision.EXISTENCE_NOT_CONFIRMED, ground=StatutoryGround.ORDER5_EXISTENCE,
            reason="ご請求の情報は、その存否を答えることにより、犯罪の予防又は捜査に支障が及ぶおそれがあるものに当たり得るため。",
        ),
        decision_text=("保有個人データの開示の請求について", "施行令第5条", "お答えできません"),
    ),
    Sample(
        "correction-done", LetterKind.CORRECTION_DONE, RequestKind.CORRECTION,
        payload=_decision(Decision.CORRECTED, corrections=[
            {"field": "住所", "old": "東京都新宿区西新宿三丁目2番1号", "new": "東京都新宿区西新宿三丁目2番1号 西新宿ハイツ305", "description": ""},
            {"field": "電話番号", "old": "03-0000-1111", "new": "090-0000-2222", "description": ""},
        ]),
        decision_text=("保有個人データ訂正等決定通知書", "西新宿ハイツ305"),
    ),
    Sample(
        "correction-partial", LetterKind.CORRECTION_DONE, RequestKind.CORRECTION,
        payload=_decision(
            Decision.PARTIALLY_CORRECTED, ground=StatutoryGround.ART34_FACTUAL,
            reason="加入年月日は加入申込書の記載のとおりであり、事実と異なるとは認められないため訂正しません。",
            corrections=[{"field": "氏名のフリガナ", "old": "ヤマザキ", "new": "ヤマサキ", "description": ""}],
        ),
        decision_text=("保有個人データ訂正等決定通知書", "第34条", "加入申込書の記載のとおり"),
        summary="氏名のフリガナと加入年月日の訂正",
    ),
    Sample(
        "correction-refused", LetterKind.CORRECTION_REFUSED, RequestKind.CORRECTION,
        payload=_decision(Decision.NOT_CORRECTED, ground=StatutoryGround.ART34_FACTUAL,
                          reason="ご指摘の共済金支払額は支払記録と一致しており、内容が事実でないとは認められないため。"),
        decision_text=("保有個人データの訂正等を行わない旨の通知書", "第34条", "支払記録と一致"),
        summary="令和8年6月にお支払いした入院共済金の支払額の訂正",
    ),
    Sample(
        "suspension-done", LetterKind.SUSPENSION_DONE, RequestKind.SUSPENSION,
        payload=_decision(Decision.ERASED, scope="ダイレクトメール送付のための住所・氏名の登録", effective_date="2026-11-20"),
        decision_text=("保有個人データ利用停止等決定通知書", "消去", "令和8年11月20日"),
    ),
    Sample(
        "suspension-substitute", LetterKind.SUSPENSION_DONE, RequestKind.SUSPENSION,
        payload=_decision(
            Decision.SUBSTITUTE_MEASURE, ground=StatutoryGround.ART35_SUBSTITUTE,
            reason="過去の帳票の全件からの消去には多額の費用を要し、困難であるため。",
            substitute_measure="基幹システム上の当該データの利用を停止し、閲覧できる職員を限定しました。",
        ),
        decision_text=("保有個人データ利用停止等決定通知書", "代替措置", "第35条"),
    ),
    Sample(
        "suspension-other-measure", LetterKind.SUSPENSION_DONE, RequestKind.SUSPENSION,
        payload=_decision(
            Decision.USE_SUSPENDED, ground=StatutoryGround.ART35_SUBSTITUTE,
            reason="共済金支払の記録は法令で定められた保存期間中であり、消去することができないため。",
            measures_requested=["erase"],
            scope="ダイレクトメール送付のための住所・氏名の登録", effective_date="2026-11-20",
        ),
        decision_text=("保有個人データ利用停止等決定通知書", "ご請求の措置（消去）に代えて", "保存期間中"),
    ),
    Sample(
        "suspension-refused", LetterKind.SUSPENSION_REFUSED, RequestKind.SUSPENSION,
        payload=_decision(Decision.NOT_SUSPENDED, ground=StatutoryGround.ART35_NOT_ESTABLISHED,
                          reason="共済契約の管理に現に必要な情報であり、利用する必要がなくなったとは認められないため。"),
        decision_text=("保有個人データの利用停止等を行わない旨の通知書", "第35条", "利用する必要がなくなったとは認められない"),
    ),
    Sample(
        "purpose-notice", LetterKind.PURPOSE_NOTICE, RequestKind.PURPOSE_NOTICE,
        payload=_decision(Decision.PURPOSE_NOTIFIED, purposes="給与控除による掛金・代金の精算のため\n共済金・給付金のお支払いのため"),
        decision_text=("保有個人データの利用目的通知書", "給与控除による掛金・代金の精算のため"),
        fee_yen=0,
    ),
    Sample(
        "purpose-not-notified", LetterKind.PURPOSE_NOT_NOTIFIED, RequestKind.PURPOSE_NOTICE,
        payload=_decision(Decision.PURPOSE_NOT_NOTIFIED, ground=StatutoryGround.ART32_2_I,
                          reason="ご請求の利用目的は、当組合の個人情報保護方針において公表しているとおりであり、明らかであるため。"),
        decision_text=("保有個人データの利用目的を通知しない旨の通知書", "第32条第2項第1号"),
    ),
    Sample(
        "answer-complaint", LetterKind.ANSWER, RequestKind.COMPLAINT,
        payload=_decision(Decision.ANSWERED, answer="ご指摘の窓口での対応について事実を確認し、担当職員に指導を行いました。\n"
                          "今後、同様のことがないよう、職員研修で個人情報の取扱いを改めて徹底します。"),
        decision_text=("苦情・ご相談について（回答）", "担当職員に指導"),
    ),
    Sample(
        "answer-mynumber", LetterKind.ANSWER, RequestKind.MY_NUMBER_INQUIRY,
        payload=_decision(Decision.ANSWERED, answer="マイナンバーのご提出は、同封の専用封筒によりマイナンバー担当あてにお送りください。\n"
                          "ポータルやメールではお受けしておりません。"),
        decision_text=("お問い合わせについて（回答）", "警生協個第", "マイナンバー担当"),
    ),
    Sample(
        "request-incomplete", LetterKind.ANSWER, RequestKind.DISCLOSURE,
        payload=_decision(Decision.REQUEST_INCOMPLETE, ground=StatutoryGround.ART37_PROCEDURE,
                          reason="ご請求の対象となる保有個人データを特定するための事項が記載されていないため。"),
        decision_text=("ご請求の手続について", "第37条"),
    ),
    Sample(
        "identity-not-verified", LetterKind.IDENTITY_NOT_VERIFIED, RequestKind.DISCLOSURE,
        payload={"decision": Decision.IDENTITY_NOT_VERIFIED,
                 "reason": "お送りいただいた本人確認書類の氏名・住所が、組合員名簿の登録内容と一致しなかったため。"},
        decision_text=("本人確認ができなかった旨の通知書", "第37条", "組合員名簿の登録内容と一致しなかった"),
        channel=Channel.POST,
    ),
    Sample(
        "agent-authority-not-shown", LetterKind.IDENTITY_NOT_VERIFIED, RequestKind.DISCLOSURE,
        payload={"decision": Decision.AGENT_AUTHORITY_NOT_SHOWN,
                 "reason": "委任状の提出がなく、代理権を確認できなかったため。"},
        decision_text=("代理権を確認できなかった旨の通知書", "委任状"),
        requester_type=RequesterType.APPOINTED_AGENT,
    ),
    Sample(
        "duplicate-closed", LetterKind.DUPLICATE_CLOSED, RequestKind.DISCLOSURE,
        payload={"primary_reference": "GA-2026-00041",
                 "primary_received_at": datetime.combine(date(2026, 11, 2), time(9, 0), tzinfo=TOKYO).isoformat()},
        decision_text=("重複したご請求の取扱いについて", "GA-2026-00041", "令和8年11月2日"),
        channel=Channel.POST,
    ),
)  # fmt: skip


def sample_profile() -> OrganisationProfile:
    return OrganisationProfile(**SAMPLE_CONTACTS)


def sample_source(
    sample: Sample, *, document_number: str = "", profile: OrganisationProfile | None = None
) -> LetterSource:
    """An unsaved case, member and letter for `sample`, ready for a notice class."""
    restricted = sample.request_kind == RequestKind.MY_NUMBER_INQUIRY
    profile = profile or sample_profile()
    queue = Queue(
        code=Queue.MY_NUMBER if restricted else Queue.GA,
        name="マイナンバー担当" if restricted else "総務部",
        department="マイナンバー担当" if restricted else "総務部",
        reference_prefix="MN" if restricted else "GA",
        is_restricted=restricted,
    )
    member = Member(
        member_number="100003",
        full_name="髙橋 一郎",
        full_name_kana="タカハシ イチロウ",
        birth_date=date(1969, 1, 20),
        postal_code="2310023",
        address="神奈川県横浜市中区山下町10番地 山下町レジデンス201",
    )
    agent = {}
    if sample.requester_type != RequesterType.SELF:
        agent = {
            "agent_name": "髙橋 花子",
            "agent_relationship": "母" if sample.requester_type == RequesterType.LEGAL_REP_MINOR else "配偶者",
            "agent_postal_code": "2310023",
            "agent_address": "神奈川県横浜市中区山下町10番地 山下町レジデンス201",
        }
    dsr = DataSubjectRequest(
        reference=f"{queue.reference_prefix}-2026-00042",
        kind=sample.request_kind,
        queue=queue,
        member=member,
        channel=sample.channel,
        notify_by_post=sample.channel != Channel.PORTAL,
        requester_type=sample.requester_type,
        summary=sample.summary
        or {
            RequestKind.COMPLAINT: "窓口での個人情報の取扱いについて",
            RequestKind.MY_NUMBER_INQUIRY: "マイナンバーの提出方法について",
            RequestKind.CORRECTION: "登録住所と電話番号の訂正",
            RequestKind.SUSPENSION: "ダイレクトメール送付のための情報の消去",
            RequestKind.PURPOSE_NOTICE: "給与控除情報の利用目的",
            RequestKind.PROVISION_RECORDS: "団体保険の引受会社への提供記録の開示",
        }.get(sample.request_kind, "共済契約に関する記録の開示"),
        description="",
        details={"measure": "erase", "ground": "art35_5_a"} if sample.request_kind == RequestKind.SUSPENSION else {},
        disclosure_method=sample.disclosure_method,
        fee_yen=sample.fee_yen,
        received_at=RECEIVED_AT,
        complete_at=RECEIVED_AT,
        due_date=DUE_DATE,
        identity_method=IdentityMethod.REAUTH if sample.channel == Channel.PORTAL else IdentityMethod.DOCUMENT,
        id_doc_type="" if sample.channel == Channel.PORTAL else IdDocumentType.DRIVING_LICENCE,
        identity_result=IdentityResult.VERIFIED,
        **agent,
    )
    prefix = profile.mynumber_document_number_prefix if restricted else profile.document_number_prefix
    return LetterSource(
        kind=sample.kind,
        payload=sample.payload,
        document_number=document_number or f"{prefix}第42号",
        issued_on=sample.issued_on,
        by_post=dsr.notify_by_post,
        dsr=dsr,
        member=member,
        profile=profile,
        fee_payment_methods="定額小為替、銀行振込又は窓口での現金払い" if sample.fee_yen else "",
        amendment_message=sample.amendment_message,
        download_days=14,
    )
