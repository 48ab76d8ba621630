"""Load the reference catalogues: fields of quality work and the GB/T 4754 sections."""

from django.db import migrations

FIELDS = [
    ("01", "质量管理", ["质量管理体系", "全面质量管理与卓越绩效", "质量分析与改进", "供应链质量管理", "服务质量管理"]),
    ("02", "标准化", ["标准制修订", "标准实施与评价", "团体标准与企业标准", "国际标准化", "标准化试点示范"]),
    ("03", "计量", ["计量技术与校准", "法制计量", "测量管理体系", "产业计量"]),
    ("04", "认证认可", ["管理体系认证", "产品认证", "服务认证", "实验室与检验机构认可"]),
    ("05", "检验检测", ["产品检验", "检验检测机构管理", "实验室技术与能力验证"]),
    ("06", "特种设备", ["锅炉与压力容器", "压力管道", "电梯", "起重机械", "场（厂）内专用机动车辆", "大型游乐设施与客运索道", "特种设备安全管理"]),
    ("07", "品牌与质量奖", ["品牌建设与评价", "质量奖评审", "质量文化"]),
    ("08", "质量工程技术", ["可靠性工程", "统计过程控制", "六西格玛与精益管理", "质量检测技术", "数字化质量管理"]),
    ("09", "产品质量安全", ["产品质量监督抽查", "缺陷产品召回", "质量安全风险监测", "消费品质量安全"]),
    ("10", "质量基础设施", ["质量基础设施一站式服务", "知识产权与质量协同"]),
    ("11", "工程质量", ["建设工程质量", "工程质量检测与验收"]),
    ("12", "质量发展战略与政策", ["质量发展规划", "质量政策研究", "质量统计与监测评价", "质量法律法规"]),
]

# GB/T 4754-2017 国民经济行业分类, the 20 sections.
INDUSTRIES = [
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
]


def load(apps, schema_editor):
    ExpertiseField = apps.get_model("experts", "ExpertiseField")
    Industry = apps.get_model("experts", "Industry")
    for code, name, children in FIELDS:
        parent, _ = ExpertiseField.objects.get_or_create(code=code, defaults={"name": name})
        for i, child in enumerate(children, start=1):
            ExpertiseField.objects.get_or_create(
                code=f"{code}.{i:02d}", defaults={"name": child, "parent": parent}
            )
    for code, name in INDUSTRIES:
        Industry.objects.get_or_create(code=code, defaults={"name": name})


def unload(apps, schema_editor):
    apps.get_model("experts", "ExpertiseField").objects.filter(parent__isnull=False).delete()
    apps.get_model("experts", "ExpertiseField").objects.all().delete()
    apps.get_model("experts", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
