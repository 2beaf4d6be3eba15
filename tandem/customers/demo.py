"""The demo company's CRM: a year of customers, leads, deals and follow-ups (`tandem seed-demo`).

``seed_crm`` runs after the organisation exists (``tandem.org.demo``). It replays a sales year
through the CRM services, each write made by the person who would make it (a rep creates her
accounts and moves her deals, a manager assigns leads, the administrator sets up products,
pipelines and pools), so history, stage durations and data scopes read as they would in real use.

To give the year its dates, the services run under a simulated clock: ``django.utils.timezone.now``
is pointed at the moment being replayed while a write runs (creation dates, history entries,
stage stays, pool events, closing dates all follow), and put back afterwards. Follow-ups are
bulk-created for speed, then every record's last and next follow-up is set from them.

What it builds (deterministic; the numbers are approximate):

- ~10 products in four families; the default pipeline and a second one, 渠道合作 (Partner deals
  in English)
- two public pools, 华东公海 (East China) and 华南公海 (South China), with reclaim rules
  (A 90 / B 45 / C 20 days, reminder 3 days before, at most 200 owned, 20 claims a day,
  7 days' cool-down) holding ~40 unowned customers; a few owned customers due back soon
- ~300 accounts: Chinese companies in the China teams' provinces and cities, English names
  for Singapore, Malaysia and Indonesia; levels A/B/C, industries, sources, tags; 1–3 contacts each
- 60 leads in every status (converted ones linked to what they became, unqualified with reasons)
- ~600 deals across both pipelines over the past 12 months, with line items, stage history,
  won and lost deals (closing dates, lost reasons, competitors) and open ones (expected close)
- ~3,000 follow-ups (calls, visits, emails, meetings, messages) by the owners, with next
  follow-up dates: some overdue, some today
- 5 pairs of duplicate accounts to review (one company spelled two ways, the same phone)

Re-running adds only what is missing: products by code, pipelines and pools by name, and the
book of business (accounts, leads, deals, follow-ups) only when no demo account exists yet.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.org.demo import in_two_languages

DEMO_PREFIX = "DEMO-"  # external_id of every demo account, lead and deal: how a re-run finds them
SEED = 2026

# --- Reference data -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    family: str
    price: int
    description: str


PRODUCTS: list[ProductSpec] = [
    ProductSpec(
        "CRM-STD",
        "CRM 标准版 / CRM Standard",
        "CRM 套件 / CRM suite",
        12_000,
        "每用户每年 / per user, yearly",
    ),
    ProductSpec(
        "CRM-PRO",
        "CRM 专业版 / CRM Professional",
        "CRM 套件 / CRM suite",
        36_000,
        "每用户每年 / per user, yearly",
    ),
    ProductSpec(
        "CRM-ENT",
        "CRM 企业版 / CRM Enterprise",
        "CRM 套件 / CRM suite",
        98_000,
        "每用户每年 / per user, yearly",
    ),
    ProductSpec(
        "SVC-IMPL", "实施服务 / Implementation services", "服务 / Services", 3_000, "按人天 / per person-day"
    ),
    ProductSpec("SVC-MIGR", "数据迁移 / Data migration", "服务 / Services", 20_000, ""),
    ProductSpec("SVC-TRAIN", "现场培训 / On-site training", "服务 / Services", 8_000, "每场 / per session"),
    ProductSpec("INT-DING", "钉钉集成 / DingTalk integration", "集成 / Integrations", 15_000, ""),
    ProductSpec("INT-WECOM", "企业微信集成 / WeCom integration", "集成 / Integrations", 15_000, ""),
    ProductSpec("INT-API", "开放 API 扩展包 / API add-on", "集成 / Integrations", 24_000, ""),
    ProductSpec(
        "HW-CHECKIN", "外勤签到终端 / Check-in device", "硬件 / Hardware", 2_000, "每台 / per device"
    ),
]
SUITE = ["CRM-STD", "CRM-PRO", "CRM-ENT"]
ADD_ONS = ["SVC-IMPL", "SVC-MIGR", "SVC-TRAIN", "INT-DING", "INT-WECOM", "INT-API", "HW-CHECKIN"]


PARTNER_PIPELINE = "渠道合作 / Partner deals"  # "中文 / English": the name and its names (core.naming)
PARTNER_STAGES: list[tuple[str, int, str, list[str], str]] = [
    (
        "伙伴报备 / Registered",
        10,
        "open",
        [],
        "合作伙伴报备商机，确认客户与需求。 The partner registers the deal.",
    ),
    (
        "联合方案 / Joint proposal",
        40,
        "open",
        ["amount"],
        "与伙伴一起出方案和报价。 Proposal and quote with the partner.",
    ),
    (
        "商务谈判 / Negotiation",
        70,
        "open",
        ["amount", "expected_close_date", "decision_maker"],
        "确认决策人和签约时间。 Confirm the decision maker and the signing date.",
    ),
    ("赢单 / Won", 100, "won", ["amount"], ""),
    ("输单 / Lost", 0, "lost", [], ""),
]

POOL_RULES: dict[str, Any] = {
    "days_without_follow_up": 30,
    "days_by_level": {"A": 90, "B": 45, "C": 20},
    "remind_days_before": 3,
    "max_owned_per_person": 200,
    "daily_claim_limit": 20,
    "cooldown_days": 7,
}
LEVEL_DAYS = {"A": 90, "B": 45, "C": 20}


@dataclass(frozen=True)
class PoolSpec:
    name: str
    team: str
    admins: tuple[str, ...]
    description: str
    english: str  # its name in English (core.naming)

    @property
    def names(self) -> dict[str, str]:
        return {"zh-hans": self.name, "en": self.english}


POOLS = [
    PoolSpec(
        "华东公海",
        "华东大区",
        ("li.zhiqiang", "manager", "sun.li"),
        "华东大区的公海：上海、江苏、浙江、安徽的未分配客户。A 类 90 天、B 类 45 天、C 类 20 天未跟进自动回收。\n"
        "East China's public pool. Customers return after 90 (A), 45 (B) or 20 (C) days without a follow-up.",
        "East China pool",
    ),
    PoolSpec(
        "华南公海",
        "华南大区",
        ("huang.jun", "lin.fang", "luo.bin"),
        "华南大区的公海：广东、福建、广西、海南的未分配客户。\n"
        "South China's public pool: unowned customers in Guangdong, Fujian, Guangxi and Hainan.",
        "South China pool",
    ),
]

# The account levels the app seeds (customers.apps), named in both languages.
LEVEL_NAMES = {
    "A": {"zh-hans": "A 类（重点客户）", "en": "A (key account)"},
    "B": {"zh-hans": "B 类（成长客户）", "en": "B (growing account)"},
    "C": {"zh-hans": "C 类（一般客户）", "en": "C (standard account)"},
}

# Where each sales team sells: (province, city, district list, area code).
Place = tuple[str, str, tuple[str, ...], str]
PLACES: dict[str, list[Place]] = {
    "华东销售一部": [
        ("上海市", "上海", ("浦东新区", "闵行区", "徐汇区", "嘉定区", "松江区", "静安区"), "021"),
        ("上海市", "上海", ("青浦区", "宝山区", "长宁区"), "021"),
        ("安徽省", "合肥", ("蜀山区", "包河区"), "0551"),
    ],
    "华东销售二部": [
        ("江苏省", "苏州", ("工业园区", "吴中区", "昆山市"), "0512"),
        ("江苏省", "南京", ("江宁区", "鼓楼区", "建邺区"), "025"),
        ("江苏省", "无锡", ("滨湖区", "新吴区"), "0510"),
        ("浙江省", "杭州", ("西湖区", "滨江区", "余杭区"), "0571"),
        ("浙江省", "宁波", ("鄞州区", "北仑区"), "0574"),
    ],
    "华南销售一部": [
        ("广东省", "深圳", ("南山区", "福田区", "宝安区", "龙岗区"), "0755"),
        ("广东省", "广州", ("天河区", "黄埔区", "番禺区", "白云区"), "020"),
        ("广东省", "东莞", ("松山湖", "长安镇"), "0769"),
    ],
    "华南销售二部": [
        ("福建省", "厦门", ("思明区", "湖里区"), "0592"),
        ("福建省", "福州", ("鼓楼区", "仓山区"), "0591"),
        ("广西壮族自治区", "南宁", ("青秀区", "西乡塘区"), "0771"),
        ("海南省", "海口", ("龙华区", "美兰区"), "0898"),
    ],
}
STREETS = [
    "科技路",
    "建设大道",
    "人民路",
    "创新路",
    "中山路",
    "滨江大道",
    "工业大道",
    "长江路",
    "解放路",
    "迎宾路",
]

# Brand words (two characters) and their pinyin, for company names, websites and emails.
BRANDS: list[tuple[str, str]] = [
    ("华信", "huaxin"), ("宏泰", "hongtai"), ("鑫源", "xinyuan"), ("恒瑞", "hengrui"), ("嘉成", "jiacheng"),
    ("天祥", "tianxiang"), ("博远", "boyuan"), ("众智", "zhongzhi"), ("瑞丰", "ruifeng"), ("安康", "ankang"),
    ("德利", "deli"), ("金汇", "jinhui"), ("云海", "yunhai"), ("兴隆", "xinglong"), ("盛达", "shengda"),
    ("汇通", "huitong"), ("远航", "yuanhang"), ("鼎盛", "dingsheng"), ("华裕", "huayu"), ("同创", "tongchuang"),
    ("新纪元", "xinjiyuan"), ("启明", "qiming"), ("长风", "changfeng"), ("东方", "dongfang"), ("海诚", "haicheng"),
    ("润达", "runda"), ("精诚", "jingcheng"), ("凯盛", "kaisheng"), ("卓越", "zhuoyue"), ("銮海", "luanhai"),
    ("立信", "lixin"), ("正泰", "zhengtai"), ("明德", "mingde"), ("中联", "zhonglian"), ("永安", "yongan"),
    ("蓝海", "lanhai"), ("银河", "yinhe"), ("星辰", "xingchen"), ("百川", "baichuan"), ("万象", "wanxiang"),
    ("绿源", "lvyuan"), ("合力", "heli"), ("联创", "lianchuang"), ("骏达", "junda"), ("富春", "fuchun"),
]  # fmt: skip

# Business (name segment, industry, pinyin code, weight per team kind).
SEGMENTS: list[tuple[str, str, str]] = [
    ("精密机械", "制造业", "jm"),
    ("电子科技", "电子制造", "dz"),
    ("汽车零部件", "汽车", "qp"),
    ("新材料", "化工新材料", "xc"),
    ("食品", "食品饮料", "sp"),
    ("服饰", "服装零售", "fs"),
    ("连锁超市", "零售", "cs"),
    ("物流", "物流", "wl"),
    ("医疗器械", "医疗", "yl"),
    ("软件", "软件和信息服务", "rj"),
    ("智能家居", "消费电子", "zn"),
    ("建设工程", "建筑", "jz"),
    ("环保科技", "环保", "hb"),
    ("教育科技", "教育", "jy"),
    ("供应链管理", "供应链", "gy"),
    ("生物医药", "生物医药", "sw"),
    ("光电", "电子制造", "gd"),
    ("包装材料", "制造业", "bz"),
    ("进出口贸易", "外贸", "my"),
    ("跨境电商", "电子商务", "kj"),
]
SUFFIXES = [("有限公司", 6), ("股份有限公司", 2), ("集团有限公司", 1)]

# Singapore, Malaysia and Indonesia.
INTL_WORDS = [
    "Lion City", "Merlion", "Straits", "Orchard", "Marina", "Temasek", "Sentosa", "Raffles", "Harbourfront",
    "Equator", "Peninsula", "Jurong", "Changi", "Tanjong", "Bukit", "Serangoon", "Kallang", "Novena",
]  # fmt: skip
INTL_SEGMENTS: list[tuple[str, str]] = [
    ("Precision Engineering", "Manufacturing"),
    ("Foods", "Food and beverage"),
    ("Healthcare", "Healthcare"),
    ("Software", "Software"),
    ("Trading", "Wholesale trade"),
    ("Electronics", "Electronics"),
    ("Retail Group", "Retail"),
    ("Clean Energy", "Energy"),
    ("Analytics", "IT services"),
    ("Packaging", "Manufacturing"),
    ("Aviation Services", "Aviation"),
    ("Freight", "Logistics"),
]
INTL_PLACES = [
    ("SG", "", "Singapore", "+65 6{a:03d} {b:04d}", "Pte. Ltd.", "com.sg"),
    ("SG", "", "Singapore", "+65 6{a:03d} {b:04d}", "Pte. Ltd.", "com.sg"),
    ("MY", "Selangor", "Kuala Lumpur", "+60 3-{a:04d} {b:04d}", "Sdn. Bhd.", "com.my"),
    ("ID", "DKI Jakarta", "Jakarta", "+62 21 {a:04d} {b:04d}", "", "co.id"),
]
INTL_STREETS = ["Anson Road", "Robinson Road", "Jalan Sultan Ismail", "Jalan Sudirman", "Kallang Avenue"]

SURNAMES: list[tuple[str, str]] = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"),
    ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"),
    ("潘", "pan"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("丁", "ding"), ("沈", "shen"), ("姚", "yao"), ("钟", "zhong"),
]  # fmt: skip
GIVEN: list[tuple[str, str]] = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("华", "hua"),
    ("玲", "ling"), ("鹏", "peng"), ("辉", "hui"), ("建", "jian"), ("文", "wen"), ("博", "bo"), ("婷", "ting"),
    ("琳", "lin"), ("浩", "hao"), ("宇", "yu"), ("晨", "chen"), ("欣", "xin"), ("倩", "qian"), ("雪", "xue"),
    ("峰", "feng"), ("亮", "liang"), ("斌", "bin"), ("凯", "kai"), ("颖", "ying"), ("志", "zhi"), ("国", "guo"),
]  # fmt: skip
INTL_GIVEN = [
    "Wei Ling", "Jun Jie", "Siti", "Ahmad", "Rajesh", "Mei Ling", "Kelvin", "Sarah", "Hafiz", "Priyanka",
    "Jonathan", "Nurul", "Vincent", "Aisha", "Ravi", "Grace", "Darren", "Farah", "Benjamin", "Michelle",
]  # fmt: skip
INTL_SURNAMES = [
    "Tan",
    "Lim",
    "Lee",
    "Ng",
    "Wong",
    "Goh",
    "Chua",
    "Koh",
    "Teo",
    "Rahman",
    "Kumar",
    "Singh",
    "Ong",
]

TITLES_CN = [
    "总经理", "副总经理", "采购经理", "采购总监", "IT 经理", "信息部主管", "财务总监", "销售总监", "运营经理",
    "行政主管", "技术负责人", "董事长助理",
]  # fmt: skip
TITLES_EN = [
    "Managing Director", "Procurement Manager", "Head of IT", "Finance Director", "Operations Manager",
    "Sales Director", "CTO", "General Manager",
]  # fmt: skip

TAGS_CN = ["重点客户", "续约", "招投标", "渠道客户", "老客户推荐"]
TAGS_EN = ["Key account", "Renewal", "Tender", "Partner-led"]

# Follow-ups: (subject, content) per kind, with {contact}, {topic}, {ask}, {product} filled in.
FOLLOW_UPS_CN: dict[str, list[tuple[str, str]]] = {
    "call": [
        ("电话沟通需求", "与{contact}电话沟通，确认{topic}，对方希望{ask}。"),
        ("电话回访", "电话回访{contact}，了解使用情况，客户提到{topic}。"),
    ],
    "visit": [
        ("上门拜访", "拜访{contact}，现场演示了{product}，客户重点关注{topic}。"),
        ("陪同经理拜访", "和经理一起拜访{contact}，沟通{topic}，客户希望{ask}。"),
    ],
    "email": [("发送方案资料", "邮件发送{product}方案和报价单给{contact}，请对方确认{topic}。")],
    "meeting": [("方案评审会", "与{contact}及其团队开会评审方案，讨论{topic}，下一步{ask}。")],
    "message": [("微信跟进", "微信联系{contact}，约定下周再沟通{topic}。")],
    "note": [("内部备注", "客户预算在下季度审批，{topic}需要重点准备。")],
}
FOLLOW_UPS_EN: dict[str, list[tuple[str, str]]] = {
    "call": [
        ("Discovery call", "Call with {contact} about {topic}; they asked us to {ask}."),
        ("Check-in call", "Checked in with {contact}; {topic} came up again."),
    ],
    "visit": [("On-site visit", "Visited {contact} and demoed {product}; the main concern is {topic}.")],
    "email": [("Sent proposal", "Emailed {contact} the {product} proposal and quote; waiting on {topic}.")],
    "meeting": [("Proposal review", "Reviewed the proposal with {contact}'s team: {topic}. Next: {ask}.")],
    "message": [("WhatsApp follow-up", "Messaged {contact} to set up a call about {topic}.")],
    "note": [("Note", "Budget is approved next quarter; prepare {topic}.")],
}
TOPICS_CN = [
    "实施周期", "价格与折扣", "与钉钉的集成", "历史数据迁移", "移动端外勤签到", "权限与数据安全", "培训安排",
    "合同条款", "续约方案", "公海规则配置", "报表需求",
]  # fmt: skip
TOPICS_EN = [
    "the rollout plan", "pricing", "the WeCom integration", "data migration", "mobile check-in",
    "data security", "training", "contract terms", "the renewal",
]  # fmt: skip
ASKS_CN = ["下周提供详细报价", "安排一次产品演示", "先试用两周", "提供同行业案例", "补充安全资质材料"]
ASKS_EN = ["send a detailed quote", "book a demo", "start a two-week trial", "share a customer reference"]
KIND_WEIGHTS = [("call", 40), ("visit", 20), ("email", 15), ("meeting", 10), ("message", 10), ("note", 5)]

# A lost reason from the list (by its stored name) and the rep's note.
LOST_REASONS_CN = [
    ("Price", "价格高于预算"),
    ("Competitor", "选择了竞品"),
    ("No budget", "项目预算取消"),
    ("Timing", "项目延期到明年"),
    ("Other", "需求不匹配"),
]
LOST_REASONS_EN = [
    ("Price", "Price above budget"),
    ("Competitor", "Chose a competitor"),
    ("No budget", "Budget cancelled"),
    ("Timing", "Project postponed"),
]
COMPETITORS = ["销售易", "纷享销客", "Salesforce", "HubSpot", "Zoho CRM", "悟空CRM", "Microsoft Dynamics"]
NEXT_STEPS_CN = ["提交正式报价", "安排技术交流", "约决策人见面", "准备合同草稿", "安排试用"]
NEXT_STEPS_EN = ["Send the formal quote", "Technical workshop", "Meet the decision maker", "Draft contract"]
RELEASE_REASONS = [
    "客户今年没有预算，退回公海。",
    "联系人已离职，暂时无法推进。",
    "多次联系无回应。",
    "客户已选择其他供应商，明年再跟进。",
    "客户规模太小，不在重点范围。",
]
UNQUALIFIED_REASONS = [
    "无预算 / No budget",
    "仅做调研，暂无采购计划 / Research only",
    "联系方式无效 / Invalid contact details",
    "规模太小，不在目标客户范围 / Too small for our offer",
]

# Five pairs of one company entered twice (different spelling, the same phone), for 查重 review.
# (team, owner of first, owner of second, first name, second name, phone, website, place index)
DUPLICATE_PAIRS: list[tuple[str, str, str, str, str, str, str]] = [
    ("rep", "zhang.wei", "上海华信精密机械有限公司", "上海华信精密机械制造有限公司", "(021) 6888-1201", "huaxinjm.com.cn", "CN"),
    ("zhou.jie", "wu.ting", "苏州恒瑞电子科技有限公司", "苏州恒睿电子科技有限公司", "(0512) 6766-3302", "hengruidz.com.cn", "CN"),
    ("zheng.hao", "zhou.jie", "杭州云海软件有限公司", "杭州云海软件技术服务有限公司", "(0571) 8799-4403", "yunhairj.com.cn", "CN"),
    ("he.jing", "ma.chao", "深圳金汇跨境电商有限公司", "深圳市金汇跨境电子商务有限公司", "(0755) 8626-5504", "jinhuikj.com.cn", "CN"),
    ("daniel.lim", "priya.nair", "Lion City Freight Pte. Ltd.", "LionCity Freights Pte Ltd", "+65 6221 4400", "lioncityfreight.com.sg", "SG"),
]  # fmt: skip


# --- The simulated clock ----------------------------------------------------------------------


class Clock:
    """The moment being replayed; ``timezone.now`` answers it while ``simulated_time`` is active."""

    def __init__(self, at: datetime.datetime) -> None:
        self.at = at

    def __call__(self) -> datetime.datetime:
        return self.at


@contextmanager
def simulated_time(clock: Clock) -> Iterator[Clock]:
    real_now = timezone.now
    setattr(timezone, "now", clock)  # noqa: B010 - the module attribute every caller reads
    try:
        yield clock
    finally:
        setattr(timezone, "now", real_now)  # noqa: B010


# --- The result -----------------------------------------------------------------------------


@dataclass
class CrmSeedResult:
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    complete_already: bool = False

    def summary_lines(self) -> list[str]:
        t = self.totals
        lines = []
        if self.complete_already:
            lines.append("The demo CRM is complete already: nothing added.")
        else:
            lines.append(f"Demo CRM added in {self.seconds:.1f} s.")
        lines.append(
            f"CRM in the database now: accounts {t['accounts']} ({t['pool_accounts']} in public pools), "
            f"contacts {t['contacts']}, leads {t['leads']}, deals {t['deals']} "
            f"({t['won']} won, {t['lost']} lost, {t['open']} open), follow-ups {t['follow_ups']}, "
            f"products {t['products']}, pipelines {t['pipelines']}, pools {t['pools']}."
        )
        lines.append(
            f"Follow-ups due: {t['due_today']} today, {t['overdue']} overdue; "
            f"customers due back to a pool within {POOL_RULES['remind_days_before']} days: {t['reclaim_soon']}."
        )
        return lines


def crm_totals() -> dict[str, int]:
    from django.db.models import Count

    from tandem.activities.models import Activity
    from tandem.customers.models import Account, Contact, Pool
    from tandem.deals.models import Deal, Pipeline, Product
    from tandem.leads.models import Lead

    from .pools import reclaim_candidates

    today = timezone.localdate()
    now = timezone.now()
    soon = 0
    for pool in Pool.objects.filter(is_active=True):
        soon += len(reclaim_candidates(pool, now, within_days=pool.remind_days_before))
    status_counts = {
        row["status"]: row["n"] for row in Deal.objects.values("status").order_by().annotate(n=Count("id"))
    }
    return {
        "accounts": Account.objects.count(),
        "pool_accounts": Account.objects.filter(owner__isnull=True, pool__isnull=False).count(),
        "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(),
        "deals": Deal.objects.count(),
        "won": status_counts.get("won", 0),
        "lost": status_counts.get("lost", 0),
        "open": status_counts.get("open", 0),
        "follow_ups": Activity.objects.count(),
        "products": Product.objects.count(),
        "pipelines": Pipeline.objects.count(),
        "pools": Pool.objects.count(),
        "due_today": Account.objects.filter(next_follow_up_on=today).count(),
        "overdue": Account.objects.filter(next_follow_up_on__lt=today, owner__isnull=False).count(),
        "reclaim_soon": soon,
    }


# --- Seeding --------------------------------------------------------------------------------


def seed_crm(*, seed: int = SEED) -> CrmSeedResult:
    """Add the demo CRM to the demo company, or what is missing of it (see the module docstring)."""
    from tandem.customers.models import Account

    started = time.monotonic()
    result = CrmSeedResult()
    with transaction.atomic():
        builder = _Builder(seed=seed, result=result)
        builder.setup()
        if Account.all_objects.filter(external_id__startswith=DEMO_PREFIX).exists():
            result.complete_already = not any(result.created.values())
        else:
            builder.book_of_business()
    result.seconds = time.monotonic() - started
    result.totals = crm_totals()
    return result


@dataclass
class _AccountPlan:
    """One account to create, and how its year goes."""

    key: str
    name: str
    owner: str | None  # username; None = created straight into a pool
    team: str  # the owner's sales team (for pool accounts: the team whose region it is in)
    level: str
    created_days_ago: int
    data: dict[str, Any]
    pool: str | None = None
    release: tuple[int, str] | None = None  # (days ago, reason): the owner gives it back
    neglect: int | None = None  # days until the pool rule takes it back (negative: overdue)
    duplicate: bool = False  # one of the five pairs entered twice
    from_lead: bool = False


@dataclass
class _Deal:
    deal: Any
    created_days_ago: int


INTL = "International Sales (Singapore)"
MANAGERS = ["manager", "sun.li", "lin.fang", "luo.bin", "rachel.tan"]
ASSIGNERS = {
    "华东销售一部": "manager",
    "华东销售二部": "sun.li",
    "华南销售一部": "lin.fang",
    "华南销售二部": "luo.bin",
    INTL: "rachel.tan",
}


def _region_pool(team: str) -> str | None:
    if team.startswith("华东"):
        return "华东公海"
    if team.startswith("华南"):
        return "华南公海"
    return None


class _Builder:
    def __init__(self, *, seed: int, result: CrmSeedResult) -> None:
        from django.core.exceptions import ImproperlyConfigured

        from tandem.org.models import Membership, User

        self.rng = random.Random(seed)
        self.created = result.created
        for key in ("products", "pipelines", "pools", "tags", "accounts", "contacts", "leads", "deals"):
            self.created.setdefault(key, 0)
        self.created.setdefault("follow_ups", 0)
        self.real_now = timezone.now()
        self.today = timezone.localdate(self.real_now)
        self.people = {u.username: u for u in User.objects.filter(is_active=True)}
        needed = {"admin", *MANAGERS, *(u for spec in POOLS for u in spec.admins)}
        needed |= {u for pair in DUPLICATE_PAIRS for u in pair[:2]}
        missing = needed - set(self.people)
        if missing:
            raise ImproperlyConfigured(
                "The demo company's people are missing (" + ", ".join(sorted(missing)) + "): "
                "the demo CRM is added to the demo company only."
            )
        self.team_of: dict[str, str] = dict(
            Membership.objects.filter(is_primary=True, user__is_active=True).values_list(
                "user__username", "team__name"
            )
        )
        self.reps = sorted(
            u.username
            for u in User.objects.filter(is_active=True, roles__code="sales-rep")
            if u.username in self.team_of
        )
        self._actors: dict[str, Any] = {}
        self.used_phones: set[str] = set()
        self.used_mobiles: set[str] = set()
        self.used_names: set[tuple[str, str]] = set()
        self.used_intl: set[tuple[str, str]] = {("Lion City", "Freight")}
        self.clock = Clock(self.real_now)
        self.plan_of: dict[int, _AccountPlan] = {}  # account pk -> its plan
        self.contacts_of: dict[int, list[Any]] = {}  # account pk -> its contacts

    # -- helpers --

    def actor(self, username: str) -> Any:
        from tandem.core.access import Actor

        if username not in self._actors:
            self._actors[username] = Actor.for_user(self.people[username])
        return self._actors[username]

    def moment(self, days_ago: int, *, hour: int | None = None, weekdays: bool = True) -> datetime.datetime:
        """A working-hours moment ``days_ago`` days before today (weekends move to the Friday before).

        Never in the future: today's moments fall between 9:00 and now, or on the working day
        before when the day has not started yet.
        """
        day = self.today - datetime.timedelta(days=max(days_ago, 0))
        while weekdays and day.weekday() >= 5 and day < self.today:
            day -= datetime.timedelta(days=1)
        h = hour if hour is not None else self.rng.randint(9, 17)
        minute = self.rng.randrange(0, 60, 5)
        latest = timezone.localtime(self.real_now) - datetime.timedelta(minutes=10)
        if day == latest.date() and (h, minute) >= (latest.hour, latest.minute):
            if latest.hour > 9:
                h, minute = self.rng.randint(9, latest.hour - 1), self.rng.randrange(0, 60, 5)
            else:
                day -= datetime.timedelta(days=3 if day.weekday() == 0 else 1)
        at = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(h, minute)), timezone.get_current_timezone()
        )
        return min(at, self.real_now - datetime.timedelta(minutes=10))

    def at(self, moment: datetime.datetime) -> Clock:
        """Set the simulated clock (never later than the real now)."""
        self.clock.at = min(moment, self.real_now)
        return self.clock

    def weighted(self, options: Sequence[tuple[Any, int]]) -> Any:
        values, weights = zip(*options, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    # -- configuration: products, pipelines, tags, pools --

    def setup(self) -> None:
        from tandem.core.models import Tag
        from tandem.deals.models import Pipeline, Product
        from tandem.deals.services import ensure_default_pipeline, pipeline_save, product_save, stage_save

        admin = self.actor("admin")
        ensure_default_pipeline()
        existing = set(Product.objects.values_list("code", flat=True))
        for spec in PRODUCTS:
            if spec.code in existing:
                continue
            name, names = in_two_languages(spec.name)
            product_save(
                actor=admin,
                product=None,
                data={
                    "name": name,
                    "names": names,
                    "code": spec.code,
                    "family": spec.family,
                    "list_price": Decimal(spec.price),
                    "currency": "CNY",
                    "description": spec.description,
                },
            )
            self.created["products"] += 1
        self.products = {p.code: p for p in Product.objects.filter(code__in=[s.code for s in PRODUCTS])}

        pipeline_name, pipeline_names = in_two_languages(PARTNER_PIPELINE)
        partner = Pipeline.objects.filter(name__in=[pipeline_name, PARTNER_PIPELINE]).first()
        if partner is None:
            partner = pipeline_save(
                actor=admin, pipeline=None, data={"name": pipeline_name, "names": pipeline_names, "order": 1}
            )
            for order, (both, probability, kind, required, guidance) in enumerate(PARTNER_STAGES):
                name, names = in_two_languages(both)
                stage_save(
                    actor=admin,
                    stage=None,
                    data={
                        "pipeline": partner,
                        "name": name,
                        "names": names,
                        "order": order,
                        "probability": probability,
                        "kind": kind,
                        "required_fields": required,
                        "guidance": guidance,
                    },
                )
            self.created["pipelines"] += 1
        direct = (
            Pipeline.objects.filter(is_default=True).first()
            or Pipeline.objects.exclude(pk=partner.pk).first()
        )
        assert direct is not None
        self.pipelines = {"direct": direct, "partner": partner}

        for name in [*TAGS_CN, *TAGS_EN]:
            _tag, made = Tag.objects.get_or_create(name=name)
            self.created["tags"] += int(made)
        self.tags = {t.name: t for t in Tag.objects.filter(name__in=[*TAGS_CN, *TAGS_EN])}
        self.pools = {spec.name: self._pool(spec) for spec in POOLS}
        self._name_levels()

    def _name_levels(self) -> None:
        """The account levels A, B and C, named in both languages (unless named already)."""
        from tandem.customers.models import AccountLevel
        from tandem.customers.pool_admin import account_level_set_names

        for level in AccountLevel.objects.filter(code__in=list(LEVEL_NAMES)):
            if not level.names:
                account_level_set_names(actor=self.actor("admin"), level=level, names=LEVEL_NAMES[level.code])

    def _pool(self, spec: PoolSpec) -> Any:
        from tandem.customers.models import Pool
        from tandem.customers.pool_admin import pool_create, pool_member_set, pool_update
        from tandem.org.models import Team

        pool = Pool.objects.filter(name=spec.name).first()
        admin = self.actor("admin")
        if pool is not None:
            if not pool.names:  # seeded before pools had a name per language
                pool = pool_update(actor=admin, pool=pool, data={"names": spec.names})
            return pool
        pool = pool_create(
            actor=admin,
            data={"name": spec.name, "names": spec.names, "description": spec.description, **POOL_RULES},
            teams=Team.objects.filter(name=spec.team),
        )
        for username in spec.admins:
            pool_member_set(actor=admin, pool=pool, user=self.people[username], is_admin=True)
        self.created["pools"] += 1
        return pool

    # -- the year --

    def book_of_business(self) -> None:
        plans = self._plan_accounts()
        with simulated_time(self.clock):
            accounts = self._create_accounts(plans)
            self._create_leads(accounts)
            deals = self._create_deals(accounts)
        self._create_follow_ups(accounts, deals)
        self._lifecycles()

    # accounts

    def _cn_company(self, team: str) -> dict[str, Any]:
        while True:
            brand, brand_py = self.rng.choice(BRANDS)
            segment, industry, seg_py = self.rng.choice(SEGMENTS)
            if (brand, segment) not in self.used_names:
                break
        self.used_names.add((brand, segment))
        province, city, districts, area = self.rng.choice(PLACES[team])
        domain = f"{brand_py}{seg_py}.com.cn"
        return {
            "name": f"{city}{brand}{segment}{self.weighted(SUFFIXES)}",
            "industry": industry,
            "country": "CN",
            "province": province,
            "city": f"{city}市",
            "district": self.rng.choice(districts),
            "street": f"{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号",
            "phone": self._landline(area),
            "email": f"info@{domain}",
            "website": f"www.{domain}",
        }

    def _landline(self, area: str) -> str:
        while True:
            number = f"{self.rng.randint(2, 8)}{self.rng.randint(0, 9_999_999):07d}"
            phone = f"({area}) {number[:4]}-{number[4:]}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _intl_company(self) -> dict[str, Any]:
        while True:
            word = self.rng.choice(INTL_WORDS)
            segment, industry = self.rng.choice(INTL_SEGMENTS)
            if (word, segment) not in self.used_intl:
                break
        self.used_intl.add((word, segment))
        country, province, city, phone_format, suffix, tld = self.rng.choice(INTL_PLACES)
        slug = f"{word}{segment}".lower().replace(" ", "")
        while True:
            phone = phone_format.format(
                a=self.rng.randint(100, 999 if country == "SG" else 9999), b=self.rng.randint(1000, 9999)
            )
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                break
        return {
            "name": f"PT {word} {segment}" if country == "ID" else f"{word} {segment} {suffix}",
            "industry": industry,
            "country": country,
            "province": province,
            "city": city,
            "street": f"{self.rng.randint(1, 300)} {self.rng.choice(INTL_STREETS)}",
            "phone": phone,
            "email": f"hello@{slug}.{tld}",
            "website": f"www.{slug}.{tld}",
        }

    def _company(self, team: str) -> dict[str, Any]:
        return self._intl_company() if team == INTL else self._cn_company(team)

    def _plan_accounts(self) -> list[_AccountPlan]:
        rng = self.rng
        plans: list[_AccountPlan] = []
        # The duplicate pairs' names are taken: nothing else may be called the same.
        self.used_names |= {
            ("华信", "精密机械"),
            ("恒瑞", "电子科技"),
            ("云海", "软件"),
            ("金汇", "跨境电商"),
        }

        def plan(owner: str | None, team: str, level: str | None = None) -> _AccountPlan:
            data = self._company(team)
            data.update(
                source=self.weighted(
                    [
                        ("referral", 3),
                        ("event", 3),
                        ("web", 3),
                        ("cold_call", 2),
                        ("partner", 2),
                        ("advertising", 1),
                    ]
                ),
                size=rng.choice(["11-50", "51-200", "51-200", "201-1000", "201-1000", "1001-5000", "5000+"]),
                channel=self.weighted([("direct", 6), ("partner", 2), ("online", 1)]),
            )
            p = _AccountPlan(
                key=f"{DEMO_PREFIX}A{len(plans) + 1:04d}",
                name=data["name"],
                owner=owner,
                team=team,
                level=level or self.weighted([("A", 2), ("B", 4), ("C", 4)]),
                created_days_ago=rng.randint(40, 420),
                data=data,
                pool=_region_pool(team),
            )
            plans.append(p)
            return p

        for username in self.reps:
            for _ in range(rng.randint(13, 17)):
                plan(username, self.team_of[username])
        for username in MANAGERS:
            for _ in range(3):
                plan(username, self.team_of[username], level="A")
        # Public pools: names that came in straight to the pool, and customers given back.
        for teams, fresh, released in (
            (["华东销售一部", "华东销售二部"], 10, 14),
            (["华南销售一部", "华南销售二部"], 7, 9),
        ):
            for _ in range(fresh):
                p = plan(None, rng.choice(teams), level=self.weighted([("B", 1), ("C", 3)]))
                p.data["source"] = rng.choice(["event", "web", "advertising"])
                p.data["lifecycle"] = "lead"
                p.created_days_ago = rng.randint(5, 200)
            for i in range(released):
                team = teams[i % 2]
                owner = rng.choice([u for u in self.reps if self.team_of[u] == team])
                p = plan(owner, team, level=self.weighted([("B", 1), ("C", 3)]))
                # A few given back in the last week: their previous owner waits out the cool-down.
                days_ago = rng.randint(1, 6) if i < 4 else rng.randint(8, 150)
                p.created_days_ago = days_ago + rng.randint(25, 120)
                p.release = (days_ago, rng.choice(RELEASE_REASONS))
        # A few customers in each pool whose owners have gone quiet: due back soon (one already due).
        for pool, days_left in (("华东公海", [2, 2, 1, 1, -1]), ("华南公海", [2, 1, 1, -2])):
            quiet = [p for p in plans if p.owner in self.reps and p.release is None and p.pool == pool]
            for p, days in zip(rng.sample(quiet, len(days_left)), days_left, strict=True):
                p.neglect = days
                p.level = "C"
        return [*plans, *self._duplicate_plans()]

    def _duplicate_plans(self) -> list[_AccountPlan]:
        out = []
        places = {
            "上海": ("上海市", "上海市", "浦东新区"),
            "苏州": ("江苏省", "苏州市", "工业园区"),
            "杭州": ("浙江省", "杭州市", "滨江区"),
            "深圳": ("广东省", "深圳市", "南山区"),
        }
        industries = ["制造业", "电子制造", "软件和信息服务", "电子商务", "Logistics"]
        for index, (first, second, name1, name2, phone, website, country) in enumerate(DUPLICATE_PAIRS):
            province, city, district = places.get(name1[:2], ("", "Singapore", ""))
            created = self.rng.randint(60, 300)
            for j, (owner, name) in enumerate(((first, name1), (second, name2))):
                team = self.team_of[owner]
                out.append(
                    _AccountPlan(
                        key=f"{DEMO_PREFIX}P{index + 1}{'ab'[j]}",
                        name=name,
                        owner=owner,
                        team=team,
                        level="B",
                        created_days_ago=created - j * self.rng.randint(10, 40),
                        data={
                            "name": name,
                            "industry": industries[index],
                            "country": country,
                            "province": province,
                            "city": city,
                            "district": district,
                            "phone": phone,
                            "website": f"www.{website}" if j == 0 else website,
                            "email": f"info@{website}" if j == 0 else "",
                            "source": "event" if j == 0 else "web",
                            "size": "201-1000",
                            "channel": "direct",
                        },
                        pool=_region_pool(team),
                        duplicate=True,
                    )
                )
        return out

    def _create_accounts(self, plans: list[_AccountPlan]) -> list[Any]:
        from tandem.customers.models import AccountLevel
        from tandem.customers.pools import account_release
        from tandem.customers.services import account_create

        levels = {lv.code: lv for lv in AccountLevel.objects.all()}
        by_key: dict[str, Any] = {}
        for p in sorted(plans, key=lambda p: -p.created_days_ago):
            data = {
                "lifecycle": "prospect",
                **p.data,
                "external_id": p.key,
                "level": levels.get(p.level),
                "pool": self.pools[p.pool] if p.pool else None,
            }
            if p.owner is None:
                data["to_pool"] = True
            self.at(self.moment(p.created_days_ago))
            account = account_create(
                actor=self.actor(p.owner or "admin"),
                data=data,
                confirm_duplicates=True,
                tags=self._tags_for(p),
            )
            self.plan_of[account.pk] = p
            by_key[p.key] = account
            self.created["accounts"] += 1
            self._create_contacts(account, p)
        # Customers given back to the pool, in date order.
        for p in sorted((p for p in plans if p.release), key=lambda p: -(p.release or (0, ""))[0]):
            assert p.release is not None and p.owner is not None
            days_ago, reason = p.release
            self.at(self.moment(days_ago))
            by_key[p.key] = account_release(actor=self.actor(p.owner), account=by_key[p.key], reason=reason)
        return list(by_key.values())

    def _tags_for(self, p: _AccountPlan) -> list[Any]:
        names = TAGS_EN if p.team == INTL else TAGS_CN
        picked: list[str] = []
        if p.level == "A":
            picked.append(names[0])
        if self.rng.random() < 0.25:
            picked.append(self.rng.choice(names[1:]))
        return [self.tags[n] for n in dict.fromkeys(picked) if n in self.tags]

    def _person(self, chinese: bool, domain: str) -> tuple[str, str]:
        if chinese:
            surname, surname_py = self.rng.choice(SURNAMES)
            given = self.rng.sample(GIVEN, self.rng.choice([1, 2, 2]))
            name = surname + "".join(g for g, _p in given)
            email = f"{''.join(p for _g, p in given)}.{surname_py}@{domain}"
        else:
            given_name = self.rng.choice(INTL_GIVEN)
            surname_en = self.rng.choice(INTL_SURNAMES)
            name = f"{given_name} {surname_en}"
            email = f"{given_name.split()[0].lower()}.{surname_en.lower()}@{domain}"
        return name, email

    def _mobile(self, chinese: bool) -> str:
        while True:
            if chinese:
                head = self.rng.choice(["138", "139", "137", "136", "135", "186", "188", "150", "152", "177"])
                mobile = f"+86 {head} {self.rng.randint(1000, 9999)} {self.rng.randint(1000, 9999)}"
            else:
                mobile = (
                    f"+65 {self.rng.choice('89')}{self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}"
                )
            if mobile not in self.used_mobiles:
                self.used_mobiles.add(mobile)
                return mobile

    def _create_contacts(self, account: Any, p: _AccountPlan) -> None:
        from tandem.customers.services import contact_create

        chinese = account.country == "CN"
        domain = (account.website or "example.com").removeprefix("www.")
        count = {"A": 3, "B": self.rng.choice([1, 2, 2, 3]), "C": self.rng.choice([1, 1, 2])}[p.level]
        author = p.owner or "admin"
        made = []
        emails: set[str] = set()
        for title in self.rng.sample(TITLES_CN if chinese else TITLES_EN, count):
            name, email = self._person(chinese, domain)
            if email in emails:
                email = email.replace("@", f"{len(emails)}@")
            emails.add(email)
            wechat = ""
            if chinese and self.rng.random() < 0.6:
                wechat = "wx_" + email.split("@")[0].replace(".", "_")
            made.append(
                contact_create(
                    actor=self.actor(author),
                    data={
                        "name": name,
                        "account": account,
                        "title": title,
                        "mobile": self._mobile(chinese),
                        "email": email,
                        "wechat": wechat,
                    },
                    confirm_duplicates=True,
                )
            )
            self.created["contacts"] += 1
        self.contacts_of[account.pk] = made

    # leads

    def _create_leads(self, accounts: list[Any]) -> None:
        """Sixty leads, twelve in each status, assigned to the reps by their managers."""
        from tandem.activities.services import activity_create
        from tandem.customers.models import AccountLevel
        from tandem.customers.services import account_update
        from tandem.leads.services import lead_convert, lead_create, lead_update

        rng = self.rng
        statuses = ["new", "contacted", "qualified", "unqualified", "converted"]
        level_b = AccountLevel.objects.filter(code="B").first()
        for i in range(60):
            status = statuses[i % 5]
            owner = self.reps[i % len(self.reps)]
            team = self.team_of[owner]
            chinese = team != INTL
            company = self._company(team)
            person, email = self._person(chinese, company["website"].removeprefix("www."))
            created_days = {"new": rng.randint(0, 6), "contacted": rng.randint(8, 30)}.get(
                status, rng.randint(30, 200)
            )
            self.at(self.moment(created_days))
            lead = lead_create(
                actor=self.actor(ASSIGNERS.get(team, "admin")),
                data={
                    "name": person,
                    "company": company["name"],
                    "title": rng.choice(TITLES_CN if chinese else TITLES_EN),
                    "mobile": self._mobile(chinese),
                    "email": email,
                    "website": company["website"],
                    "industry": company["industry"],
                    "province": company["province"],
                    "city": company["city"],
                    "source": self.weighted(
                        [("web", 4), ("event", 3), ("advertising", 2), ("social", 2), ("referral", 1)]
                    ),
                    "external_id": f"{DEMO_PREFIX}L{i + 1:03d}",
                    "notes": "官网表单留资。" if chinese else "Came in through the website form.",
                },
                owner=self.people[owner],
                confirm_duplicates=True,
            )
            self.created["leads"] += 1
            if status == "new":
                continue
            actor = self.actor(owner)
            touched = created_days - rng.randint(1, 5)
            self.at(self.moment(touched, hour=10))
            activity_create(
                actor=actor,
                data={
                    "kind": "call",
                    "subject": "首次电话沟通" if chinese else "First call",
                    "content": (
                        f"与{person}电话沟通，对方正在评估 CRM 系统。"
                        if chinese
                        else f"Spoke with {person}; they are looking at CRM systems."
                    ),
                    "lead": lead,
                    "next_follow_up_on": (
                        self.clock.at.date() + datetime.timedelta(days=rng.randint(2, 10))
                        if status in ("contacted", "qualified")
                        else None
                    ),
                },
            )
            self.created["follow_ups"] += 1
            if status == "contacted":
                lead_update(actor=actor, lead=lead, data={"status": "contacted"})
                continue
            if status == "unqualified":
                self.at(self.moment(touched - 3))
                lead_update(
                    actor=actor,
                    lead=lead,
                    data={"status": "unqualified", "unqualified_reason": rng.choice(UNQUALIFIED_REASONS)},
                )
                continue
            self.at(self.moment(touched - 7))
            lead = lead_update(actor=actor, lead=lead, data={"status": "qualified"})
            if status == "qualified":
                continue
            self.at(self.moment(touched - 14))
            # Two leads were new people at customers the rep already had.
            into = None
            if i in (4, 29):
                into = next(
                    (
                        a
                        for a in accounts
                        if a.owner_id == self.people[owner].pk
                        and self.plan_of[a.pk].neglect is None
                        and not self.plan_of[a.pk].duplicate
                    ),
                    None,
                )
            with_deal = i % 3 != 2
            converted = lead_convert(
                actor=actor,
                lead=lead,
                account=into,
                create_deal=with_deal,
                deal_name=f"{company['name']} · CRM",
                deal_amount=Decimal(rng.choice([36_000, 48_000, 72_000, 98_000])),
                deal_expected_close_date=self.today + datetime.timedelta(days=rng.randint(20, 90)),
                confirm_duplicates=True,
            )
            self.created["deals"] += int(converted["deal"] is not None)
            self.created["contacts"] += 1
            account = converted["account"]
            if into is not None:
                self.contacts_of[account.pk].append(converted["contact"])
                continue
            key = f"{DEMO_PREFIX}L{i + 1:03d}A"
            pool = _region_pool(team)
            account = account_update(
                actor=actor,
                account=account,
                data={
                    "external_id": key,
                    "level": level_b,
                    "pool": self.pools[pool] if pool else None,
                    # A lead has no country: the rep completes the address.
                    "country": company["country"],
                    "district": company.get("district", ""),
                    "street": company["street"],
                },
                confirm_duplicates=True,
            )
            self.plan_of[account.pk] = _AccountPlan(
                key=key,
                name=account.name,
                owner=owner,
                team=team,
                level="B",
                created_days_ago=max(touched - 14, 0),
                data={},
                pool=pool,
                from_lead=True,
            )
            self.contacts_of[account.pk] = [converted["contact"]]
            accounts.append(account)
            self.created["accounts"] += 1

    # deals

    def _create_deals(self, accounts: list[Any]) -> list[_Deal]:
        from tandem.deals.models import Deal, Stage

        stages = {
            key: list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))
            for key, pipeline in self.pipelines.items()
        }
        deals = [
            _Deal(deal, (self.today - timezone.localdate(deal.created_at)).days)
            for deal in Deal.objects.filter(source_leads__isnull=False)
        ]
        for account in accounts:
            p = self.plan_of[account.pk]
            if p.owner is None or p.release or p.neglect is not None or p.duplicate or p.from_lead:
                continue
            count = {"A": self.rng.randint(3, 5), "B": self.rng.randint(2, 3), "C": self.rng.randint(1, 2)}[
                p.level
            ]
            for _ in range(count):
                deals.append(self._deal(account, p, stages, len(deals) + 1))
        return deals

    def _lines(self, chinese: bool) -> list[dict[str, Any]]:
        rng = self.rng
        rate = Decimal(1) if chinese else Decimal("0.19")  # SGD list prices from the CNY ones
        suite = self.products[self.weighted([("CRM-STD", 4), ("CRM-PRO", 4), ("CRM-ENT", 2)])]
        lines = [
            {
                "product": suite,
                "quantity": rng.choice([1, 1, 2, 3]),
                "unit_price": (suite.list_price * rate).quantize(Decimal("1")),
                "discount_percent": rng.choice([0, 0, 5, 10, 15]),
            }
        ]
        for code in rng.sample(ADD_ONS, rng.choice([0, 1, 1, 2])):
            product = self.products[code]
            lines.append(
                {
                    "product": product,
                    "quantity": rng.choice([2, 5, 10]) if code in ("SVC-IMPL", "HW-CHECKIN") else 1,
                    "unit_price": (product.list_price * rate).quantize(Decimal("1")),
                    "discount_percent": 0,
                }
            )
        return lines

    def _deal(self, account: Any, p: _AccountPlan, stages: dict[str, list[Any]], n: int) -> _Deal:
        """One deal's life: created, moved stage by stage, won, lost or still open today."""
        from tandem.deals.services import deal_create, deal_update

        rng = self.rng
        chinese = account.country == "CN"
        oldest = max(3, min(p.created_days_ago - 2, 360))  # deals come after their account
        start = rng.randint(2, oldest)
        kind = "partner" if (account.channel == "partner" or rng.random() < 0.1) else "direct"
        open_stages = [s for s in stages[kind] if s.kind == "open"]
        won = next(s for s in stages[kind] if s.kind == "won")
        lost = next(s for s in stages[kind] if s.kind == "lost")
        outcome = self.weighted([("won", 40), ("lost", 35), ("open", 25)])
        if outcome != "open" and start < 90 < oldest:
            start = rng.randint(90, oldest)  # closed deals are mostly the older ones
        if outcome == "won":
            path = [*open_stages[1:], won]
        elif outcome == "lost":
            path = [*open_stages[1 : rng.randint(1, len(open_stages))], lost]
        else:
            path = open_stages[1 : rng.randint(1, len(open_stages))]
        lines = self._lines(chinese)
        contacts = self.contacts_of.get(account.pk, [])
        roles = ["decision_maker", "influencer", "technical", "purchasing"]
        suite = lines[0]["product"]
        label = suite.name if chinese else suite.names.get("en", suite.name)
        data: dict[str, Any] = {
            "name": f"{account.name} · {label}"[:200],
            "account": account,
            "currency": "CNY" if chinese else "SGD",
            "source": account.source,
            "channel": "partner" if kind == "partner" else account.channel,
            "external_id": f"{DEMO_PREFIX}D{n:04d}",
            "next_step": rng.choice(NEXT_STEPS_CN if chinese else NEXT_STEPS_EN),
            "expected_close_date": self.today - datetime.timedelta(days=start - rng.randint(30, 120)),
        }
        # Early on the budget is often unknown: the stage guidance asks for it before Proposal.
        if rng.random() < 0.5:
            data["budget"] = Decimal(rng.choice([50_000, 80_000, 120_000, 200_000, 300_000]))
            if not chinese:
                data["budget"] = (data["budget"] * Decimal("0.19")).quantize(Decimal("1"))
        owner = self.actor(p.owner or "admin")
        self.at(self.moment(start))
        deal = deal_create(
            actor=owner,
            data=data,
            stage=open_stages[0],
            contacts=[(c, roles[i % len(roles)]) for i, c in enumerate(contacts[:2])],
            lines=lines,
        )
        self.created["deals"] += 1
        days_ago = start
        for index, target in enumerate(path):
            low, high = [(4, 18), (6, 24), (8, 28), (6, 26), (5, 20)][min(index, 4)]
            step = rng.randint(low, high)
            if days_ago - step < 1:
                break  # still in its current stage today
            days_ago -= step
            self.at(self.moment(days_ago))
            update: dict[str, Any] = {}
            required = target.required_fields or []
            # What the next stage asks for is known by the time the deal moves there.
            if "budget" in required and deal.budget is None and deal.amount is not None:
                update["budget"] = (deal.amount * Decimal("1.2")).quantize(Decimal("1"))
            if "decision_maker" in required and not deal.decision_maker:
                update["decision_maker"] = contacts[0].name if contacts else ("总经理" if chinese else "CEO")
            if target.kind == "lost":
                update["lost_reason"], update["lost_note"] = rng.choice(
                    LOST_REASONS_CN if chinese else LOST_REASONS_EN
                )
                if rng.random() < 0.7:
                    update["competitor"] = rng.choice(COMPETITORS)
            deal = deal_update(actor=owner, deal=deal, data=update, stage=target)
        overdue = deal.status == "open" and deal.expected_close_date and deal.expected_close_date < self.today
        # The rep pushes out the expected close date (a few stay overdue: the board marks them).
        if overdue and rng.random() > 0.12:
            self.at(self.moment(max(days_ago - 1, 0)))
            deal = deal_update(
                actor=owner,
                deal=deal,
                data={"expected_close_date": self.today + datetime.timedelta(days=rng.randint(5, 90))},
            )
        return _Deal(deal, start)

    # follow-ups

    def _create_follow_ups(self, accounts: list[Any], deals: list[_Deal]) -> None:
        """Bulk-create the year's follow-ups, then set every record's last and next follow-up."""
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import F

        from tandem.activities.models import Activity
        from tandem.core.models import HistoryAction, HistoryEntry
        from tandem.customers.models import Account, Contact
        from tandem.customers.services import primary_team_id
        from tandem.deals.models import Deal

        rng = self.rng
        deals_by_account: dict[int, list[Any]] = {}
        for d in deals:
            if d.deal.account_id:
                deals_by_account.setdefault(d.deal.account_id, []).append(d.deal)
        team_ids = {u: primary_team_id(self.people[u]) for u in {p.owner for p in self.plan_of.values()} if u}
        rows: list[Any] = []
        last_of: dict[int, datetime.datetime] = {}
        next_of: dict[int, datetime.date | None] = {}
        today_count: dict[str, int] = {}
        for account in accounts:
            p = self.plan_of[account.pk]
            author = p.owner
            if author is None:
                continue
            chinese = account.country == "CN"
            limit = LEVEL_DAYS.get(p.level, 30)
            # The last follow-up is recent enough that the pool rule leaves the customer alone,
            # except for the quiet ones; given-back customers were last called before the release.
            if p.release is not None:
                last_days = p.release[0] + rng.randint(3, 20)
            elif p.neglect is not None:
                last_days = limit - p.neglect
            else:
                last_days = rng.randint(0, min(limit - 8, 25))
            first_days = max(p.created_days_ago - 1, last_days)
            count = {"A": rng.randint(13, 22), "B": rng.randint(9, 15), "C": rng.randint(5, 10)}[p.level]
            if p.release is not None or p.neglect is not None:
                count = rng.randint(2, 5)
            days = sorted(
                {rng.randint(last_days, first_days) for _ in range(count - 1)} | {last_days}, reverse=True
            )
            contacts = self.contacts_of.get(account.pk, [])
            account_deals = deals_by_account.get(account.pk, [])
            # Weekends move to Friday, so two days may become one: sort the moments themselves.
            moments = sorted(
                {self.moment(day, weekdays=not (day == last_days and p.neglect is not None)) for day in days}
            )
            for index, occurred in enumerate(moments):
                is_last = index == len(moments) - 1
                next_on: datetime.date | None = occurred.date() + datetime.timedelta(days=rng.randint(3, 14))
                if is_last:
                    if p.release is not None:
                        next_of[account.pk] = None
                    elif p.neglect is not None:
                        next_of[account.pk] = next_on
                    else:
                        # Overdue, today, later, or nothing planned; every rep has some for today.
                        if today_count.get(author, 0) < 2:
                            choice = "today"
                        else:
                            choice = self.weighted([("overdue", 2), ("today", 1), ("later", 6), ("none", 1)])
                        if choice == "today":
                            today_count[author] = today_count.get(author, 0) + 1
                        next_on = {
                            "overdue": self.today - datetime.timedelta(days=rng.randint(1, 8)),
                            "today": self.today,
                            "later": self.today + datetime.timedelta(days=rng.randint(1, 20)),
                            "none": None,
                        }[choice]
                        if next_on is not None and next_on < occurred.date():
                            next_on = occurred.date()
                        next_of[account.pk] = next_on
                    last_of[account.pk] = occurred
                kind = self.weighted(KIND_WEIGHTS)
                contact = rng.choice(contacts) if contacts and kind != "note" else None
                open_then = [
                    d
                    for d in account_deals
                    if d.created_at <= occurred and (d.closed_on is None or d.closed_on >= occurred.date())
                ]
                deal = rng.choice(open_then) if open_then and rng.random() < 0.6 else None
                subject, content = self._follow_up_text(kind, chinese, contact, deal)
                rows.append(
                    Activity(
                        kind=kind,
                        subject=subject,
                        content=content,
                        occurred_at=occurred,
                        author=self.people[author],
                        team_id=team_ids.get(author),
                        account=account,
                        contact=contact,
                        deal=deal,
                        next_follow_up_on=next_on,
                    )
                )
        Activity.objects.bulk_create(rows, batch_size=500)
        self.created["follow_ups"] += len(rows)
        ids = [r.pk for r in rows]
        # Written when they happened (bulk_create stamps them now), with their history entries.
        Activity.objects.filter(pk__in=ids).update(created_at=F("occurred_at"), updated_at=F("occurred_at"))
        content_type = ContentType.objects.get_for_model(Activity)
        HistoryEntry.objects.bulk_create(
            [
                HistoryEntry(
                    content_type=content_type,
                    object_id=r.pk,
                    object_repr=str(r)[:300],
                    action=HistoryAction.CREATE,
                    actor=r.author,
                    at=r.occurred_at,
                    changes={"kind": [None, r.kind], "subject": [None, r.subject]},
                )
                for r in rows
            ],
            batch_size=500,
        )
        # Last and next follow-up of accounts, contacts and deals, from the follow-ups themselves.
        updated = []
        for account in accounts:
            if account.pk in last_of:
                account.last_follow_up_at = last_of[account.pk]
                account.next_follow_up_on = next_of.get(account.pk)
                updated.append(account)
        Account.all_objects.bulk_update(updated, ["last_follow_up_at", "next_follow_up_on"], batch_size=500)
        contact_last: dict[int, datetime.datetime] = {}
        deal_last: dict[int, tuple[datetime.datetime, datetime.date | None]] = {}
        for r in rows:
            if r.contact_id and (
                r.contact_id not in contact_last or r.occurred_at > contact_last[r.contact_id]
            ):
                contact_last[r.contact_id] = r.occurred_at
            if r.deal_id and (r.deal_id not in deal_last or r.occurred_at > deal_last[r.deal_id][0]):
                deal_last[r.deal_id] = (r.occurred_at, r.next_follow_up_on)
        contacts = list(Contact.all_objects.filter(pk__in=list(contact_last)))
        for c in contacts:
            c.last_follow_up_at = contact_last[c.pk]
        Contact.all_objects.bulk_update(contacts, ["last_follow_up_at"], batch_size=500)
        deal_rows = list(Deal.all_objects.filter(pk__in=list(deal_last)))
        for row in deal_rows:
            row.last_follow_up_at, next_on = deal_last[row.pk]
            row.next_follow_up_on = next_on if row.status == "open" else None
        Deal.all_objects.bulk_update(deal_rows, ["last_follow_up_at", "next_follow_up_on"], batch_size=500)

    def _follow_up_text(self, kind: str, chinese: bool, contact: Any, deal: Any) -> tuple[str, str]:
        rng = self.rng
        subject, content = rng.choice((FOLLOW_UPS_CN if chinese else FOLLOW_UPS_EN)[kind])
        values = {
            "contact": contact.name if contact is not None else ("客户" if chinese else "the customer"),
            "topic": rng.choice(TOPICS_CN if chinese else TOPICS_EN),
            "ask": rng.choice(ASKS_CN if chinese else ASKS_EN),
            "product": deal.name.split(" · ")[-1] if deal is not None else "Tandem CRM",
        }
        return subject, content.format(**values)

    # lifecycles

    def _lifecycles(self) -> None:
        """Customers with several won deals are loyal; a few whose last win is long past have churned."""
        from django.db.models import Count, Max, Q

        from tandem.customers.models import Account
        from tandem.customers.services import account_set_lifecycle

        rows = (
            Account.objects.filter(external_id__startswith=DEMO_PREFIX, owner__isnull=False)
            .select_related("owner")
            .annotate(
                won=Count("deals", filter=Q(deals__status="won")),
                open=Count("deals", filter=Q(deals__status="open")),
                last_won=Max("deals__closed_on", filter=Q(deals__status="won")),
            )
            .filter(won__gte=1)
            .order_by("pk")
        )
        churn_before = self.today - datetime.timedelta(days=240)
        churned = 0
        with simulated_time(self.clock):
            for account in rows:
                stage = None
                if account.won >= 2:
                    stage = "loyal"
                elif (
                    account.open == 0 and account.last_won and account.last_won < churn_before and churned < 6
                ):
                    stage = "churned"
                    churned += 1
                if stage and account.lifecycle != stage:
                    self.at(self.moment(self.rng.randint(1, 30)))
                    account_set_lifecycle(
                        actor=self.actor(account.owner.username), account=account, stage=stage
                    )
