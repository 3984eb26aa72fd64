"""case_details.detail_rows: a case's stored `details` as labelled, readable rows."""

import pytest

from requests_portal.case_details import CorrectionRow, detail_rows

pytestmark = pytest.mark.django_db


def _by_key(rows):
    return {row.key: row for row in rows}


def test_member_wizard_details_become_labels_and_choice_names():
    rows = _by_key(
        detail_rows(
            {
                "data_categories": [{"id": 1, "name": "組合員の基本情報"}, {"id": 2, "name": "共済契約に関する情報"}],
                "identity_method": "document",
                "id_document_type": "driving_licence",
                "authority_document_type": "power_of_attorney",
                "inquiry_type": "complaint",
                "measure": "suspend_use",
                "ground": "art35_5_c",
                "third_party": "勤務先の厚生課",
            }
        )
    )
    assert (rows["data_categories"].label, rows["data_categories"].text) == (
        "対象となる保有個人データの項目",
        "組合員の基本情報、共済契約に関する情報",
    )
    assert (rows["identity_method"].label, rows["identity_method"].text) == ("本人確認の方法", "本人確認書類の写し")
    assert (rows["id_document_type"].label, rows["id_document_type"].text) == ("本人確認書類の種類", "運転免許証")
    assert rows["authority_document_type"].text == "委任状（ご本人の署名又は記名押印のあるもの）"
    assert (rows["inquiry_type"].label, rows["inquiry_type"].text) == ("お申出の種類", "苦情")
    assert rows["measure"].text == "利用の停止"
    assert rows["ground"].text == "第35条第5項：権利又は正当な利益が害されるおそれがある"
    assert rows["third_party"].label == "提供先・提供元"


def test_staff_intake_categories_are_plain_names():
    rows = detail_rows({"data_categories": ["組合員の基本情報", "共済契約に関する情報"]})
    assert rows[0].text == "組合員の基本情報、共済契約に関する情報"


def test_correction_rows_become_a_table_with_the_action_named():
    rows = detail_rows(
        {"corrections": [{"action": "correct", "item": "住所", "current": "旧住所", "correct": "新住所"},
                         {"action": "delete", "item": "電話番号", "current": "03-0000-0000", "correct": ""}]}
    )  # fmt: skip
    assert rows[0].label == "訂正等を求める内容"
    assert rows[0].text == ""
    assert rows[0].corrections == (
        CorrectionRow(action="訂正", item="住所", current="旧住所", correct="新住所"),
        CorrectionRow(action="削除", item="電話番号", current="03-0000-0000", correct=""),
    )


def test_unknown_keys_show_under_their_own_name_for_staff_but_not_for_the_member():
    details = {"legacy_note": "旧システムから移行", "period": "過去3年"}
    staff = _by_key(detail_rows(details))
    assert staff["legacy_note"].label == "legacy_note"
    assert staff["legacy_note"].text == "旧システムから移行"
    assert staff["period"].label == "対象の期間"
    assert [row.key for row in detail_rows(details, for_member=True)] == ["period"]


def test_empty_values_are_left_out_and_bad_shapes_give_no_rows():
    assert detail_rows({"period": "", "data_categories": [], "corrections": []}) == []
    assert detail_rows(None) == []
    assert detail_rows(["not", "a", "dict"]) == []


def test_a_my_number_in_a_stored_value_is_masked():
    rows = _by_key(detail_rows({"third_party": "番号 1234 5678 9018 の件", "extra": "123456789018"}))
    assert "1234 5678 9018" not in rows["third_party"].text
    assert "************" in rows["third_party"].text
    assert "123456789018" not in rows["extra"].text


def test_tool_markers_are_shown_to_nobody():
    rows = detail_rows({"demo_history": True, "inquiry_type": "other", "imported_from": "紙"})
    keys = [row.key for row in rows]
    assert "demo_history" not in keys
    assert "imported_from" in keys  # an unknown key a person wrote still shows to staff
