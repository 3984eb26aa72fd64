"""The API's bodies and answers. Field descriptions become the OpenAPI schema's documentation."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict


class Strict(Schema):
    # An unknown field is an error, not silently dropped: a misspelt column must not vanish.
    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str = Field(description="問題の種類（tag URI）")
    title: str
    status: int
    detail: str
    errors: list[dict[str, str | int]] = Field(
        default_factory=list, description="誤りのある行・項目（row, key, field, message）"
    )


# --- roster ---------------------------------------------------------------------------------


class RosterMemberIn(Strict):
    member_number: str = Field(description="組合員番号（英数字20文字以内）")
    full_name: str = Field(description="氏名")
    full_name_kana: str = Field("", description="フリガナ（カタカナ又はひらがな）")
    birth_date: str = Field(description="生年月日（1975-04-01 又は 昭和50年4月1日）")
    postal_code: str = Field("", description="郵便番号（7桁）")
    address: str = Field("", description="住所")
    phone: str = Field("", description="電話番号")
    email: str = Field("", description="メールアドレス")


class RosterUpsertIn(Strict):
    members: list[RosterMemberIn] = Field(description="登録・更新する組合員（在籍中になります）")


class RosterDeactivateIn(Strict):
    member_numbers: list[str] = Field(description="在籍を終える組合員の組合員番号")


class RosterUpsertOut(Schema):
    created: int
    updated: int
    unchanged: int


class RosterDeactivateOut(Schema):
    deactivated: int
    unchanged: int


# --- third-party provision records (個人情報保護委員会規則第20条・第24条) -----------------------

ThirdPartyKind = Literal[
    "private",
    "national_government",
    "local_government",
    "independent_administrative_agency",
    "local_independent_administrative_agency",
]


class ProvisionRecordIn(Strict):
    record_number: str = Field(min_length=1, max_length=60, description="基幹システムの記録番号（冪等キー）")
    direction: Literal["provided", "received"] = Field(
        description="provided: 第三者への提供 / received: 第三者からの受領"
    )
    occurred_on: date = Field(description="提供・受領の年月日")
    member_number: str = Field(description="本人の組合員番号")
    third_party_name: str = Field(min_length=1, max_length=200, description="第三者の氏名又は名称")
    third_party_address: str = Field("", max_length=300, description="第三者の住所")
    third_party_representative: str = Field("", max_length=100, description="法人の代表者の氏名")
    third_party_kind: ThirdPartyKind = Field(
        "private",
        description="第三者の区分。提供先が法第16条第2項各号の者（国の機関・地方公共団体・独立行政法人等・地方独立行政法人）"
        "のときは記録義務がなく（法第29条第1項）、保存せずに応答の exempt で知らせます",
    )
    data_items: str = Field(min_length=1, max_length=300, description="個人データの項目")
    basis: Literal["consent", "opt_out", "other"] = Field(
        description="consent: 本人の同意（法第27条第1項・第28条第1項） / opt_out: 法第27条第2項 / "
        "other: その他の法令上の根拠"
    )
    statutory_basis: str = Field("", max_length=200, description="basis が other のとき、その根拠（条項）")
    acquisition_method: str = Field("", max_length=300, description="受領のとき、第三者による取得の経緯")
    opt_out_published: bool | None = Field(
        None, description="オプトアウトによる受領のとき、法第27条第4項により公表されている旨（true）"
    )
    record_form: Literal["each", "bulk", "contract"] = Field(
        "each",
        description="記録の作成方法。each: 都度作成 / bulk: 一括作成（規則第19条第2項ただし書・第23条第2項ただし書） / "
        "contract: 契約書等による代替（規則第19条第3項・第23条第3項）。保存期間は contract が1年、他は3年で、"
        "occurred_on（一括・契約書等では最後の提供・受領の日）から数えます（規則第21条・第25条）。"
        "保存期間を過ぎた記録は保存せず、exempt で知らせます",
    )


class ProvisionRecordsUpsertIn(Strict):
    records: list[ProvisionRecordIn]


class ExemptRecord(Schema):
    row: int
    record_number: str
    reason: str


class ProvisionRecordsUpsertOut(Schema):
    created: int
    updated: int
    unchanged: int
    exempt: list[ExemptRecord] = Field(description="記録義務がないため保存しなかった行")


# --- cases ----------------------------------------------------------------------------------


class CaseStatusOut(Schema):
    reference: str = Field(description="受付番号")
    kind: str
    kind_label: str
    status: str
    status_label: str
    received_on: date
    due_date: date | None = Field(description="回答期限（目標日）。回答済み・終了の事案では null")
    paused: bool = Field(description="補正待ちで期限が止まっているか")
    closed_at: datetime | None


class CaseEvent(Schema):
    cursor: str = Field(description="この経過の位置（次の呼出しの after に渡せます）")
    type: Literal["opened", "decided", "closed"]
    at: datetime
    reference: str
    kind: str
    status: str = Field(description="この経過の後の状態（closed では closed・withdrawn・rejected）")


class CaseEventsOut(Schema):
    events: list[CaseEvent]
    next_cursor: str = Field(description="次の呼出しの after に渡す値（経過がなければ渡した値のまま）")
