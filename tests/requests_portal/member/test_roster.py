"""`import_members`: a good file, rejected rows, duplicates, half-width kana, all or nothing."""

from datetime import date
from io import StringIO

import pytest

from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_portal.models import AuditEntry, Member
from requests_portal.roster import RosterFileError, import_roster, import_roster_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "組合員番号,氏名,フリガナ,生年月日,〒,住所,電話,メール\n"
GOOD = HEADER + (
    "100001,山田 太郎,ヤマダ タロウ,1978-04-12,100-0013,東京都千代田区霞が関2-1-1,03-1234-5678,yamada@example.jp\n"
    "１０００２,佐藤　花子,ｻﾄｳ ﾊﾅｺ,昭和60年9月3日,〒１６０００２３,東京都新宿区西新宿3-2-1,090-1234-5678,\n"
    '100003,"髙橋 一郎",たかはし いちろう,S44.1.20,,"神奈川県横浜市中区山下町10番地, 2階",,TAKAHASHI@Example.JP\n'
)


def _write(tmp_path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_good_file_loads_with_normalisation(tmp_path):
    out = StringIO()
    call_command("import_members", _write(tmp_path, GOOD), stdout=out)
    assert "3 行を取り込みました：新規 3 件、更新 0 件、変更なし 0 件" in out.getvalue()
    yamada = Member.objects.get(member_number="100001")
    assert yamada.birth_date == date(1978, 4, 12)
    assert yamada.postal_code == "1000013"
    assert yamada.email == "yamada@example.jp"
    sato = Member.objects.get(member_number="10002")  # full-width digits
    assert sato.full_name == "佐藤 花子"  # ideographic space folded
    assert sato.full_name_kana == "サトウ ハナコ"  # half-width kana became full-width
    assert sato.birth_date == date(1985, 9, 3)
    assert sato.postal_code == "1600023"
    takahashi = Member.objects.get(member_number="100003")
    assert takahashi.full_name_kana == "タカハシ イチロウ"  # hiragana became katakana
    assert takahashi.birth_date == date(1969, 1, 20)
    assert takahashi.address == "神奈川県横浜市中区山下町10番地, 2階"
    assert takahashi.email == "takahashi@example.jp"
    # Search keys are refreshed: the variant kanji folds, half-width kana finds the member.
    assert takahashi.name_search == "高橋一郎"
    assert sato.kana_search == "サトウハナコ"
    assert AuditEntry.objects.filter(action="roster.import", outcome="ok").count() == 1


def test_shift_jis_file_from_excel_is_read(tmp_path):
    call_command("import_members", _write(tmp_path, GOOD.replace("髙", "高"), encoding="cp932"), stdout=StringIO())
    assert Member.objects.get(member_number="100003").full_name == "高橋 一郎"


def test_existing_members_are_updated_and_unchanged_ones_counted(tmp_path):
    call_command("import_members", _write(tmp_path, GOOD), stdout=StringIO())
    before = Member.objects.get(member_number="10002").updated_at
    changed = GOOD.replace("東京都千代田区霞が関2-1-1", "東京都港区芝公園4-2-8")
    out = StringIO()
    call_command("import_members", _write(tmp_path, changed), stdout=out)
    assert "新規 0 件、更新 1 件、変更なし 2 件" in out.getvalue()
    assert Member.objects.get(member_number="100001").address == "東京都港区芝公園4-2-8"
    assert Member.objects.get(member_number="10002").updated_at == before
    assert Member.objects.count() == 3


def test_rename_refreshes_search_keys(tmp_path):
    MemberFactory(member_number="100001", full_name="旧姓 太郎", full_name_kana="キュウセイ タロウ")
    import_roster(_write(tmp_path, GOOD))
    member = Member.objects.get(member_number="100001")
    assert member.name_search == "山田太郎"
    assert member.kana_search == "ヤマダタロウ"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(tmp_path):
    bad = GOOD + (
        ",名無し,ナナシ,1980-01-01,,,,\n"  # line 5: no number
        "100005,鈴木 美咲,スズキ ミサキ,昭和64年1月8日,,,,\n"  # line 6: date outside the era
        "100006,田中 健,田中,1981-06-30,12345,,03-1,not-an-email\n"  # line 7: several problems
        "100007,伊藤 さくら,イトウ サクラ,2999-01-01,,,,\n"  # line 8: future
        "100008,中村 陽子\n"  # line 9: short row
        "100009,渡辺 直樹,ワタナベ ナオキ,1988-08-08,,住所 1234 5678 9018,,\n"  # line 10: My Number
    )
    MemberFactory(member_number="100001", full_name="既存 太郎")
    with pytest.raises(CommandError) as caught:
        call_command("import_members", _write(tmp_path, bad), stdout=StringIO(), stderr=(err := StringIO()))
    report = err.getvalue()
    assert "不備のある行が 6 行あったため、何も取り込みませんでした" in str(caught.value)
    assert "5行目: 組合員番号がありません" in report
    assert "6行目: 生年月日：昭和64年1月8日は存在しない日付です。" in report
    assert "7行目: フリガナはカタカナ（又はひらがな）で入力してください／郵便番号は7桁の数字です／" in report
    assert "電話番号の形式が正しくありません／メールアドレスの形式が正しくありません" in report
    assert "8行目: 生年月日が正しくありません" in report
    assert "9行目: 列の数（2）が見出し（8）と一致しません" in report
    assert "10行目: 住所にマイナンバーと思われる番号が含まれています" in report
    assert "9018" not in report
    # All or nothing: the good rows were not loaded and the existing member is untouched.
    assert Member.objects.count() == 1
    assert Member.objects.get().full_name == "既存 太郎"
    assert AuditEntry.objects.filter(action="roster.import", outcome="rejected").exists()


def test_duplicate_member_numbers_in_the_file_are_rejected(tmp_path):
    dup = GOOD + "１００００１,山田 次郎,ヤマダ ジロウ,1980-01-01,,,,\n"  # same number, written full-width
    result = import_roster(_write(tmp_path, dup))
    assert not result.ok
    assert [str(e) for e in result.errors] == ["5行目: 組合員番号が2行目と重複しています"]
    assert Member.objects.count() == 0


def test_half_width_kana_in_every_form(tmp_path):
    text = HEADER + "200001,ﾃｽﾄ ﾀﾛｳ,ﾃﾞｨｰｴｰ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ,1990-01-01,,,,\n"
    assert import_roster(_write(tmp_path, text)).ok
    member = Member.objects.get()
    assert member.full_name == "テスト タロウ"
    assert member.full_name_kana == "ディーエー パピプペポ"


def test_missing_header_column_is_a_file_error(tmp_path):
    with pytest.raises(RosterFileError, match="生年月日"):
        import_roster(_write(tmp_path, "組合員番号,氏名\n1,a\n"))
    with pytest.raises(CommandError, match="見出し行に必要な列がありません"):
        call_command("import_members", _write(tmp_path, "番号,名前\n"), stdout=StringIO())


def test_columns_in_any_order_with_alias_names(tmp_path):
    text = "メールアドレス,生年月日,氏名,組合員番号,郵便番号\nA@B.JP,1970-01-01,試験 一,300001,1000013\n"
    assert import_roster(_write(tmp_path, text)).ok
    member = Member.objects.get()
    assert (member.member_number, member.email, member.postal_code) == ("300001", "a@b.jp", "1000013")


def test_dry_run_counts_and_writes_nothing(tmp_path):
    out = StringIO()
    call_command("import_members", _write(tmp_path, GOOD), "--dry-run", stdout=out)
    assert "試行のため書き込んでいません" in out.getvalue()
    assert "新規 3 件" in out.getvalue()
    assert Member.objects.count() == 0


def test_large_file_is_written_in_batches_without_a_query_per_row(tmp_path):
    lines = [HEADER.strip()]
    lines += [f"{500000 + n},試験 {n},シケン,1980-01-01,1000013,東京都,03-0000-0000," for n in range(2500)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    MemberFactory(member_number="500007")
    seen = []
    with CaptureQueriesContext(connection) as queries:
        result = import_roster(path, batch_size=1000, progress=lambda done, total: seen.append((done, total)))
    assert result.ok
    assert (result.created, result.updated) == (2499, 1)
    assert Member.objects.count() == 2500
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    # Per batch one select, then inserts in chunks (SQLite caps the variables per statement, so
    # there it is ~80 rows per insert; PostgreSQL takes the whole batch): never a query per row.
    assert len(queries) < 2500 / 20


def test_text_helper_reports_the_same(tmp_path):
    assert import_roster_text(GOOD).created == 3


def test_update_writes_every_column_and_reactivates(tmp_path):
    old = MemberFactory(member_number="100001", is_active=False, birth_date=date(1970, 1, 1), email="old@example.jp")
    result = import_roster(_write(tmp_path, GOOD))
    assert (result.created, result.updated) == (2, 1)
    member = Member.objects.get(pk=old.pk)
    assert member.is_active is True
    assert member.birth_date == date(1978, 4, 12)
    assert (member.full_name, member.full_name_kana) == ("山田 太郎", "ヤマダ タロウ")
    assert (member.postal_code, member.phone, member.email) == ("1000013", "03-1234-5678", "yamada@example.jp")
    assert member.updated_at > old.updated_at
