"""Japanese text kept in the database, shown in the reader's language.

Some labels are data, not code: the data categories and the queues the portal installs
(migration 0002), the fee's payment methods an administrator types, and the notes the
system writes on a case's timeline. They are stored in Japanese, once, and stay so (the
audit trail and the letters quote them). An English page translates them when it shows
them, through the English catalogue; a value the catalogue does not know (a category an
administrator added) is shown as stored.
"""

import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from requests_portal.models.choices import IdentityMethod

# The values the portal installs, so that the English catalogue carries them.
INSTALLED_LABELS = (
    # Data categories (migration 0002) and their descriptions.
    gettext_noop("組合員の基本情報"),
    gettext_noop("氏名、フリガナ、生年月日、住所、電話番号、メールアドレス、組合員番号"),
    gettext_noop("出資金に関する情報"),
    gettext_noop("出資口数、出資金の払込み・払戻しの記録"),
    gettext_noop("共済に関する情報"),
    gettext_noop("共済契約の内容、掛金、共済金の請求・支払の記録"),
    gettext_noop("事業の利用に関する情報"),
    gettext_noop("購買・保険等の利用履歴、お申込みの記録"),
    gettext_noop("給与控除に関する情報"),
    gettext_noop("所属、給与控除の記録"),
    gettext_noop("お問い合わせ・苦情の記録"),
    gettext_noop("窓口・電話・書面でのお問い合わせの記録"),
    gettext_noop("第三者提供・受領の記録"),
    gettext_noop("個人情報保護法第29条・第30条に基づく記録"),
    # Queues and their departments (migration 0002).
    gettext_noop("総務部（個人情報の開示等・苦情）"),
    gettext_noop("マイナンバー担当"),
    gettext_noop("総務部"),
)

# Payment methods are typed as a list; each method the co-op offers is translated on its own.
PAYMENT_METHODS = (
    gettext_noop("定額小為替"),
    gettext_noop("銀行振込"),
    gettext_noop("窓口での現金払い"),
    gettext_noop("現金書留"),
)
_LIST_SPLIT = re.compile(r"\s*(?:、|,|，|又は|または)\s*")

# The note the system stores when identity is confirmed (services/handling.py).
IDENTITY_CONFIRMED_NOTE = gettext_noop("本人確認済み（%(method)s）")


def reads_japanese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0] == "ja"


def list_separator() -> str:
    """Between the items of a list in running text: 、 in Japanese, a comma in English."""
    return "、" if reads_japanese() else ", "


def stored_label(value: object) -> str:
    """A stored label (category, queue, department) in the reader's language."""
    text = "" if value is None else str(value)
    if not text or reads_japanese():
        return text
    return gettext(text)


def payment_methods_label(value: str) -> str:
    """'定額小為替、銀行振込又は窓口での現金払い' -> 'postal money order, bank transfer, cash at
    the counter' on an English page; as stored on a Japanese page or if a method is unknown."""
    if not value or reads_japanese():
        return value or ""
    methods = [part for part in _LIST_SPLIT.split(value.strip().rstrip("。")) if part]
    translated = [gettext(method) for method in methods]
    if any(english == method for english, method in zip(translated, methods, strict=True)):
        return value  # something the catalogue does not know: better whole than half-translated
    return list_separator().join(translated)


def _identity_notes() -> dict[str, str]:
    """The stored identity note for each method, as the portal's language wrote it."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            gettext(IDENTITY_CONFIRMED_NOTE) % {"method": label}: method for method, label in IdentityMethod.choices
        }


def timeline_note(note: str) -> str:
    """A note on a case's timeline in the reader's language, if the system wrote it; what a
    person typed is theirs and is shown as typed."""
    if not note or reads_japanese():
        return note or ""
    method = _identity_notes().get(note)
    if method is None:
        return note
    return gettext(IDENTITY_CONFIRMED_NOTE) % {"method": IdentityMethod(method).label}
