"""What each kind of request is: one `KindSpec` per RequestKind, in `KIND_SPECS`.

A spec says everything the portal needs to know about a kind: its label and description,
its wizard form and templates, the schema of the case's `details` (checked by
`validate_details` when a case is filed), the decisions and statutory grounds an answer may
carry, the notices those decisions produce, whether a fee may be charged (個人情報保護法第38条),
whether 第39条 (the two-week mark before a suit) applies, and how its letters name it.

Adding a kind: its value in choices.RequestKind (and any new Decision), its spec here, its
wizard form in forms/member.py, and its templates under templates/requests_portal/member/kinds/.

This module sits in the models package because the models read it (FeeSetting's constraint
uses FEE_ELIGIBLE_KINDS); it imports nothing but the enumerations, so everything else may
import it. The wizard form is named by its dotted path for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django_stubs_ext import StrOrPromise

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_portal.exceptions import DomainError

from .choices import (
    Decision,
    IdDocumentType,
    IdentityMethod,
    LetterKind,
    RequestKind,
    StatutoryGround,
    SuspensionGround,
    SuspensionMeasure,
)

LAW = "個人情報の保護に関する法律"

# --- the values `details` may hold ------------------------------------------------------------

CORRECTION_ACTIONS = {"correct": _("訂正"), "add": _("追加"), "delete": _("削除")}
CORRECTION_ROW_KEYS = ("action", "item", "current", "correct")
INQUIRY_TYPES = {"complaint": _("苦情"), "consultation": _("相談・問い合わせ")}
AUTHORITY_DOCUMENT_TYPES = {
    "power_of_attorney": _("委任状（ご本人の署名又は記名押印のあるもの）"),
    "family_register": _("戸籍謄本・抄本など、親権者であることを証する書類"),
    "guardianship_certificate": _("後見登記等に関する登記事項証明書"),
    "other": _("その他の代理権を証する書類"),
}
# Which measure a ground may ask for (第35条第1項: suspension or erasure; 第3項: stopping
# third-party provision; 第5項: any of the three).
_ANY_MEASURE_GROUNDS = (SuspensionGround.ART35_5_A, SuspensionGround.ART35_5_B, SuspensionGround.ART35_5_C)
GROUNDS_FOR_MEASURE = {
    SuspensionMeasure.SUSPEND_USE: (SuspensionGround.ART35_1, *_ANY_MEASURE_GROUNDS),
    SuspensionMeasure.ERASE: (SuspensionGround.ART35_1, *_ANY_MEASURE_GROUNDS),
    SuspensionMeasure.STOP_PROVISION: (SuspensionGround.ART35_3, *_ANY_MEASURE_GROUNDS),
}


class Shape(StrEnum):
    """What a value in `details` must be."""

    TEXT = "text"  # a string
    CHOICE = "choice"  # one of the key's choices
    CATEGORIES = "categories"  # a list of {"id": int, "name": str} (wizard) or names (paper intake)
    CORRECTIONS = "corrections"  # a list of {"action", "item", "current", "correct"}
    MARKER = "marker"  # True, written by a tool; shown to nobody


@dataclass(frozen=True)
class DetailKey:
    """One key of `dsr.details`: what its value must be, and the label it is shown under."""

    name: str
    label: Promise | str
    shape: Shape = Shape.TEXT
    choices: Mapping[str, Promise] | None = None


DATA_CATEGORIES = DetailKey("data_categories", _("対象となる保有個人データの項目"), Shape.CATEGORIES)
PERIOD = DetailKey("period", _("対象の期間"))
THIRD_PARTY = DetailKey("third_party", _("提供先・提供元"))
OTHER_METHOD = DetailKey("other_method", _("その他の開示の方法"))
MEASURE = DetailKey("measure", _("求める措置"), Shape.CHOICE, dict(SuspensionMeasure.choices))
GROUND = DetailKey("ground", _("請求の理由（法律上の根拠）"), Shape.CHOICE, dict(SuspensionGround.choices))
CORRECTIONS = DetailKey("corrections", _("訂正等を求める内容"), Shape.CORRECTIONS)
INQUIRY_TYPE = DetailKey("inquiry_type", _("お申出の種類"), Shape.CHOICE, INQUIRY_TYPES)
IDENTITY_METHOD = DetailKey("identity_method", _("本人確認の方法"), Shape.CHOICE, dict(IdentityMethod.choices))
ID_DOCUMENT_TYPE = DetailKey("id_document_type", _("本人確認書類の種類"), Shape.CHOICE, dict(IdDocumentType.choices))
AUTHORITY_DOCUMENT_TYPE = DetailKey(
    "authority_document_type", _("代理権を証する書類"), Shape.CHOICE, AUTHORITY_DOCUMENT_TYPES
)
# seed_demo_history tags its generated cases so it can find them again.
DEMO_HISTORY = DetailKey("demo_history", "", Shape.MARKER)

# Any kind's details may say how identity and authority were shown, name the data
# categories concerned (the paper intake form offers them for every kind), and carry a
# tool's marker.
COMMON_DETAILS = (DATA_CATEGORIES, IDENTITY_METHOD, ID_DOCUMENT_TYPE, AUTHORITY_DOCUMENT_TYPE, DEMO_HISTORY)

# Keys that cases filed before these schemas (imports, earlier versions) may carry: shown,
# never accepted from a new filing.
LEGACY_DETAILS = (
    DetailKey("categories", _("対象となる保有個人データの項目"), Shape.CATEGORIES),
    DetailKey("purpose", _("利用目的の通知を求める対象")),
    DetailKey("measures", _("求める措置"), Shape.CHOICE, dict(SuspensionMeasure.choices)),
    DetailKey("note", _("備考")),
)
_LEGACY = {key.name: key for key in LEGACY_DETAILS}

# The order a case page shows them in (case_details.py): the request first, then how
# identity and authority were shown.
SHOWN_DETAILS = (
    INQUIRY_TYPE,
    DATA_CATEGORIES,
    _LEGACY["categories"],
    _LEGACY["purpose"],
    PERIOD,
    THIRD_PARTY,
    OTHER_METHOD,
    MEASURE,
    _LEGACY["measures"],
    GROUND,
    CORRECTIONS,
    IDENTITY_METHOD,
    ID_DOCUMENT_TYPE,
    AUTHORITY_DOCUMENT_TYPE,
    _LEGACY["note"],
)
TOOL_MARKERS = frozenset(key.name for key in COMMON_DETAILS if key.shape == Shape.MARKER)


# --- decisions, grounds and notices -------------------------------------------------------------

# 第37条 (the procedure) and a withdrawal end a request of any kind of 第32条〜第35条.
_ANY_KIND_DECISIONS = (
    Decision.REQUEST_INCOMPLETE,
    Decision.IDENTITY_NOT_VERIFIED,
    Decision.AGENT_AUTHORITY_NOT_SHOWN,
    Decision.WITHDRAWN,
)
_ANY_KIND_NOTICES = (LetterKind.ANSWER, LetterKind.IDENTITY_NOT_VERIFIED)
_DISCLOSURE_GROUNDS = (
    StatutoryGround.ART33_2_1,
    StatutoryGround.ART33_2_2,
    StatutoryGround.ART33_2_3,
    StatutoryGround.ART33_2_PAPER,
    StatutoryGround.ART33_4,
    StatutoryGround.NOT_HELD,
    StatutoryGround.ART37_PROCEDURE,
)
_DISCLOSURE_NOTICES = (
    LetterKind.DISCLOSURE_DECISION,
    LetterKind.NON_DISCLOSURE,
    LetterKind.NOT_HELD,
    LetterKind.EXISTENCE_NOT_CONFIRMED,
    *_ANY_KIND_NOTICES,
)
# The grounds that let an answer neither confirm nor deny that the data exists: data that 施行令第5条
# takes out of 保有個人データ (第16条第4項), and records that 施行令第11条 takes out of 第33条第5項.
EXISTENCE_GROUNDS = frozenset({StatutoryGround.ORDER5_EXISTENCE, StatutoryGround.ORDER11_EXISTENCE})

# The measure each suspension decision takes (第35条). Taking one other than the measure asked
# for does not do what was asked: it is a partial grant that needs a ground and a reason (第36条).
MEASURE_OF_DECISION: dict[str, str] = {
    Decision.USE_SUSPENDED: SuspensionMeasure.SUSPEND_USE,
    Decision.ERASED: SuspensionMeasure.ERASE,
    Decision.PROVISION_STOPPED: SuspensionMeasure.STOP_PROVISION,
}
# The grounds for taking a measure other than the one asked for: the claim is made out only for
# the lesser measure, or the measure asked for is too costly or difficult (第35条第2項・第4項・第6項).
DIFFERENT_MEASURE_GROUNDS = (StatutoryGround.ART35_NOT_ESTABLISHED, StatutoryGround.ART35_SUBSTITUTE)
# Letters of the procedure itself, which any case may receive (受付, 補正, 延長).
PROCEDURE_NOTICES = (LetterKind.ACKNOWLEDGEMENT, LetterKind.AMENDMENT_REQUEST, LetterKind.EXTENSION_NOTICE)


# --- the specification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    kind: RequestKind
    description: Promise
    # The wizard: its form class (dotted path into forms/member.py), the template of its
    # fields on the form page, and optional extras (a warning above the form, a table on
    # the 確認 page).
    wizard_form: str
    wizard_template: str
    details: tuple[DetailKey, ...]
    decisions: tuple[str, ...]
    # Complaints and My Number inquiries are answered (第40条), never refused on a ground.
    grounds: tuple[str, ...]
    # The letters its decisions produce (decisions.LETTER_FOR_DECISION), besides PROCEDURE_NOTICES.
    notices: tuple[str, ...]
    fee_eligible: bool  # 第38条第1項: only purpose notices and disclosures
    art39: bool  # 第39条: the requester may sue two weeks after the request reached us
    # 第33条: the answer hands over data, so the requester chooses the method and staff may
    # attach the disclosed files.
    discloses_data: bool
    # The disclosed data is a file staff attach before approval (a provision-records notice
    # prints the records itself, so that kind needs none).
    data_attached: bool
    # Identity is checked before answering (第37条); complaints and inquiries are answered as they come.
    checks_identity: bool
    # How the letters name it (they are always Japanese, so these are not translated).
    letter_phrase: str  # 「…を受け付けました」
    letter_noun: str  # what it is about: 保有個人データ or 第三者提供記録
    acknowledgement_title: str
    acknowledgement_heading: str
    answer_title: str
    answer_heading: str
    not_held_article: str
    # The ground on which an answer may neither confirm nor deny that the data exists (empty: the
    # kind's answers never need to; complaints and inquiries are about no particular data).
    existence_ground: str = ""
    wizard_intro_template: str = ""
    review_template: str = ""
    # A rule between keys, beyond each key's own shape: messages for what breaks it.
    check_details: Callable[[Mapping], list[str]] | None = None

    @property
    def label(self) -> StrOrPromise:
        return RequestKind(self.kind).label

    @property
    def form_class(self) -> type:
        return import_string(self.wizard_form)

    @property
    def allowed_details(self) -> dict[str, DetailKey]:
        return {key.name: key for key in (*self.details, *COMMON_DETAILS)}


def _measure_fits_ground(details: Mapping) -> list[str]:
    """A suspension names its measure and its ground together (第35条); the ground must allow the measure."""
    measure, ground = details.get("measure"), details.get("ground")
    if bool(measure) != bool(ground):
        return [gettext("求める措置と請求の理由は、両方を指定してください。")]
    if measure in GROUNDS_FOR_MEASURE and ground and ground not in GROUNDS_FOR_MEASURE[measure]:
        label = SuspensionMeasure(measure).label
        return [gettext("求める措置（%(measure)s）には、この請求の理由は使えません。") % {"measure": label}]
    return []


_DISCLOSURE_HEADINGS: dict[str, Any] = {
    "acknowledgement_title": "開示等の請求の受付について（お知らせ）",
    "acknowledgement_heading": "請求の内容",
    "answer_title": "回答書",
    "answer_heading": "お申出の内容",
}
_WIZARD = "requests_portal.forms.member."
_TEMPLATES = "requests_portal/member/kinds/"

KIND_SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            kind=RequestKind.PURPOSE_NOTICE,
            description=_("組合があなたの個人情報を何のために利用しているかの通知を求めます（第32条第2項）。"),
            wizard_form=_WIZARD + "PurposeNoticeForm",
            wizard_template=_TEMPLATES + "purpose_notice.html",
            details=(),
            decisions=(Decision.PURPOSE_NOTIFIED, Decision.PURPOSE_NOT_NOTIFIED, *_ANY_KIND_DECISIONS),
            grounds=(StatutoryGround.ART32_2_I, StatutoryGround.ART32_2_II, StatutoryGround.ART37_PROCEDURE),
            notices=(LetterKind.PURPOSE_NOTICE, LetterKind.PURPOSE_NOT_NOTIFIED, *_ANY_KIND_NOTICES),
            fee_eligible=True,
            art39=False,
            discloses_data=False,
            data_attached=False,
            checks_identity=True,
            letter_phrase="保有個人データの利用目的の通知の求め",
            letter_noun="保有個人データ",
            not_held_article=f"{LAW}第33条第3項",
            **_DISCLOSURE_HEADINGS,
        ),
        KindSpec(
            kind=RequestKind.DISCLOSURE,
            description=_("組合が保有しているあなたの個人情報の開示を求めます（第33条第1項）。"),
            wizard_form=_WIZARD + "DisclosureForm",
            wizard_template=_TEMPLATES + "disclosure.html",
            details=(PERIOD, OTHER_METHOD),
            decisions=(
                Decision.DISCLOSED_FULL,
                Decision.DISCLOSED_PARTIAL,
                Decision.NOT_DISCLOSED,
                Decision.NOT_HELD,
                Decision.EXISTENCE_NOT_CONFIRMED,
                Decision.METHOD_CHANGED_TO_PAPER,
                Decision.OTHER_LAW_PROCEDURE,
                *_ANY_KIND_DECISIONS,
            ),
            grounds=(*_DISCLOSURE_GROUNDS, StatutoryGround.ORDER5_EXISTENCE),
            existence_ground=StatutoryGround.ORDER5_EXISTENCE,
            notices=_DISCLOSURE_NOTICES,
            fee_eligible=True,
            art39=True,
            discloses_data=True,
            data_attached=True,
            checks_identity=True,
            letter_phrase="保有個人データの開示の請求",
            letter_noun="保有個人データ",
            not_held_article=f"{LAW}第33条第3項",
            **_DISCLOSURE_HEADINGS,
        ),
        KindSpec(
            kind=RequestKind.PROVISION_RECORDS,
            description=_(
                "あなたの個人情報を第三者に提供した記録・第三者から受け取った記録の開示を求めます（第33条第5項）。"
            ),
            wizard_form=_WIZARD + "ProvisionRecordsForm",
            wizard_template=_TEMPLATES + "provision_records.html",
            details=(THIRD_PARTY, PERIOD, OTHER_METHOD),
            decisions=(
                Decision.RECORD_DISCLOSED_FULL,
                Decision.RECORD_DISCLOSED_PARTIAL,
                Decision.RECORD_NOT_DISCLOSED,
                Decision.RECORD_NOT_HELD,
                Decision.EXISTENCE_NOT_CONFIRMED,
                Decision.RECORD_METHOD_CHANGED_TO_PAPER,
                Decision.RECORD_OTHER_LAW_PROCEDURE,
                *_ANY_KIND_DECISIONS,
            ),
            grounds=(*_DISCLOSURE_GROUNDS, StatutoryGround.ORDER11_EXISTENCE),
            existence_ground=StatutoryGround.ORDER11_EXISTENCE,
            notices=_DISCLOSURE_NOTICES,
            fee_eligible=True,
            art39=True,
            discloses_data=True,
            data_attached=False,
            checks_identity=True,
            letter_phrase="第三者提供記録の開示の請求",
            letter_noun="第三者提供記録",
            not_held_article=f"{LAW}第33条第5項において準用する同条第3項",
            **_DISCLOSURE_HEADINGS,
        ),
        KindSpec(
            kind=RequestKind.CORRECTION,
            description=_("事実と異なる内容の訂正・追加・削除を求めます（第34条）。"),
            wizard_form=_WIZARD + "CorrectionForm",
            wizard_template=_TEMPLATES + "correction.html",
            review_template=_TEMPLATES + "correction_review.html",
            details=(CORRECTIONS,),
            decisions=(
                Decision.CORRECTED,
                Decision.ADDED,
                Decision.DELETED,
                Decision.PARTIALLY_CORRECTED,
                Decision.NOT_CORRECTED,
                Decision.NOT_HELD,
                Decision.EXISTENCE_NOT_CONFIRMED,
                Decision.OTHER_LAW_PROCEDURE,
                *_ANY_KIND_DECISIONS,
            ),
            grounds=(
                StatutoryGround.ART34_FACTUAL,
                StatutoryGround.ART34_PURPOSE,
                StatutoryGround.NOT_HELD,
                # The only "other law's procedure" ground there is; reports.py implies it for that decision.
                StatutoryGround.ART33_4,
                StatutoryGround.ART37_PROCEDURE,
                StatutoryGround.ORDER5_EXISTENCE,
            ),
            existence_ground=StatutoryGround.ORDER5_EXISTENCE,
            notices=(
                LetterKind.CORRECTION_DONE,
                LetterKind.CORRECTION_REFUSED,
                LetterKind.NOT_HELD,
                LetterKind.EXISTENCE_NOT_CONFIRMED,
                LetterKind.NON_DISCLOSURE,  # the notice of another law's procedure
                *_ANY_KIND_NOTICES,
            ),
            fee_eligible=False,
            art39=True,
            discloses_data=False,
            data_attached=False,
            checks_identity=True,
            letter_phrase="保有個人データの訂正等（訂正、追加又は削除）の請求",
            letter_noun="保有個人データ",
            not_held_article=f"{LAW}第34条第3項",
            **_DISCLOSURE_HEADINGS,
        ),
        KindSpec(
            kind=RequestKind.SUSPENSION,
            description=_("個人情報の利用の停止・消去、第三者への提供の停止を求めます（第35条）。"),
            wizard_form=_WIZARD + "SuspensionForm",
            wizard_template=_TEMPLATES + "suspension.html",
            details=(MEASURE, GROUND),
            check_details=_measure_fits_ground,
            decisions=(
                Decision.USE_SUSPENDED,
                Decision.ERASED,
                Decision.PROVISION_STOPPED,
                Decision.SUBSTITUTE_MEASURE,
                Decision.NOT_SUSPENDED,
                Decision.NOT_HELD,
                Decision.EXISTENCE_NOT_CONFIRMED,
                *_ANY_KIND_DECISIONS,
            ),
            grounds=(
                StatutoryGround.ART35_NOT_ESTABLISHED,
                StatutoryGround.ART35_SUBSTITUTE,
                StatutoryGround.NOT_HELD,
                StatutoryGround.ART37_PROCEDURE,
                StatutoryGround.ORDER5_EXISTENCE,
            ),
            existence_ground=StatutoryGround.ORDER5_EXISTENCE,
            notices=(
                LetterKind.SUSPENSION_DONE,
                LetterKind.SUSPENSION_REFUSED,
                LetterKind.NOT_HELD,
                LetterKind.EXISTENCE_NOT_CONFIRMED,
                *_ANY_KIND_NOTICES,
            ),
            fee_eligible=False,
            art39=True,
            discloses_data=False,
            data_attached=False,
            checks_identity=True,
            letter_phrase="保有個人データの利用停止等の請求",
            letter_noun="保有個人データ",
            not_held_article=f"{LAW}第35条第7項",
            **_DISCLOSURE_HEADINGS,
        ),
        KindSpec(
            kind=RequestKind.COMPLAINT,
            description=_("個人情報の取扱いについての苦情やご相談をお受けします（第40条）。"),
            wizard_form=_WIZARD + "ComplaintForm",
            wizard_template=_TEMPLATES + "complaint.html",
            details=(INQUIRY_TYPE,),
            decisions=(Decision.ANSWERED, Decision.WITHDRAWN),
            grounds=(),
            notices=(LetterKind.ANSWER,),
            fee_eligible=False,
            art39=False,
            discloses_data=False,
            data_attached=False,
            checks_identity=False,
            letter_phrase="個人情報の取扱いに関する苦情・ご相談のお申出",
            letter_noun="保有個人データ",
            acknowledgement_title="苦情・ご相談の受付について（お知らせ）",
            acknowledgement_heading="お申出の内容",
            answer_title="苦情・ご相談について（回答）",
            answer_heading="お申出の内容",
            not_held_article=f"{LAW}第33条第3項",
        ),
        KindSpec(
            kind=RequestKind.MY_NUMBER_INQUIRY,
            description=_(
                "マイナンバー（個人番号）の取扱いについてのお問い合わせです。マイナンバー担当が対応します。"
                "マイナンバーそのものは入力しないでください。"
            ),
            wizard_form=_WIZARD + "MyNumberInquiryForm",
            wizard_template=_TEMPLATES + "my_number_inquiry.html",
            wizard_intro_template=_TEMPLATES + "my_number_inquiry_intro.html",
            details=(),
            decisions=(Decision.ANSWERED, Decision.WITHDRAWN),
            grounds=(),
            notices=(LetterKind.ANSWER,),
            fee_eligible=False,
            art39=False,
            discloses_data=False,
            data_attached=False,
            checks_identity=False,
            letter_phrase="マイナンバー（個人番号）に関するお問い合わせ",
            letter_noun="保有個人データ",
            acknowledgement_title="お問い合わせの受付について（お知らせ）",
            acknowledgement_heading="請求の内容",
            answer_title="お問い合わせについて（回答）",
            answer_heading="お問い合わせの内容",
            not_held_article=f"{LAW}第33条第3項",
        ),
    )
}


def spec_for(kind: str) -> KindSpec:
    """The spec of `kind`; KeyError for a value that is not a RequestKind."""
    return KIND_SPECS[kind]


# The same facts as sets and maps, for the modules that filter or look up by kind.
FEE_ELIGIBLE_KINDS = frozenset(kind for kind, spec in KIND_SPECS.items() if spec.fee_eligible)
ART39_KINDS = frozenset(kind for kind, spec in KIND_SPECS.items() if spec.art39)
DISCLOSING_KINDS = frozenset(kind for kind, spec in KIND_SPECS.items() if spec.discloses_data)
DECISIONS_BY_KIND: dict[str, tuple[str, ...]] = {kind: spec.decisions for kind, spec in KIND_SPECS.items()}
GROUNDS_BY_KIND: dict[str, tuple[str, ...]] = {kind: spec.grounds for kind, spec in KIND_SPECS.items()}


# --- validating `details` -------------------------------------------------------------------------


class DetailsInvalid(DomainError):
    """`details` that do not fit the kind's schema; `problems` lists what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(gettext("請求の内容の形式が正しくありません：%(problems)s") % {"problems": " ".join(problems)})


def _is_category(item: object) -> bool:
    if isinstance(item, str):
        return True
    return (
        isinstance(item, Mapping)
        and set(item) == {"id", "name"}
        and isinstance(item["id"], int)
        and not isinstance(item["id"], bool)
        and isinstance(item["name"], str)
    )


def _is_correction_row(row: object) -> bool:
    return (
        isinstance(row, Mapping)
        and set(row) == set(CORRECTION_ROW_KEYS)
        and row["action"] in CORRECTION_ACTIONS
        and all(isinstance(row[key], str) for key in CORRECTION_ROW_KEYS)
    )


def _fits(key: DetailKey, value: object) -> bool:
    if key.shape == Shape.TEXT:
        return isinstance(value, str)
    if key.shape == Shape.CHOICE:
        return isinstance(value, str) and value in (key.choices or {})
    if key.shape == Shape.CATEGORIES:
        return isinstance(value, list) and all(_is_category(item) for item in value)
    if key.shape == Shape.CORRECTIONS:
        return isinstance(value, list) and all(_is_correction_row(row) for row in value)
    return value is True  # Shape.MARKER


def validate_details(kind: str, details: object) -> None:
    """Raise DetailsInvalid unless `details` fits the schema of `kind`: only its keys (and
    COMMON_DETAILS), each value of its shape, and the kind's own rule between keys."""
    if kind not in KIND_SPECS:
        raise DetailsInvalid([gettext("請求の種類が正しくありません。")])
    if not isinstance(details, Mapping):
        raise DetailsInvalid([gettext("内容が項目の一覧になっていません。")])
    spec = KIND_SPECS[kind]
    allowed = spec.allowed_details
    problems = []
    for name, value in details.items():
        key = allowed.get(name)
        if key is None:
            problems.append(gettext("「%(key)s」はこの種類の請求にない項目です。") % {"key": name})
        elif not _fits(key, value):
            problems.append(gettext("「%(key)s」の値の形式が正しくありません。") % {"key": name})
    if not problems and spec.check_details:
        problems += spec.check_details(details)
    if problems:
        raise DetailsInvalid(problems)
