"""A GA clerk masks a health-insurance card with the keyboard only, in Chromium, without JavaScript
errors or CSP violations; the stored file afterwards is black inside the rectangle only."""

import io

import pytest
from PIL import Image

from requests_portal import storage
from requests_portal.models import Document, DocumentCategory
from requests_portal.roles import Role
from tests.e2e.shots import shot
from tests.factories import member_user, staff_user, submit

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WHITE = (255, 255, 255)


def _card() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), WHITE).save(out, format="PNG")
    return out.getvalue()


def test_clerk_masks_a_card_by_keyboard(page, login):
    member = member_user()
    clerk = staff_user(Role.GA_STAFF)
    dsr = submit(member)
    content = _card()
    document = Document.objects.create(
        dsr=dsr,
        owner=member,
        category=DocumentCategory.IDENTITY,
        original_name="保険証.png",
        content_type="image/png",
        size_bytes=len(content),
        sha256=storage.sha256_hex(content),
        storage_name=storage.save(content),
        requires_masking=True,
    )
    original = document.storage_name
    page.set_viewport_size({"width": 1024, "height": 900})
    login(page, clerk)

    page.goto(f"/staff/documents/{document.public_id}/masking/")
    page.get_by_role("button", name="範囲を追加").focus()
    page.keyboard.press("Enter")
    selected = page.locator(".masking__row--selected .masking__select")
    assert selected.evaluate("el => el === document.activeElement")
    # Move 20 px right and 10 px down, then widen by 10 px: x=20, y=10, 110×30.
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Shift+ArrowRight"):
        page.keyboard.press(key)
    assert page.locator("input[name='rect-0-x']").input_value() == "20"
    assert page.locator("input[name='rect-0-y']").input_value() == "10"
    assert page.locator("input[name='rect-0-w']").input_value() == "110"
    assert page.locator(".masking__box").count() == 1
    outline = selected.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    shot(page, "staff-masking")

    page.get_by_role("button", name="塗りつぶして保存").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shot(page, "staff-masking-done")
    assert page.get_by_text("元のファイルを削除しました").is_visible()
    assert page.problems == []

    document.refresh_from_db()
    assert document.masking_confirmed_by == clerk
    assert not storage.exists(original)
    image = Image.open(io.BytesIO(storage.read(document.storage_name))).convert("RGB")
    assert image.getpixel((20, 10)) == (0, 0, 0)
    assert image.getpixel((129, 39)) == (0, 0, 0)
    assert image.getpixel((130, 39)) == WHITE
    assert image.getpixel((19, 10)) == WHITE
