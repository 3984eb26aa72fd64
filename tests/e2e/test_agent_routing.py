"""An agent files online in Chromium; the case routes consistently (docs/legal.md#agents): the
mails go to the agent's login, the letter is addressed 「代理人様（本人様の代理人）」 and the
agent downloads it from the case page; staff see where notices go and that the system wrote the
letter. No console errors or CSP violations on the way."""

import re
from datetime import date

import pytest

from django.urls import reverse

from requests_portal.letters import services as letters
from requests_portal.models import DataSubjectRequest, EventType, LetterKind, OutboundMail, RequestEvent
from requests_portal.roles import Role
from tests.e2e.shots import pdf_shot, shot
from tests.factories import MemberFactory, UserFactory, member_user, staff_user
from tests.requests_portal.letters.pdf_checks import pdf_text, squash
from tests.requests_portal.member import files

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_agent_files_online_and_every_notice_goes_to_the_agent(page, live_server, login):
    principal = MemberFactory(member_number="300200", full_name="山﨑 涼子", birth_date=date(1950, 2, 14))
    principal_login = UserFactory(member=principal)  # the principal has a login too: the rule still picks the agent
    agent = member_user()
    agent.member.full_name, agent.member.postal_code, agent.member.address = (
        "代理 花子",
        "2310023",
        "神奈川県横浜市中区山下町1番地",
    )
    agent.member.save(update_fields=["full_name", "postal_code", "address"])
    clerk = staff_user(Role.GA_STAFF)

    login(page, agent)
    page.goto("/member/")
    page.get_by_role("link", name="新しい請求をする").click()
    page.get_by_role("link", name="保有個人データの開示").click()
    page.get_by_label("任意代理人（委任状による代理人）").check()
    page.get_by_label("ご本人の組合員番号").fill(principal.member_number)
    page.get_by_label("ご本人の氏名").fill("山崎 涼子")
    page.get_by_label("ご本人の生年月日").fill("S25.2.14")
    assert page.locator("#id_agent_name").input_value() == "代理 花子"
    page.get_by_label("ご本人との関係").fill("長女")
    page.get_by_label("代理権を証する書類の種類").select_option("power_of_attorney")
    page.locator("#id_authority_files").set_input_files(
        {"name": "委任状.pdf", "mimeType": "application/pdf", "buffer": files.pdf("Inin-jo")}
    )
    page.get_by_label("書面の交付（郵送）").check()
    page.get_by_label("開示を求める個人情報の内容（分かる範囲で）").fill("共済金の支払に関する記録")
    page.get_by_label("本人確認書類の種類").select_option("driving_licence")
    page.locator("#id_identity_files").set_input_files(
        {"name": "免許証.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg()}
    )
    page.get_by_label(re.compile("マイナンバーカードの裏面やマイナンバー（個人番号）が写っていない")).check()
    page.locator("main").get_by_role("button", name="確認画面へ進む", exact=True).click()
    page.get_by_role("heading", name="入力内容の確認").wait_for()
    page.locator("main").get_by_role("button", name="この内容で送信する", exact=True).click()
    page.get_by_role("heading", name="ご請求を受け付けました").wait_for()
    reference = page.locator("#reference").inner_text().strip()
    dsr = DataSubjectRequest.objects.get(reference=reference)

    # The mail goes to the agent's login, never to the principal's.
    mails = OutboundMail.objects.filter(dsr=dsr)
    assert set(mails.values_list("to_user_id", flat=True)) == {agent.pk}
    assert principal_login.email not in set(mails.values_list("to_email", flat=True))

    # The acknowledgement is written by the system and names both.
    ack = dsr.letters.get(kind=LetterKind.ACKNOWLEDGEMENT)
    letters.letter_render(letter_id=ack.pk)
    assert RequestEvent.objects.get(dsr=dsr, event_type=EventType.LETTER_CREATED).actor is None
    page.get_by_role("link", name="マイページへ").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name="保有個人データの開示").wait_for()
    shot(page, "agent-case-page")
    link = page.locator("#letters a[href*='/letters/']").first
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    pdf = response.body()
    pdf_shot(pdf, "agent-acknowledgement")
    text = squash(pdf_text(pdf))
    assert squash("代理 花子 様（山﨑 涼子様の代理人）") in text
    assert squash("（代理 花子 様、長女）") in text  # 請求者
    assert squash(agent.member.address) in text
    assert squash(principal.address) not in text
    assert page.problems == []

    # Staff see where the notices go, and the system credited for the letter.
    login(page, clerk)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id]))
    facts = page.locator("dl.facts", has_text="通知の送付先")
    assert facts.get_by_text("代理人", exact=True).last.is_visible()
    entry = page.locator(".timeline li", has_text=str(EventType.LETTER_CREATED.label)).first
    assert "システム" in entry.locator(".timeline__who").inner_text()
    shot(page, "agent-case-staff")
    assert page.problems == []
