"""Staff letter pages: access through the visibility selector, re-render and posting without JavaScript."""

import pytest

from django.urls import reverse

from requests_portal.letters import services as letters
from requests_portal.models import AuditEntry, Letter, LetterKind, LetterStatus, Status
from tests.factories import advance, submit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def rendered(member):
    dsr = submit(member)
    letter = dsr.letters.get(kind=LetterKind.ACKNOWLEDGEMENT)
    letters.letter_render(letter_id=letter.pk)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def my_number_letter(my_number_dsr):
    letter = my_number_dsr.letters.get()
    letters.letter_render(letter_id=letter.pk)
    letter.refresh_from_db()
    return letter


def _page(letter: Letter) -> str:
    return reverse("requests_portal:staff_dsr_letters", args=[letter.dsr.public_id])


def test_case_letters_page_for_staff_who_may_see_the_case(client, rendered, ga_staff):
    client.force_login(ga_staff)
    response = client.get(_page(rendered))
    assert response.status_code == 200
    body = response.content.decode()
    assert "警生協総第1号" in body
    assert "受付のお知らせ" in body
    assert reverse("requests_portal:letter_download", args=[rendered.public_id]) in body
    assert "再作成する" in body
    assert AuditEntry.objects.filter(action="dsr.letters.view", actor_id=ga_staff.pk).count() == 1


@pytest.mark.parametrize("who", ["member", "other_member", "officer"])
def test_case_letters_page_is_404_for_anyone_else(client, rendered, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_page(rendered)).status_code == 404


def test_my_number_letters_are_404_for_general_affairs(client, my_number_letter, ga_staff, supervisor, officer):
    for user in (ga_staff, supervisor):
        client.force_login(user)
        assert client.get(_page(my_number_letter)).status_code == 404
        url = reverse("requests_portal:staff_letter_rerender", args=[my_number_letter.public_id])
        assert client.post(url, {"reason": "誤記の訂正"}).status_code == 404
    client.force_login(officer)
    assert client.get(_page(my_number_letter)).status_code == 200


def test_auditor_sees_letters_but_cannot_re_render(client, rendered, auditor):
    client.force_login(auditor)
    response = client.get(_page(rendered))
    assert response.status_code == 200
    assert "再作成する" not in response.content.decode()
    url = reverse("requests_portal:staff_letter_rerender", args=[rendered.public_id])
    assert client.post(url, {"reason": "誤記の訂正"}).status_code == 404
    assert not Letter.objects.filter(supersedes=rendered).exists()


def test_re_render_without_a_reason_shows_the_error_next_to_the_field(client, rendered, ga_staff):
    client.force_login(ga_staff)
    url = reverse("requests_portal:staff_letter_rerender", args=[rendered.public_id])
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200  # the page again, with the error and the input
    body = response.content.decode()
    field_id = f"reason-{rendered.public_id}"
    assert 'class="error-summary"' in body
    assert f'href="#{field_id}"' in body
    assert "再作成の理由を入力してください。" in body
    assert 'aria-invalid="true"' in body
    assert f"{field_id}-error" in body
    assert not Letter.objects.filter(supersedes=rendered).exists()


def test_re_render_keeps_the_input_when_it_is_refused(client, rendered, ga_staff):
    client.force_login(ga_staff)
    url = reverse("requests_portal:staff_letter_rerender", args=[rendered.public_id])
    response = client.post(url, {"reason": "番号 123456789018 の削除"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "マイナンバー" in body
    assert "123456789018" not in body  # never echoed back
    assert "番号 ************ の削除" in body  # the rest of the input is kept


def test_re_render_creates_the_replacement(client, rendered, ga_staff):
    client.force_login(ga_staff)
    url = reverse("requests_portal:staff_letter_rerender", args=[rendered.public_id])
    response = client.post(url, {"reason": "差出人の職名の誤りを修正したため"})
    assert response.status_code == 302
    assert response["Location"] == _page(rendered)
    new = Letter.objects.get(supersedes=rendered)
    # Eager Celery in tests renders the replacement as soon as the transaction commits.
    assert new.status in (LetterStatus.PENDING, LetterStatus.RENDERED)
    again = client.post(url, {"reason": "もう一度"})  # only one replacement
    assert "すでに再作成されています" in again.content.decode()
    assert Letter.objects.filter(supersedes=rendered).count() == 1


def test_mark_posted(client, member, ga_staff, supervisor):
    dsr = submit(member)
    dsr.notify_by_post = True
    dsr.save(update_fields=["notify_by_post"])
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    letters.letter_render(letter_id=letter.pk)
    client.force_login(ga_staff)
    body = client.get(_page(letter)).content.decode()
    assert "郵送済みにする" in body
    response = client.post(reverse("requests_portal:staff_letter_mark_posted", args=[letter.public_id]))
    assert response.status_code == 302
    letter.refresh_from_db()
    dsr.refresh_from_db()
    assert letter.status == LetterStatus.DELIVERED
    assert dsr.status == Status.NOTIFIED


def test_get_is_not_allowed_on_actions(client, rendered, ga_staff):
    client.force_login(ga_staff)
    for name in ("staff_letter_rerender", "staff_letter_mark_posted"):
        assert client.get(reverse(f"requests_portal:{name}", args=[rendered.public_id])).status_code == 405


def test_attention_list_shows_only_letters_of_visible_cases(client, member, ga_staff, officer, my_number_dsr):
    ga_case = submit(member)
    for dsr in (ga_case, my_number_dsr):
        letter = dsr.letters.get()
        Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.FAILED, last_error="x")
    client.force_login(ga_staff)
    body = client.get(reverse("requests_portal:staff_letter_list")).content.decode()
    assert ga_case.reference in body
    assert my_number_dsr.reference not in body
    client.force_login(officer)
    body = client.get(reverse("requests_portal:staff_letter_list")).content.decode()
    assert my_number_dsr.reference in body
    assert ga_case.reference not in body


def test_attention_list_is_404_for_members(client, member):
    client.force_login(member)
    assert client.get(reverse("requests_portal:staff_letter_list")).status_code == 404


def test_letter_boilerplate_is_editable_in_the_admin(client, admin_user):
    from requests_portal.models import OrganisationProfile

    profile = OrganisationProfile.load()
    client.force_login(admin_user)
    url = reverse("admin:requests_portal_organisationprofile_change", args=[profile.pk])
    body = client.get(url).content.decode()
    for field in ("sender_title", "sender_name", "mynumber_sender_title", "ga_contact", "complaint_desk"):
        assert f'name="{field}"' in body, field
