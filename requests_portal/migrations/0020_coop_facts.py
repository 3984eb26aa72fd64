# ruff: noqa: E501 - the published texts are kept on one line each, as stored
from django.db import migrations, models

# Copied, not imported, so that this migration keeps meaning what it meant when written.
# The values the co-op's privacy policy states (個人情報保護法第32条第1項):
POLICY_VALUES = {
    "postal_code": "1028607",
    "address": "東京都千代田区三番町6番8 警察共済ビル",
    "ga_contact": "警察職員生活協同組合 総務部\u3000〒102-8607 東京都千代田区三番町6番8 警察共済ビル\nフリーダイヤル 0120-983-110\u3000受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "mynumber_contact": "警察職員生活協同組合 マイナンバー担当\u3000〒102-8607 東京都千代田区三番町6番8 警察共済ビル\nフリーダイヤル 0120-983-110\u3000受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "complaint_desk": "個人情報の取扱いに関する苦情は総務部でお受けします。マイナンバーに関する苦情・お問い合わせはマイナンバー担当でお受けします。個人情報保護委員会の「個人情報保護法相談ダイヤル」にもご相談いただけます。",
    "purposes_of_use": "1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n2. 共済事業の提供、お申込みの受付、ご案内のため\n3. 共済金・給付金のお支払いのため\n4. 給与控除による掛金の精算のため\n5. 職域の厚生事務担当部署への提供のため\n6. 共済関連情報の提供のため\n7. 共済事業の充実のため\n8. お問い合わせ・苦情への対応のため\n9. 法令に基づく対応のため",
}
# What migration 0002 installed; a row still holding these was never edited by an administrator.
SHIPPED_IN_0002 = {
    "ga_contact": "警察職員生活協同組合 総務部\n受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "mynumber_contact": "警察職員生活協同組合 マイナンバー担当\n受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
    "complaint_desk": "個人情報の取扱いに関する苦情は総務部でお受けします。マイナンバーに関する苦情・お問い合わせはマイナンバー担当でお受けします。個人情報保護委員会の「個人情報保護法相談ダイヤル」にもご相談いただけます。",
    "purposes_of_use": "1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n2. 共済事業、購買事業その他の事業の提供、お申込みの受付、ご案内のため\n3. 共済金・給付金のお支払いのため\n4. 給与控除による掛金・代金の精算のため\n5. お問い合わせ・苦情への対応のため\n6. 法令に基づく対応のため",
}


def publish_policy_values(apps, schema_editor):
    """Give an installed portal the policy's values where it still shows a blank or the value it
    was shipped with; anything an administrator entered is kept."""
    profile_model = apps.get_model("requests_portal", "OrganisationProfile")
    for profile in profile_model.objects.all():
        stale = [field for field in POLICY_VALUES if getattr(profile, field) in ("", SHIPPED_IN_0002.get(field))]
        for field in stale:
            setattr(profile, field, POLICY_VALUES[field])
        if stale:
            profile.save(update_fields=stale)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0019_dashboard_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisationprofile",
            name="privacy_policy",
            field=models.TextField(
                default="警察職員生活協同組合（以下「組合」といいます。）は、組合員とそのご家族の個人情報を大切にお預かりし、個人情報の保護に関する法律その他の法令を守って、次のとおり適正に取り扱います。\n\n1. 個人情報の取得\n組合は、事業に必要な範囲で、適法かつ公正な方法により個人情報を取得します。\n\n2. 個人情報の利用目的\n組合は、個人情報を次の目的の範囲内で利用します。法令に基づく場合を除き、この範囲を超えて利用するときは、あらかじめご本人の同意をいただきます。\n1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n2. 共済事業の提供、お申込みの受付、ご案内のため\n3. 共済金・給付金のお支払いのため\n4. 給与控除による掛金の精算のため\n5. 職域の厚生事務担当部署への提供のため\n6. 共済関連情報の提供のため\n7. 共済事業の充実のため\n8. お問い合わせ・苦情への対応のため\n9. 法令に基づく対応のため\n\n3. 第三者への提供\n組合は、法令に基づく場合を除き、ご本人の同意なく個人データを第三者に提供しません。第三者に提供したとき、及び第三者から提供を受けたときは、法令の定めるところにより記録を作成し、保存します。\n\n4. 安全管理\n組合は、個人データの漏えい、滅失又は毀損を防ぐため、組織的、人的、物理的及び技術的な安全管理措置を講じ、役職員及び委託先を適切に監督します。\n\n5. 開示等の請求等\nご本人から、利用目的の通知、開示（第三者提供記録の開示を含みます。）、訂正等、利用停止等のご請求があったときは、法令の定めるところにより遅滞なく対応します。手続は「開示等の請求等の手続」のページでご案内しています。\n\n6. 特定個人情報（マイナンバー）\nマイナンバーは、法令で定められた事務にのみ利用し、別に定める基本方針に従って取り扱います。\n\n7. お問い合わせ・苦情の申出先\n警察職員生活協同組合 総務部\u3000〒102-8607 東京都千代田区三番町6番8 警察共済ビル\u3000フリーダイヤル 0120-983-110\n\n8. 継続的な改善\n組合は、個人情報の取扱いを定期的に見直し、改善します。",
                help_text="ポータルの「個人情報保護方針」のページにこのとおり掲載します。",
                verbose_name="個人情報保護方針",
            ),
        ),
        migrations.AddField(
            model_name="organisationprofile",
            name="representative_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="代表者の氏名"),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="address",
            field=models.CharField(
                default="東京都千代田区三番町6番8 警察共済ビル", max_length=300, verbose_name="住所"
            ),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="complaint_desk",
            field=models.TextField(
                default="個人情報の取扱いに関する苦情は総務部でお受けします。マイナンバーに関する苦情・お問い合わせはマイナンバー担当でお受けします。個人情報保護委員会の「個人情報保護法相談ダイヤル」にもご相談いただけます。",
                verbose_name="苦情の申出先",
            ),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="ga_contact",
            field=models.TextField(
                default="警察職員生活協同組合 総務部\u3000〒102-8607 東京都千代田区三番町6番8 警察共済ビル\nフリーダイヤル 0120-983-110\u3000受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
                verbose_name="総務部 問い合わせ窓口",
            ),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="mynumber_contact",
            field=models.TextField(
                default="警察職員生活協同組合 マイナンバー担当\u3000〒102-8607 東京都千代田区三番町6番8 警察共済ビル\nフリーダイヤル 0120-983-110\u3000受付時間：平日 9:00〜17:00（土日祝日・年末年始を除く）",
                verbose_name="マイナンバー担当 窓口",
            ),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="postal_code",
            field=models.CharField(default="1028607", max_length=7, verbose_name="郵便番号"),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="purposes_of_use",
            field=models.TextField(
                default="1. 組合員の加入・脱退、出資金の管理など組合員管理のため\n2. 共済事業の提供、お申込みの受付、ご案内のため\n3. 共済金・給付金のお支払いのため\n4. 給与控除による掛金の精算のため\n5. 職域の厚生事務担当部署への提供のため\n6. 共済関連情報の提供のため\n7. 共済事業の充実のため\n8. お問い合わせ・苦情への対応のため\n9. 法令に基づく対応のため",
                verbose_name="利用目的",
            ),
        ),
        migrations.AlterField(
            model_name="organisationprofile",
            name="representative",
            field=models.CharField(default="理事長", max_length=100, verbose_name="代表者の役職"),
        ),
        migrations.RunPython(publish_policy_values, migrations.RunPython.noop),
    ]
