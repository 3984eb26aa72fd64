"""Test data. Cases in a given state are built by calling the real services (zulip's way)."""

from datetime import date, timedelta

import factory

from django.utils import timezone

from requests_portal import services
from requests_portal.decisions import needs_disclosure_package
from requests_portal.models import (
    DataSubjectRequest,
    Decision,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    Member,
    RequesterType,
    RequestKind,
    Status,
    StatutoryGround,
    User,
)
from requests_portal.roles import Role, grant_role
from requests_portal.text import kana_search_key, name_search_key

PASSWORD = "correct-horse-battery-staple"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    member_number = factory.Sequence(lambda n: f"{200000 + n}")
    full_name = factory.Sequence(lambda n: f"試験 太郎{n}")
    full_name_kana = factory.Sequence(lambda n: f"シケン タロウ{n}")
    birth_date = date(1980, 4, 1)
    postal_code = "1000013"
    address = "東京都千代田区霞が関二丁目1番1号"
    email = factory.Sequence(lambda n: f"member{n}@example.jp")
    name_search = factory.LazyAttribute(lambda o: name_search_key(o.full_name))
    kana_search = factory.LazyAttribute(lambda o: kana_search_key(o.full_name_kana))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def member_user(**kwargs: object) -> User:
    """A member's login, linked to a new roster row."""
    return UserFactory(member=MemberFactory(), **kwargs)


def staff_user(role: str, **kwargs: object) -> User:
    user = UserFactory(**kwargs)
    grant_role(user, role)
    return user


def submit(member_login: User, kind: str = RequestKind.DISCLOSURE, **kwargs: object) -> DataSubjectRequest:
    """A case filed through the real service by a member's login."""
    return services.dsr_submit(
        actor=member_login,
        member=member_login.member,
        kind=kind,
        summary=kwargs.pop("summary", "記録の開示"),
        description=kwargs.pop("description", "共済の記録を開示してください。"),
        **kwargs,
    )


def decision_for(kind: str) -> dict:
    """A valid draft decision for `kind`."""
    if kind in (RequestKind.COMPLAINT, RequestKind.MY_NUMBER_INQUIRY):
        return {"decision": Decision.ANSWERED, "details": {"answer": "回答します。"}}
    if kind == RequestKind.PURPOSE_NOTICE:
        return {"decision": Decision.PURPOSE_NOTIFIED}
    if kind == RequestKind.PROVISION_RECORDS:
        return {"decision": Decision.RECORD_DISCLOSED_FULL}
    if kind == RequestKind.CORRECTION:
        return {
            "decision": Decision.CORRECTED,
            "details": {"corrections": [{"field": "住所", "old": "旧", "new": "新"}]},
        }
    if kind == RequestKind.SUSPENSION:
        return {"decision": Decision.USE_SUSPENDED}
    return {
        "decision": Decision.DISCLOSED_PARTIAL,
        "ground": StatutoryGround.ART33_2_1,
        "reason": "第三者の情報を含むため",
        "details": {"withheld_items": [{"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1}]},
    }


def attach_disclosure_package(dsr: DataSubjectRequest, handler: User, name: str = "開示データ.pdf") -> list:
    """Attach a small PDF as the case's disclosed data, through the real service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.requests_portal.member import files

    upload = SimpleUploadedFile(name, files.pdf("Disclosed records"), content_type="application/pdf")
    return services.dsr_attach_disclosure_package(dsr=dsr, actor=handler, files=[upload])


def advance(dsr: DataSubjectRequest, target: str, *, handler: User, approver: User) -> DataSubjectRequest:
    """Walk `dsr` along the normal path to `target` with the real services."""
    if target == Status.SUBMITTED:
        return dsr
    services.dsr_assign(dsr=dsr, assignee=handler, actor=handler)
    if target == Status.VERIFYING:
        return dsr
    if target == Status.REJECTED:
        services.dsr_record_identity(
            dsr=dsr, actor=handler, method=IdentityMethod.PHONE, result=IdentityResult.NOT_VERIFIED
        )
        return services.dsr_reject_identity(dsr=dsr, actor=handler, reason="確認できませんでした")
    if target == Status.AWAITING_AMENDMENT:
        return services.dsr_request_amendment(
            dsr=dsr,
            actor=handler,
            message="書類をお送りください。",
            reply_due_date=timezone.localdate() + timedelta(days=7),
        )
    if target == Status.WITHDRAWN:
        return services.dsr_withdraw(dsr=dsr, actor=handler, reason="電話で取下げの申出")
    if dsr.status == Status.VERIFYING:  # a re-authenticated filing is already past it
        services.dsr_record_identity(
            dsr=dsr,
            actor=handler,
            method=IdentityMethod.DOCUMENT,
            result=IdentityResult.VERIFIED,
            id_doc_type=IdDocumentType.DRIVING_LICENCE,
            authority_checked=dsr.requester_type != RequesterType.SELF,
            authority_doc_type="委任状" if dsr.requester_type != RequesterType.SELF else "",
        )
    if target == Status.IN_REVIEW:
        return dsr
    services.dsr_draft_decision(dsr=dsr, actor=handler, **decision_for(dsr.kind))
    if needs_disclosure_package(dsr):
        # An electronic disclosure is approved only with its data attached (docs/legal.md#art-33).
        attach_disclosure_package(dsr, handler)
    if target == Status.AWAITING_APPROVAL:
        return dsr
    services.dsr_approve_decision(dsr=dsr, actor=approver)
    if target == Status.DECIDED:
        return dsr
    services.dsr_mark_notified(dsr=dsr, actor=handler)
    if target == Status.NOTIFIED:
        return dsr
    return services.dsr_close(dsr=dsr, actor=handler)


__all__ = [
    "PASSWORD",
    "MemberFactory",
    "Role",
    "UserFactory",
    "advance",
    "attach_disclosure_package",
    "member_user",
    "staff_user",
    "submit",
]
