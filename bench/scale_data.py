"""The data of the scale benchmark: members and cases as a co-operative accumulates them.

Written straight into the real tables with INSERT … SELECT (PostgreSQL), so a million cases take
minutes, not the hours the services would. The shape, not the volume, is what makes the benchmark
honest:

- `members` members (default 200,000), named from common surnames and given names, so a common
  surname such as 山田 matches a few thousand people, as it would on a real roster;
- cases received evenly over five years up to today, in id order (oldest first);
- the newest ~1 % are unanswered (the six unanswered statuses, due dates from a few days ago to
  two weeks ahead), everything older has ended: closed, withdrawn or 本人確認不能;
- every 33rd case (~3 %) is a My Number inquiry in the restricted queue;
- some cases were extended or paused for 補正, with their timeline events;
- every 50th case was flagged as a possible duplicate of its member's previous case of the same
  kind; most of the old pairs were linked (the later case closed as a duplicate).

`fill()` empties the case and member tables first: point it only at a scratch database.
"""

import time

SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("斉藤", "サイトウ"), ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("金子", "カネコ"), ("岡本", "オカモト"), ("藤原", "フジワラ"), ("中野", "ナカノ"), ("三浦", "ミウラ"),
    ("原田", "ハラダ"), ("中川", "ナカガワ"), ("松田", "マツダ"), ("竹内", "タケウチ"), ("小野", "オノ"),
    ("田村", "タムラ"), ("中山", "ナカヤマ"), ("和田", "ワダ"), ("石田", "イシダ"), ("森田", "モリタ"),
]  # fmt: skip
GIVEN_NAMES = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("美咲", "ミサキ"), ("健太", "ケンタ"),
    ("陽子", "ヨウコ"), ("大輔", "ダイスケ"), ("恵子", "ケイコ"), ("翔太", "ショウタ"), ("由美", "ユミ"),
    ("誠", "マコト"), ("真由美", "マユミ"), ("浩二", "コウジ"), ("直子", "ナオコ"), ("拓也", "タクヤ"),
    ("久美子", "クミコ"), ("和夫", "カズオ"), ("智子", "トモコ"), ("隆", "タカシ"), ("明美", "アケミ"),
    ("剛", "ツヨシ"), ("裕子", "ユウコ"), ("修", "オサム"), ("幸子", "サチコ"), ("亮", "リョウ"),
    ("洋子", "ヨウコ"), ("学", "マナブ"), ("純子", "ジュンコ"), ("聡", "サトシ"), ("京子", "キョウコ"),
]  # fmt: skip

# Knuth's multiplicative hash spreads attributes over ids without a random generator, so the
# same database comes out of every run.
_HASH = "(mod({i}::bigint * 2654435761, 4294967296) / 7)"


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{value}'" for value in values) + "]"


def fill(cases: int, members: int) -> None:
    from django.db import connection

    started = time.perf_counter()
    surnames, surnames_kana = [s for s, _k in SURNAMES], [k for _s, k in SURNAMES]
    given, given_kana = [g for g, _k in GIVEN_NAMES], [k for _g, k in GIVEN_NAMES]
    h = _HASH.format(i="i")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE requests_portal_datasubjectrequest, requests_portal_member RESTART IDENTITY CASCADE")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            f"""
            INSERT INTO requests_portal_member (member_number, full_name, full_name_kana, birth_date, postal_code,
                address, phone, email, is_active, name_search, kana_search, created_at, updated_at)
            SELECT lpad(i::text, 8, '0'), s || ' ' || g, sk || ' ' || gk, date '1950-01-01' + mod({h}, 18000)::int,
                   '1000013', '東京都千代田区', '', '', true, s || g, sk || gk, now(), now()
            FROM (
                SELECT i,
                       ({_array(surnames)})[1 + mod({h}, {len(surnames)})] AS s,
                       ({_array(surnames_kana)})[1 + mod({h}, {len(surnames)})] AS sk,
                       ({_array(given)})[1 + mod({h} / {len(surnames)}, {len(given)})] AS g,
                       ({_array(given_kana)})[1 + mod({h} / {len(surnames)}, {len(given)})] AS gk
                FROM generate_series(1, %s) AS i
            ) AS names
            """,  # noqa: S608 (built from this module's constants only)
            [members],
        )
        print(f"  {members:,} members in {time.perf_counter() - started:.0f} s", flush=True)
        general_kinds = _array(
            ["disclosure", "disclosure", "disclosure", "correction", "suspension", "purpose_notice",
             "provision_records", "complaint"]
        )  # fmt: skip
        unanswered = _array(
            ["submitted", "verifying", "awaiting_requester", "in_review", "awaiting_approval", "decided"]
        )
        # One row per case: its place in time (i), its queue, kind, status and dates; the 受付番号
        # numbers each queue's cases per fiscal year, as numbering.allocate_number does.
        cursor.execute(
            f"""
            INSERT INTO requests_portal_datasubjectrequest (
                public_id, reference, kind, queue_id, member_id, channel, notify_by_post, requester_type,
                agent_name, agent_name_kana, agent_relationship, agent_postal_code, agent_address, agent_phone,
                agent_email, summary, description, details, disclosure_method, disclosure_format, status,
                received_at, complete_at, due_date, paused_days_total, extended_due_date, extension_reason,
                extended_at, identity_method, id_doc_type, identity_result, authority_doc_type, decision,
                decision_ground, decision_reason, decision_details, approved_at, closed_at, legal_hold,
                legal_hold_reason, letters_to_member, created_at, updated_at)
            SELECT gen_random_uuid(),
                   prefix || '-' || fy || '-' ||
                       CASE WHEN n < 100000 THEN lpad(n::text, 5, '0') ELSE n::text END,
                   kind, queue_id, member_id, 'portal', false, 'self', '', '', '', '', '', '', '',
                   '', '', '{{}}', '', '', status, received_at, received_at, due_date,
                   CASE WHEN paused THEN 5 ELSE 0 END,
                   CASE WHEN extended THEN due_date + 30 END,
                   CASE WHEN extended THEN '調査に時間を要するため' ELSE '' END,
                   CASE WHEN extended THEN received_at + interval '10 days' END,
                   '', '', '', '',
                   CASE WHEN status IN ('closed', 'decided') THEN
                            CASE kind WHEN 'disclosure' THEN 'disclosed_full' WHEN 'correction' THEN 'corrected'
                                      WHEN 'suspension' THEN 'use_suspended'
                                      WHEN 'purpose_notice' THEN 'purpose_notified'
                                      WHEN 'provision_records' THEN 'record_disclosed_full' ELSE 'answered' END
                        WHEN status = 'rejected' THEN 'identity_not_verified' ELSE '' END,
                   '', '', '{{}}',
                   CASE WHEN status IN ('closed', 'decided') THEN received_at + answer_days END,
                   CASE WHEN status = 'closed' THEN received_at + answer_days + interval '2 days'
                        WHEN status IN ('withdrawn', 'rejected') THEN received_at + answer_days END,
                   false, '', false, received_at, received_at
            FROM (
                SELECT c.*, row_number() OVER (PARTITION BY prefix, fy ORDER BY i) AS n
                FROM (
                    SELECT i, received_at,
                           CASE WHEN restricted THEN 'MN' ELSE 'GA' END AS prefix,
                           extract(year FROM (received_at AT TIME ZONE 'Asia/Tokyo') - interval '3 months')::int AS fy,
                           CASE WHEN restricted THEN 'my_number_inquiry'
                                ELSE ({general_kinds})[1 + mod({h}, 8)] END AS kind,
                           CASE WHEN restricted THEN %(mn)s ELSE %(ga)s END AS queue_id,
                           1 + mod({_HASH.format(i="(i + 17)")}, %(members)s) AS member_id,
                           CASE WHEN i > %(cases)s - %(open)s THEN ({unanswered})[1 + mod({h}, 6)]
                                WHEN mod({h}, 100) < 3 THEN 'withdrawn'
                                WHEN mod({h}, 100) < 4 THEN 'rejected'
                                ELSE 'closed' END AS status,
                           (received_at AT TIME ZONE 'Asia/Tokyo')::date + 14 AS due_date,
                           ((3 + mod({h}, 25)) || ' days')::interval AS answer_days,
                           mod({h}, 50) = 7 AS extended,
                           mod({h}, 20) = 3 AS paused
                    FROM (
                        SELECT i, mod(i, 33) = 0 AS restricted,
                               now() - interval '5 years' * (1 - i::float / %(cases)s) AS received_at
                        FROM generate_series(1, %(cases)s) AS i
                    ) AS base
                ) AS c
            ) AS numbered
            """,  # noqa: S608 (built from this module's constants only)
            {
                "cases": cases,
                "members": members,
                "open": cases // 100,
                "ga": _queue_id("ga"),
                "mn": _queue_id("mynumber"),
            },
        )
        print(f"  {cases:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO requests_portal_requestevent (dsr_id, at, event_type, from_status, to_status, note,
                member_visible, extra)
            SELECT id, extended_at, 'extended', '', '', '', true, '{}'::jsonb
            FROM requests_portal_datasubjectrequest WHERE extended_at IS NOT NULL
            UNION ALL
            SELECT id, received_at + interval '3 days', 'status_changed', 'verifying', 'awaiting_requester', '',
                   true, '{}'::jsonb
            FROM requests_portal_datasubjectrequest WHERE paused_days_total > 0
            """
        )
        # Possible duplicates: every 50th case repeats its member's previous one. Staff linked
        # most of the old pairs (the later case closed as a duplicate); the open ones wait.
        cursor.execute(
            """
            INSERT INTO requests_portal_duplicatecandidate (found_at, dsr_id, earlier_id)
            SELECT later.received_at, later.id, earlier.id
            FROM requests_portal_datasubjectrequest AS later
            CROSS JOIN LATERAL (
                SELECT id FROM requests_portal_datasubjectrequest
                WHERE member_id = later.member_id AND id < later.id AND kind = later.kind
                ORDER BY id DESC LIMIT 1
            ) AS earlier
            WHERE mod(later.id, 50) = 0
            """
        )
        cursor.execute(
            """
            INSERT INTO requests_portal_caselink (link_type, note, created_at, unlink_reason, primary_id,
                secondary_id)
            SELECT 'duplicate', '', pair.found_at + interval '2 days', '', pair.earlier_id, pair.dsr_id
            FROM requests_portal_duplicatecandidate AS pair
            JOIN requests_portal_datasubjectrequest AS later ON later.id = pair.dsr_id
            WHERE later.status IN ('closed', 'withdrawn', 'rejected') AND mod(pair.id, 5) <> 0
            """
        )
        cursor.execute("ANALYZE")
    print(f"filled {cases:,} cases and {members:,} members in {time.perf_counter() - started:.0f} s", flush=True)


def _queue_id(code: str) -> int:
    from requests_portal.models import Queue

    return Queue.objects.get(code=code).pk
