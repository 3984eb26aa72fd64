"""Roles, queues and their guardian permissions, default configuration, and the
PostgreSQL trigger that makes the audit table append-only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("ga_staff", "ga_supervisor", "mynumber_officer", "auditor", "admin")
QUEUES = (
    {
        "code": "ga",
        "name": "総務部（個人情報の開示等・苦情）",
        "department": "総務部",
        "is_restricted": False,
        "reference_prefix": "GA",
    },
    {
        "code": "mynumber",
        "name": "マイナンバー担当",
        "department": "マイナンバー担当",
        "is_restricted": True,
        "reference_prefix": "MN",
    },
)
# Must match requests_portal.roles.ROLE_QUEUE_PERMISSIONS at the time of this migration.
ROLE_QUEUE_PERMISSIONS = {
    "ga_staff": {"ga": ("view_queue_cases", "handle_queue_cases")},
    "ga_supervisor": {"ga": ("view_queue_cases", "handle_queue_cases", "approve_queue_cases")},
    "mynumber_officer": {"mynumber": ("view_queue_cases", "handle_queue_cases", "approve_queue_cases")},
    "auditor": {"ga": ("view_queue_cases",)},
    "admin": {},
}
ADMIN_MODEL_PERMISSIONS = (
    "view_closedday", "add_closedday", "change_closedday", "delete_closedday",
    "view_queue", "change_queue",
    "view_organisationprofile", "change_organisationprofile",
    "view_feesetting", "add_feesetting", "change_feesetting", "delete_feesetting",
    "view_datacategory", "add_datacategory", "change_datacategory", "delete_datacategory",
    "view_retentionpolicy", "change_retentionpolicy",
    "view_user", "add_user", "change_user",
)  # fmt: skip
DATA_CATEGORIES = (
    ("組合員の基本情報", "氏名、フリガナ、生年月日、住所、電話番号、メールアドレス、組合員番号"),
    ("出資金に関する情報", "出資口数、出資金の払込み・払戻しの記録"),
    ("共済に関する情報", "共済契約の内容、掛金、共済金の請求・支払の記録"),
    ("事業の利用に関する情報", "購買・保険等の利用履歴、お申込みの記録"),
    ("給与控除に関する情報", "所属、給与控除の記録"),
    ("お問い合わせ・苦情の記録", "窓口・電話・書面でのお問い合わせの記録"),
    ("第三者提供・受領の記録", "個人情報保護法第29条・第30条に基づく記録"),
)
PROFILE_DEFAULTS = {
    "purposes_of_use": (
        "1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n"
        "2. 共済事業、購買事業その他の事業の提供、お申込みの受付、ご案内のため\n"
        "3. 共済金・給付金のお支払いのため\n"
        "4. 給与控除による掛金・代金の精算のため\n"
        "5. お問い合わせ・苦情への対応のため\n"
        "6. 法令に基づく対応のため"
    ),
    "request_procedure": (
        "このポータルにログインしてお申し込みください。郵送または総務部窓口でもお受けします。"
        "郵送の場合は所定の請求書に本人確認書類の写しを添えてお送りください。"
        "代理人によるご請求の場合は、代理権を証する書類（委任状、戸籍謄本、登記事項証明書など）と代理人の本人確認書類が必要です。"
    ),
    "identity_methods": (
        "ポータル：ご登録のメールアドレスとパスワードによる再認証\n"
        "窓口：運転免許証、マイナンバーカード（表面のみ）、パスポート等の提示\n"
        "郵送：本人確認書類の写し（回答は書類記載の住所へ簡易書留でお送りします）\n"
        "マイナンバーカードの裏面（個人番号が記載された面）の写しはお送りにならないでください。"
    ),
    "security_measures": (
        "基本方針の策定、取扱規程の整備、組織的・人的・物理的・技術的安全管理措置（アクセス制御、アクセス記録の保存、"
        "通信及び保存データの暗号化、従業者の教育）を講じています。"
    ),
    "ga_contact": "警察職員生活協同組合 総務部\n受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "mynumber_contact": "警察職員生活協同組合 マイナンバー担当\n受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "complaint_desk": (
        "個人情報の取扱いに関する苦情は総務部でお受けします。マイナンバーに関する苦情・お問い合わせはマイナンバー担当でお受けします。"
        "個人情報保護委員会の「個人情報保護法相談ダイヤル」にもご相談いただけます。"
    ),
}

AUDIT_GUARD_SQL = """
CREATE OR REPLACE FUNCTION requests_portal_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'requests_portal_auditentry is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditentry_no_update_delete
  BEFORE UPDATE OR DELETE ON requests_portal_auditentry
  FOR EACH ROW EXECUTE FUNCTION requests_portal_audit_append_only();
CREATE TRIGGER auditentry_no_truncate
  BEFORE TRUNCATE ON requests_portal_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION requests_portal_audit_append_only();
"""
AUDIT_GUARD_REVERSE_SQL = """
DROP TRIGGER IF EXISTS auditentry_no_truncate ON requests_portal_auditentry;
DROP TRIGGER IF EXISTS auditentry_no_update_delete ON requests_portal_auditentry;
DROP FUNCTION IF EXISTS requests_portal_audit_append_only();
"""


def create_roles_and_queues(apps, schema_editor):
    # Permissions are normally created after all migrations; the grants below need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Queue = apps.get_model("requests_portal", "Queue")
    QueueGroupObjectPermission = apps.get_model("requests_portal", "QueueGroupObjectPermission")

    queues = {}
    for spec in QUEUES:
        queue, _ = Queue.objects.get_or_create(code=spec["code"], defaults=spec)
        queues[spec["code"]] = queue
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        for queue_code, codenames in ROLE_QUEUE_PERMISSIONS[role].items():
            for codename in codenames:
                permission = Permission.objects.get(content_type__app_label="requests_portal", codename=codename)
                QueueGroupObjectPermission.objects.get_or_create(
                    group=group, permission=permission, content_object=queues[queue_code]
                )
    admin_group = Group.objects.get(name="admin")
    admin_group.permissions.set(
        Permission.objects.filter(content_type__app_label="requests_portal", codename__in=ADMIN_MODEL_PERMISSIONS)
    )


def create_default_configuration(apps, schema_editor):
    OrganisationProfile = apps.get_model("requests_portal", "OrganisationProfile")
    RetentionPolicy = apps.get_model("requests_portal", "RetentionPolicy")
    DataCategory = apps.get_model("requests_portal", "DataCategory")
    OrganisationProfile.objects.get_or_create(pk=1, defaults=PROFILE_DEFAULTS)
    RetentionPolicy.objects.get_or_create(pk=1)
    for order, (name, description) in enumerate(DATA_CATEGORIES, start=1):
        DataCategory.objects.get_or_create(name=name, defaults={"description": description, "sort_order": order})


def install_audit_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_GUARD_SQL, params=None)


def remove_audit_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_GUARD_REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles_and_queues, migrations.RunPython.noop),
        migrations.RunPython(create_default_configuration, migrations.RunPython.noop),
        migrations.RunPython(install_audit_guard, remove_audit_guard),
    ]
