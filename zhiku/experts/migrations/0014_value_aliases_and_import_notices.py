"""Import notices on the job, and the table of the ways people write coded values.

The table is seeded with the common forms found on the association's old rosters; staff extend
it in the browser (导入值对照). ``load`` is also what a transactional test calls after a flush.
"""

import re
import unicodedata

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

REGIONS = [
    ("广州", "guangzhou"), ("深圳", "shenzhen"), ("珠海", "zhuhai"), ("汕头", "shantou"),
    ("佛山", "foshan"), ("韶关", "shaoguan"), ("湛江", "zhanjiang"), ("肇庆", "zhaoqing"),
    ("江门", "jiangmen"), ("茂名", "maoming"), ("惠州", "huizhou"), ("梅州", "meizhou"),
    ("汕尾", "shanwei"), ("河源", "heyuan"), ("阳江", "yangjiang"), ("清远", "qingyuan"),
    ("东莞", "dongguan"), ("中山", "zhongshan"), ("潮州", "chaozhou"), ("揭阳", "jieyang"),
    ("云浮", "yunfu"),
]

ALIASES = [
    ("gender", "男性", "male"), ("gender", "女性", "female"),
    ("gender", "男士", "male"), ("gender", "女士", "female"),
    ("gender", "M", "male"), ("gender", "F", "female"),
    ("id_type", "身份证", "resident"), ("id_type", "二代身份证", "resident"),
    ("id_type", "中国居民身份证", "resident"), ("id_type", "大陆居民身份证", "resident"),
    ("id_type", "港澳通行证", "hk_macao_permit"), ("id_type", "回乡证", "hk_macao_permit"),
    ("id_type", "台胞证", "taiwan_permit"), ("id_type", "港澳台居住证", "hmt_residence"),
    ("id_type", "外国人永久居留证", "foreign_permanent"), ("id_type", "永居证", "foreign_permanent"),
    ("org_type", "高等院校", "university"), ("org_type", "高等学校", "university"),
    ("org_type", "大学", "university"), ("org_type", "科研单位", "research"),
    ("org_type", "科研机构", "research"), ("org_type", "企业单位", "enterprise"),
    ("org_type", "国有企业", "enterprise"), ("org_type", "民营企业", "enterprise"),
    ("org_type", "行政机关", "government"), ("org_type", "政府机关", "government"),
    ("org_type", "党政机关", "government"), ("org_type", "社会团体", "social_organisation"),
    ("org_type", "行业协会", "social_organisation"),
    ("title_level", "正高", "senior"), ("title_level", "正高职称", "senior"),
    ("title_level", "正高级职称", "senior"), ("title_level", "副高", "associate_senior"),
    ("title_level", "副高职称", "associate_senior"),
    ("title_level", "副高级职称", "associate_senior"),
    ("title_level", "中级职称", "intermediate"), ("title_level", "初级职称", "junior"),
    ("title_level", "无职称", "none"),
    ("education", "本科", "bachelor"), ("education", "本科学历", "bachelor"),
    ("education", "大专", "college"), ("education", "专科", "college"),
    ("education", "博士", "doctoral"), ("education", "硕士", "master"),
    ("degree", "博士学位", "doctor"), ("degree", "硕士学位", "master"),
    ("degree", "学士学位", "bachelor"), ("degree", "无学位", "none"),
    *[("region", city, code) for city, code in REGIONS],
    ("region", "香港特别行政区", "hong_kong"), ("region", "中国香港", "hong_kong"),
    ("region", "澳门特别行政区", "macao"), ("region", "中国澳门", "macao"),
    ("region", "中国台湾", "taiwan"), ("region", "台湾省", "taiwan"),
    ("region", "外省", "other_province"), ("region", "省外", "other_province"),
    ("region", "境外", "abroad"), ("region", "海外", "abroad"),
    ("special_categories", "两院院士", "academician"),
    ("special_categories", "中国科学院院士", "academician"),
    ("special_categories", "中国工程院院士", "academician"),
    ("special_categories", "博导", "doctoral_supervisor"),
    ("special_categories", "国务院特殊津贴", "state_council_allowance"),
    ("special_categories", "国务院政府特殊津贴", "state_council_allowance"),
    ("special_categories", "享受国务院政府特殊津贴", "state_council_allowance"),
    ("special_categories", "省政府特殊津贴", "provincial_allowance"),
]


def written_key(text):
    # As zhiku.experts.spreadsheets.values.key, frozen here.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def load(apps, schema_editor):
    ValueAlias = apps.get_model("experts", "ValueAlias")
    for column, written, canonical in ALIASES:
        ValueAlias.objects.get_or_create(
            column=column,
            written_key=written_key(written),
            defaults={"written": written, "canonical": canonical},
        )


def unload(apps, schema_editor):
    apps.get_model("experts", "ValueAlias").objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("experts", "0013_importjob_layout_skip"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="notices",
            field=models.JSONField(blank=True, default=list, verbose_name="自动规范与提示"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="normalised_count",
            field=models.PositiveIntegerField(default=0, verbose_name="自动规范处数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="warning_count",
            field=models.PositiveIntegerField(default=0, verbose_name="提示核对处数"),
        ),
        migrations.CreateModel(
            name="ValueAlias",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("column", models.CharField(choices=[("gender", "性别"), ("id_type", "证件类型"), ("org_type", "单位类型"), ("title_level", "职称级别"), ("education", "学历"), ("degree", "学位"), ("region", "所在地区"), ("yes_no", "是/否"), ("special_categories", "特殊类别"), ("fields", "专业领域"), ("industries", "行业门类")], max_length=32, verbose_name="列")),
                ("written", models.CharField(max_length=64, verbose_name="填写形式")),
                ("written_key", models.CharField(editable=False, max_length=64)),
                ("canonical", models.CharField(max_length=64, verbose_name="对应的值")),
                ("created_at", models.DateTimeField(blank=True, null=True, verbose_name="添加时间")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="添加人")),
            ],
            options={
                "verbose_name": "导入值对照",
                "verbose_name_plural": "导入值对照",
                "ordering": ["column", "written_key"],
                "constraints": [models.UniqueConstraint(fields=("column", "written_key"), name="valuealias_one_meaning_per_form")],
            },
        ),
        migrations.RunPython(load, unload),
    ]
