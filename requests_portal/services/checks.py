"""The checks every stage applies before it writes."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from requests_portal.exceptions import DomainError
from requests_portal.models import (
    DataSubjectRequest,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.permissions import can_handle_dsr


def reject_my_numbers(values: Iterable[object], *, where: str) -> None:
    """Refuse free text that looks like it holds a My Number (番号法第20条: no collection beyond
    the My Number procedures)."""
    for value in values:
        if isinstance(value, str) and contains_my_number(value):
            raise DomainError(
                _("%(where)sにマイナンバーと思われる番号が含まれています。マイナンバーは入力しないでください。")
                % {"where": where}
            )


def require_handler(actor: User, dsr: DataSubjectRequest) -> None:
    """Refuse a handler's action to anyone who may not work the case."""
    if not can_handle_dsr(actor, dsr):
        raise DomainError(_("この事案を処理する権限がありません。"))
