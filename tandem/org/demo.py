"""The demo company "Tandem Demo Co.": built by `tandem seed-demo`, its logins printed by `make run`.

``seed_demo`` builds a bilingual sales organisation of about thirty people through the
organisation's services (so every record has its history, written by the demo administrator):

    Tandem Demo Co. (陈建国, sales director)
    ├── 华东大区 East China (李志强)
    │   ├── 华东销售一部 (王磊) ── 王小明, 张伟, 刘洋, 赵敏
    │   └── 华东销售二部 (孙丽) ── 周杰, 吴婷, 郑浩
    ├── 华南大区 South China (黄俊)
    │   ├── 华南销售一部 (林芳) ── 何静, 郭强 (also in Singapore), 马超
    │   └── 华南销售二部 (罗斌) ── 梁晨, 谢雨, 宋洁   (蒋涛 left: 离职继承 to 罗斌)
    ├── 客户管理部 Account Management (许晴) ── 韩雪, 冯涛
    ├── 技术支持部 Technical Support (曹阳) ── 彭亮, 董洁
    └── International Sales (Singapore) (Rachel Tan) ── Daniel Lim, Priya Nair, Marcus Wong
    Grace Lin: sales operations, the administrator

Re-running is safe: people are found by username, teams by name and positions by title, and
only what is missing is created. ``if_empty=True`` does nothing when the database already has
people other than superusers (see ``database_has_people``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

DEMO_PASSWORD = "tandem-demo"

# One login per role, printed by `make run` (tandem serve) and by `tandem seed-demo`.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "Administrator (Grace Lin)"),
    ("director", "Sales director (陈建国)"),
    ("manager", "Sales manager, 华东销售一部 (王磊)"),
    ("rep", "Sales rep, 华东销售一部 (王小明)"),
    ("am", "Account manager (许晴)"),
    ("support", "Technical support (曹阳)"),
]

COMPANY = "Tandem Demo Co."
EMAIL_DOMAIN = "demo-co.example.com"

# --- Positions and their job descriptions (岗位说明) ----------------------------------------
# Written in both languages: the demo company works in Chinese and in English.


@dataclass(frozen=True)
class PositionSpec:
    key: str
    title: str
    reports_to: str | None
    summary: str
    responsibilities: str
    required_skills: str
    performance_standards: str


POSITIONS: list[PositionSpec] = [
    PositionSpec(
        key="director",
        title="销售总监 / Sales Director",
        reports_to=None,
        summary=(
            "对公司整体销售业绩和销售团队建设负责：制定销售战略、渠道策略和年度目标，带领各大区达成目标。\n"
            "Owns the company's sales results and the sales organisation: sets strategy, channels and "
            "annual targets, and leads the regions to meet them."
        ),
        responsibilities=(
            "- 制定年度销售战略与目标，并分解到大区、团队和个人\n"
            "- 每周审阅各团队的销售漏斗、销售预测与完成率，主持销售例会\n"
            "- 确定重点客户与渠道策略，审批超出经理权限的折扣与合同\n"
            "- 培养大区经理，组织季度绩效考核与人才盘点\n"
            "\n"
            "- Set the annual sales strategy and targets; break them down by region, team and person\n"
            "- Review every team's pipeline, forecast and attainment weekly; chair the sales meeting\n"
            "- Decide key-account and channel strategy; approve discounts and contracts beyond a "
            "manager's limit\n"
            "- Develop the regional managers; run the quarterly performance and talent reviews"
        ),
        required_skills=(
            "- 10 年以上 B2B 销售经验，其中 5 年以上团队管理经验\n"
            "- 熟悉解决方案式销售与大客户销售方法，能读懂财务与经营数据\n"
            "- 中英文沟通流利，能与海外团队和客户协作\n"
            "\n"
            "- 10+ years of B2B sales, 5+ of them leading sales teams\n"
            "- Solution and key-account selling; reads financial and operating figures fluently\n"
            "- Fluent Chinese and English; works with the international team and its customers"
        ),
        performance_standards=(
            "- 年度销售额目标完成率 ≥ 100%\n"
            "- 回款率 ≥ 95%\n"
            "- 季度销售预测偏差 ≤ ±10%\n"
            "- 核心人员年流失率 ≤ 10%\n"
            "\n"
            "- Annual bookings attainment ≥ 100%\n"
            "- Collections ≥ 95% of invoiced amount\n"
            "- Quarterly forecast within ±10% of actual bookings\n"
            "- Regretted attrition ≤ 10% a year"
        ),
    ),
    PositionSpec(
        key="region",
        title="大区经理 / Regional Sales Manager",
        reports_to="director",
        summary=(
            "负责一个大区的销售目标、团队和重点客户，协调区域内各销售团队的资源与节奏。\n"
            "Runs one region's targets, teams and key accounts, and balances people and leads across "
            "the region's sales teams."
        ),
        responsibilities=(
            "- 将大区目标分解到各销售团队，跟踪月度完成率与回款\n"
            "- 每周与各销售经理一对一复盘漏斗和重点商机\n"
            "- 亲自参与区域内百万级以上商机的谈判\n"
            "- 评估并培养销售经理，提出晋升与调岗建议\n"
            "\n"
            "- Split the regional target across the sales teams; track monthly attainment and collections\n"
            "- Hold a weekly one-to-one pipeline review with each sales manager\n"
            "- Join negotiations on the region's deals above ¥1,000,000\n"
            "- Assess and coach the sales managers; propose promotions and moves"
        ),
        required_skills=(
            "- 8 年以上销售经验，3 年以上带领多个团队\n"
            "- 区域市场与行业客户洞察，善于资源协调\n"
            "- 数据驱动：熟练使用 CRM 报表分析漏斗与转化率\n"
            "\n"
            "- 8+ years in sales, 3+ leading several teams\n"
            "- Knows the regional market and its industries; coordinates resources well\n"
            "- Data-driven: reads CRM funnel and conversion reports without help"
        ),
        performance_standards=(
            "- 大区销售额完成率 ≥ 100%\n"
            "- 大区回款率 ≥ 95%\n"
            "- 商机赢单率 ≥ 30%\n"
            "- 下属团队目标达成团队占比 ≥ 75%\n"
            "\n"
            "- Regional bookings attainment ≥ 100%\n"
            "- Regional collections ≥ 95%\n"
            "- Deal win rate ≥ 30%\n"
            "- At least 3 in 4 of the region's teams at or above target"
        ),
    ),
    PositionSpec(
        key="manager",
        title="销售经理 / Sales Manager",
        reports_to="region",
        summary=(
            "带领 3–5 名销售代表完成团队目标：分配线索、辅导成交、审批折扣、主持周会。\n"
            "Leads a team of 3–5 sales reps to its target: assigns leads, coaches deals, approves "
            "discounts and runs the weekly meeting."
        ),
        responsibilities=(
            "- 每天分配新线索，48 小时内确认跟进情况\n"
            "- 主持每周团队例会：复盘漏斗、商机推进和行动项\n"
            "- 陪访重点客户，辅导销售代表的谈判与方案\n"
            "- 审阅日报与周报，每月为每位代表做一次一对一辅导\n"
            "- 审批权限内的折扣与报价\n"
            "\n"
            "- Assign new leads daily and confirm follow-up within 48 hours\n"
            "- Run the weekly team meeting: pipeline, deal progress and action items\n"
            "- Join key customer visits; coach reps on negotiation and proposals\n"
            "- Review daily and weekly reports; a monthly one-to-one with every rep\n"
            "- Approve discounts and quotes within the manager's limit"
        ),
        required_skills=(
            "- 5 年以上销售经验，1 年以上带团队经验\n"
            "- 熟悉顾问式销售与商务谈判\n"
            "- 善于辅导与激励，能给出及时、具体的反馈\n"
            "\n"
            "- 5+ years in sales, 1+ leading a team\n"
            "- Consultative selling and commercial negotiation\n"
            "- Coaches and motivates; gives timely, specific feedback"
        ),
        performance_standards=(
            "- 团队销售额完成率 ≥ 100%\n"
            "- 团队回款率 ≥ 95%\n"
            "- 新线索 48 小时跟进率 ≥ 90%\n"
            "- 团队成员目标达成率中位数 ≥ 90%\n"
            "\n"
            "- Team bookings attainment ≥ 100%\n"
            "- Team collections ≥ 95%\n"
            "- ≥ 90% of new leads followed up within 48 hours\n"
            "- Median rep attainment ≥ 90%"
        ),
    ),
    PositionSpec(
        key="rep",
        title="销售代表 / Sales Representative",
        reports_to="manager",
        summary=(
            "开发并跟进客户，推进商机直至签约回款：从公海领取客户、记录跟进、拜访客户、写日报。\n"
            "Finds and works customers through to signed, paid contracts: claims from the public pool, "
            "logs follow-ups, visits customers and writes the daily report."
        ),
        responsibilities=(
            "- 从公海领取客户和线索，24 小时内首次联系\n"
            "- 每次沟通后填写跟进记录，并约定下次跟进时间\n"
            "- 推进商机阶段，准备报价与合同，跟进回款\n"
            "- 签约后按清单把客户交接给客户经理\n"
            "- 每天提交日报，每周提交周报与下周计划\n"
            "\n"
            "- Claim customers and leads from the public pool; first contact within 24 hours\n"
            "- Log a follow-up record after every conversation, with the next follow-up date\n"
            "- Move deals through the stages; prepare quotes and contracts; chase payment\n"
            "- Hand won customers to an account manager with the handoff checklist\n"
            "- Submit the daily report, and the weekly report with next week's plan"
        ),
        required_skills=(
            "- 1 年以上 B2B 销售或客户服务经验\n"
            "- 表达清晰，善于倾听和挖掘客户需求\n"
            "- 熟练使用 CRM 与办公软件；能适应外勤拜访\n"
            "\n"
            "- 1+ year in B2B sales or customer service\n"
            "- Speaks clearly; listens and uncovers customer needs\n"
            "- At home in a CRM and office tools; happy to visit customers in the field"
        ),
        performance_standards=(
            "- 个人销售额完成率 ≥ 100%\n"
            "- 回款率 ≥ 95%\n"
            "- 每周有效跟进 ≥ 25 次，客户拜访 ≥ 5 次\n"
            "- 公海领取客户 30 天内跟进率 100%\n"
            "\n"
            "- Personal bookings attainment ≥ 100%\n"
            "- Collections ≥ 95%\n"
            "- ≥ 25 follow-ups and ≥ 5 customer visits a week\n"
            "- Every customer claimed from the pool followed up within 30 days"
        ),
    ),
    PositionSpec(
        key="intl_manager",
        title="国际销售经理 / International Sales Manager",
        reports_to="director",
        summary=(
            "负责新加坡及东南亚市场的销售团队与目标，对接总部的产品与技术支持。\n"
            "Leads the Singapore team and its South-East Asia targets, and works with head office on "
            "product and technical support."
        ),
        responsibilities=(
            "- 制定东南亚市场进入与渠道计划，发展当地合作伙伴\n"
            "- 带领新加坡销售团队，分配线索并主持周会\n"
            "- 与国内团队协作服务跨境客户，统一报价与合同口径\n"
            "\n"
            "- Plan market entry and channels for South-East Asia; recruit local partners\n"
            "- Lead the Singapore sales team: assign leads and run the weekly meeting\n"
            "- Serve cross-border customers with the China teams, with one price list and contract"
        ),
        required_skills=(
            "- 6 年以上东南亚 B2B 销售经验\n"
            "- 英语流利，中文能进行商务沟通\n"
            "- 熟悉渠道与合作伙伴销售模式\n"
            "\n"
            "- 6+ years of B2B sales in South-East Asia\n"
            "- Fluent English; business-level Chinese\n"
            "- Partner and channel selling"
        ),
        performance_standards=(
            "- 国际销售额完成率 ≥ 100%\n"
            "- 渠道贡献销售额占比 ≥ 30%\n"
            "- 回款率 ≥ 95%\n"
            "\n"
            "- International bookings attainment ≥ 100%\n"
            "- ≥ 30% of bookings through partners\n"
            "- Collections ≥ 95%"
        ),
    ),
    PositionSpec(
        key="am",
        title="客户经理 / Account Manager",
        reports_to="director",
        summary=(
            "接收销售交接的已签约客户，保持客户健康、推动续约与增购，定期回访并做满意度调查。\n"
            "Takes over won customers from sales, keeps them healthy, renews and grows them, and runs "
            "regular check-in visits and satisfaction surveys."
        ),
        responsibilities=(
            "- 3 个工作日内接受或退回销售交接，并完成首次回访\n"
            "- 每季度回访每个客户，记录客户健康度与风险\n"
            "- 到期前 90 天启动续约，发现增购机会并转给销售\n"
            "- 每半年发起满意度调查（CSAT / NPS），跟进低分客户\n"
            "\n"
            "- Accept or return a sales handoff within 3 working days, and make the first check-in\n"
            "- Visit every customer each quarter; record health and risks\n"
            "- Start renewals 90 days before expiry; pass expansion opportunities to sales\n"
            "- Send a CSAT / NPS survey every six months and follow up every low score"
        ),
        required_skills=(
            "- 3 年以上客户成功或大客户管理经验\n"
            "- 擅长建立长期关系，能协调销售与技术支持\n"
            "- 了解产品实施流程与合同续约条款\n"
            "\n"
            "- 3+ years in customer success or account management\n"
            "- Builds lasting relationships; brings sales and support together\n"
            "- Knows the implementation process and renewal terms"
        ),
        performance_standards=(
            "- 续约率 ≥ 90%，净收入留存率 ≥ 105%\n"
            "- 客户满意度（CSAT）≥ 4.5 / 5\n"
            "- 季度回访覆盖率 100%\n"
            "\n"
            "- Renewal rate ≥ 90%; net revenue retention ≥ 105%\n"
            "- Customer satisfaction (CSAT) ≥ 4.5 / 5\n"
            "- Every customer visited each quarter"
        ),
    ),
    PositionSpec(
        key="support",
        title="技术支持工程师 / Technical Support Engineer",
        reports_to="director",
        summary=(
            "负责签约客户的实施交付与售后服务：接收实施交接和服务工单，在 SLA 内响应并解决。\n"
            "Delivers implementation and after-sales service: receives implementation handoffs and "
            "service tickets and answers them within the SLA."
        ),
        responsibilities=(
            "- 接收实施交接，按计划完成部署、培训与验收\n"
            "- 处理服务工单：P1 在 1 小时内响应，P2 在 4 小时内响应\n"
            "- 记录解决方案，沉淀到知识库\n"
            "- 支持售前演示与技术答疑\n"
            "\n"
            "- Take implementation handoffs; deploy, train and get sign-off on schedule\n"
            "- Work service tickets: respond to P1 within 1 hour and P2 within 4 hours\n"
            "- Write up every solution in the knowledge base\n"
            "- Support pre-sales demos and technical questions"
        ),
        required_skills=(
            "- 计算机或相关专业，2 年以上 SaaS 实施或技术支持经验\n"
            "- 熟悉网络、数据库与系统集成（API）\n"
            "- 耐心细致，能用客户听得懂的语言解释技术问题\n"
            "\n"
            "- Degree in computing or similar; 2+ years of SaaS implementation or support\n"
            "- Networks, databases and system integration (APIs)\n"
            "- Patient and precise; explains technical issues in the customer's words"
        ),
        performance_standards=(
            "- 工单 SLA 达成率 ≥ 95%\n"
            "- 首次解决率 ≥ 70%\n"
            "- 实施项目按期验收率 ≥ 90%\n"
            "- 服务满意度 ≥ 4.6 / 5\n"
            "\n"
            "- ≥ 95% of tickets within SLA\n"
            "- First-contact resolution ≥ 70%\n"
            "- ≥ 90% of implementations signed off on time\n"
            "- Service satisfaction ≥ 4.6 / 5"
        ),
    ),
    PositionSpec(
        key="ops",
        title="销售运营管理员 / Sales Operations Administrator",
        reports_to="director",
        summary=(
            "维护 Tandem 的组织架构、岗位、角色与数据权限，管理公海规则、销售流程和数据导入。\n"
            "Keeps Tandem's organisation, positions, roles and data scopes right, and runs the public "
            "pool rules, pipelines and data imports."
        ),
        responsibilities=(
            "- 人员入职、调岗、离职时维护组织架构与在职/离职继承\n"
            "- 维护角色与数据权限，每季度做一次权限复核\n"
            "- 配置公海规则与销售流程，组织数据导入与清洗\n"
            "- 每周向销售总监提供销售数据报表\n"
            "\n"
            "- Keep the org chart right as people join, move and leave, including transfers\n"
            "- Maintain roles and data scopes; review access every quarter\n"
            "- Configure pool rules and pipelines; run data imports and clean-ups\n"
            "- Send the sales director the weekly sales figures"
        ),
        required_skills=(
            "- 2 年以上销售运营或 CRM 管理经验\n"
            "- 熟练使用 Excel 与数据分析工具\n"
            "- 严谨，重视数据安全与权限\n"
            "\n"
            "- 2+ years in sales operations or CRM administration\n"
            "- Strong with spreadsheets and reporting tools\n"
            "- Careful with data security and access"
        ),
        performance_standards=(
            "- 组织与权限变更 1 个工作日内完成\n"
            "- 客户数据重复率 ≤ 2%\n"
            "- 报表按时交付率 100%\n"
            "\n"
            "- Organisation and access changes done within 1 working day\n"
            "- Duplicate customer records ≤ 2%\n"
            "- Every report delivered on time"
        ),
    ),
]

# --- Teams ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    name: str  # the stored name, which the demo's people, pools and accounts refer to
    parent: str | None
    leader: str | None
    description: str
    other: str = ""  # the name in the other language (core.naming)

    @property
    def names(self) -> dict[str, str]:
        if _CJK.search(self.name):
            return {"zh-hans": self.name, "en": self.other or self.name}
        return {"en": self.name, "zh-hans": self.other or self.name}


TEAMS: list[TeamSpec] = [
    TeamSpec(
        COMPANY,
        None,
        "director",
        "Tandem 演示公司：总部上海，服务华东、华南与东南亚的企业客户。\n"
        "The demo company: head office in Shanghai, selling to businesses in East and South China "
        "and South-East Asia.",
        "Tandem 演示公司",
    ),
    TeamSpec(
        "华东大区",
        COMPANY,
        "li.zhiqiang",
        "华东大区：上海、江苏、浙江、安徽。\nEast China region: Shanghai, Jiangsu, Zhejiang and Anhui.",
        "East China region",
    ),
    TeamSpec(
        "华东销售一部",
        "华东大区",
        "manager",
        "上海及周边的制造业与零售客户。\nManufacturing and retail customers in and around Shanghai.",
        "East China Sales 1",
    ),
    TeamSpec(
        "华东销售二部",
        "华东大区",
        "sun.li",
        "江苏、浙江的中小企业客户。\nSmall and mid-sized businesses in Jiangsu and Zhejiang.",
        "East China Sales 2",
    ),
    TeamSpec(
        "华南大区",
        COMPANY,
        "huang.jun",
        "华南大区：广东、福建、广西、海南。\nSouth China region: Guangdong, Fujian, Guangxi and Hainan.",
        "South China region",
    ),
    TeamSpec(
        "华南销售一部",
        "华南大区",
        "lin.fang",
        "广州、深圳的科技与外贸企业客户。\nTechnology and export companies in Guangzhou and Shenzhen.",
        "South China Sales 1",
    ),
    TeamSpec(
        "华南销售二部",
        "华南大区",
        # 蒋涛 led the team until he left; the departure transfer (离职继承) hands it to 罗斌.
        "jiang.tao",
        "福建、广西、海南的渠道与直销客户。\nDirect and partner customers in Fujian, Guangxi and Hainan.",
        "South China Sales 2",
    ),
    TeamSpec(
        "客户管理部",
        COMPANY,
        "am",
        "客户管理部：接收已签约客户，负责续约、增购与满意度。\n"
        "Account management: looks after won customers, renewals, expansion and satisfaction.",
        "Account Management",
    ),
    TeamSpec(
        "技术支持部",
        COMPANY,
        "support",
        "技术支持部：实施交付与售后工单。\nTechnical support: implementation and service tickets.",
        "Technical Support",
    ),
    TeamSpec(
        "International Sales (Singapore)",
        COMPANY,
        "rachel.tan",
        "Singapore office: customers in Singapore, Malaysia and Indonesia.\n"
        "新加坡办公室：负责新加坡、马来西亚和印度尼西亚客户。",
        "国际销售部（新加坡）",
    ),
]

# --- People -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    username: str
    display_name: str
    phone: str
    position: str
    role: str
    team: str
    manager: str | None = None
    other_teams: tuple[str, ...] = ()
    language: str = "zh-hans"
    time_zone: str = "Asia/Shanghai"


# Managers come before the people who report to them.
PEOPLE: list[PersonSpec] = [
    PersonSpec("director", "陈建国", "+86 138 0013 8000", "director", "sales-director", COMPANY),
    PersonSpec(
        "li.zhiqiang", "李志强", "+86 139 1762 0101", "region", "sales-manager", "华东大区", "director"
    ),
    PersonSpec("huang.jun", "黄俊", "+86 137 2855 0102", "region", "sales-manager", "华南大区", "director"),
    PersonSpec(
        "manager", "王磊", "+86 138 1625 0201", "manager", "sales-manager", "华东销售一部", "li.zhiqiang"
    ),
    PersonSpec("rep", "王小明", "+86 138 1625 0211", "rep", "sales-rep", "华东销售一部", "manager"),
    PersonSpec("zhang.wei", "张伟", "+86 139 0172 0212", "rep", "sales-rep", "华东销售一部", "manager"),
    PersonSpec("liu.yang", "刘洋", "+86 136 5188 0213", "rep", "sales-rep", "华东销售一部", "manager"),
    PersonSpec("zhao.min", "赵敏", "+86 135 2160 0214", "rep", "sales-rep", "华东销售一部", "manager"),
    PersonSpec(
        "sun.li", "孙丽", "+86 138 5170 0301", "manager", "sales-manager", "华东销售二部", "li.zhiqiang"
    ),
    PersonSpec("zhou.jie", "周杰", "+86 139 5171 0311", "rep", "sales-rep", "华东销售二部", "sun.li"),
    PersonSpec("wu.ting", "吴婷", "+86 137 5710 0312", "rep", "sales-rep", "华东销售二部", "sun.li"),
    PersonSpec("zheng.hao", "郑浩", "+86 136 5712 0313", "rep", "sales-rep", "华东销售二部", "sun.li"),
    PersonSpec(
        "lin.fang", "林芳", "+86 138 2600 0401", "manager", "sales-manager", "华南销售一部", "huang.jun"
    ),
    PersonSpec("he.jing", "何静", "+86 139 2601 0411", "rep", "sales-rep", "华南销售一部", "lin.fang"),
    # The rep in two teams: also covers Chinese-speaking customers of the Singapore office.
    PersonSpec(
        "guo.qiang",
        "郭强",
        "+86 137 5502 0412",
        "rep",
        "sales-rep",
        "华南销售一部",
        "lin.fang",
        other_teams=("International Sales (Singapore)",),
    ),
    PersonSpec("ma.chao", "马超", "+86 135 5503 0413", "rep", "sales-rep", "华南销售一部", "lin.fang"),
    PersonSpec(
        "luo.bin", "罗斌", "+86 138 5910 0501", "manager", "sales-manager", "华南销售二部", "huang.jun"
    ),
    # 蒋涛 managed 华南销售二部 and has left; his reports and his team moved to 罗斌.
    PersonSpec(
        "jiang.tao", "蒋涛", "+86 139 5911 0500", "manager", "sales-manager", "华南销售二部", "huang.jun"
    ),
    PersonSpec("liang.chen", "梁晨", "+86 137 5912 0511", "rep", "sales-rep", "华南销售二部", "jiang.tao"),
    PersonSpec("xie.yu", "谢雨", "+86 136 5913 0512", "rep", "sales-rep", "华南销售二部", "jiang.tao"),
    PersonSpec("song.jie", "宋洁", "+86 135 5914 0513", "rep", "sales-rep", "华南销售二部", "jiang.tao"),
    PersonSpec("am", "许晴", "+86 138 1626 0601", "am", "account-manager", "客户管理部", "director"),
    PersonSpec("han.xue", "韩雪", "+86 139 1627 0602", "am", "account-manager", "客户管理部", "am"),
    PersonSpec("feng.tao", "冯涛", "+86 137 2856 0603", "am", "account-manager", "客户管理部", "am"),
    PersonSpec(
        "support", "曹阳", "+86 138 1628 0701", "support", "technical-support", "技术支持部", "director"
    ),
    PersonSpec(
        "peng.liang", "彭亮", "+86 139 1629 0702", "support", "technical-support", "技术支持部", "support"
    ),
    PersonSpec(
        "dong.jie", "董洁", "+86 136 2857 0703", "support", "technical-support", "技术支持部", "support"
    ),
    PersonSpec(
        "rachel.tan",
        "Rachel Tan",
        "+65 9123 4801",
        "intl_manager",
        "sales-manager",
        "International Sales (Singapore)",
        "director",
        language="en",
        time_zone="Asia/Singapore",
    ),
    PersonSpec(
        "daniel.lim",
        "Daniel Lim",
        "+65 9123 4811",
        "rep",
        "sales-rep",
        "International Sales (Singapore)",
        "rachel.tan",
        language="en",
        time_zone="Asia/Singapore",
    ),
    PersonSpec(
        "priya.nair",
        "Priya Nair",
        "+65 8234 4812",
        "rep",
        "sales-rep",
        "International Sales (Singapore)",
        "rachel.tan",
        language="en",
        time_zone="Asia/Singapore",
    ),
    PersonSpec(
        "marcus.wong",
        "Marcus Wong",
        "+65 9345 4813",
        "rep",
        "sales-rep",
        "International Sales (Singapore)",
        "rachel.tan",
        language="en",
        time_zone="Asia/Singapore",
    ),
]

# The administrator is created first (someone has to be allowed to create everyone else).
ADMIN = PersonSpec(
    "admin", "Grace Lin", "+86 138 1620 0001", "ops", "administrator", COMPANY, "director", language="en"
)

# The departure (离职继承) that gives the transfers log its first entry.
DEPARTED = "jiang.tao"
SUCCESSOR = "luo.bin"
DEPARTURE_REASON = (
    "离职，团队与直属下属交接给罗斌。 Left the company; team and direct reports handed to 罗斌."
)


@dataclass
class SeedResult:
    """What ``seed_demo`` did, for the command's summary."""

    skipped: bool = False
    created: dict[str, int] = field(default_factory=lambda: {"people": 0, "teams": 0, "positions": 0})
    totals: dict[str, int] = field(default_factory=dict)


def in_two_languages(text: str) -> tuple[str, dict[str, str]]:
    """A demo name written "中文 / English": the Chinese name, and its name in each language
    (``core.naming``)."""
    chinese, _sep, english = text.partition(" / ")
    return chinese, {"zh-hans": chinese, "en": english or chinese}


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def by_language(text: str) -> dict[str, str]:
    """Demo text written as a Chinese block and an English one (a line each, or paragraphs
    apart): each language's own, so a reader gets one language, not both after each other."""
    blocks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    found: dict[str, list[str]] = {"zh-hans": [], "en": []}
    for block in blocks:
        if block.strip():
            chinese = len(_CJK.findall(block)) * 3 >= len(_LATIN.findall(block))
            found["zh-hans" if chinese else "en"].append(block.strip())
    return {code: "\n".join(parts) for code, parts in found.items() if parts}


def position_data(p: PositionSpec) -> dict[str, Any]:
    """A demo position's job description, in each language; the shared text is the Chinese one."""
    parts = ("summary", "responsibilities", "required_skills", "performance_standards")
    split = {part: by_language(getattr(p, part)) for part in parts}
    descriptions = {code: {part: split[part].get(code, "") for part in parts} for code in ("zh-hans", "en")}
    shared = {part: split[part].get("zh-hans") or getattr(p, part) for part in parts}
    return {**shared, "descriptions": descriptions}


def database_has_people() -> bool:
    """True when anyone other than a superuser exists.

    A superuser made by hand (``tandem createsuperuser``) on a fresh install does not count: the
    demo company is still added beside them. Any other person means the database is in use, and
    ``seed-demo --if-empty`` leaves it alone.
    """
    from tandem.org.models import User

    return User.objects.filter(is_superuser=False).exists()


def seed_demo(*, if_empty: bool = False) -> SeedResult:
    """Build the demo company, or only what is missing of it; see the module docstring."""
    if if_empty and database_has_people():
        return SeedResult(skipped=True, totals=_totals())
    result = SeedResult()
    with transaction.atomic():
        _build(result)
    result.totals = _totals()
    return result


def _totals() -> dict[str, int]:
    from tandem.org.models import PersonTransfer, Position, Team, User

    return {
        "people": User.objects.filter(is_active=True).count(),
        "deactivated": User.objects.filter(is_active=False).count(),
        "teams": Team.objects.count(),
        "positions": Position.objects.count(),
        "transfers": PersonTransfer.objects.count(),
    }


def _bootstrap_admin(result: SeedResult) -> Any:
    """The demo administrator: an ordinary person with the administrator role, not a superuser.

    The services check the access policy, so the first administrator cannot be made through
    them; it is the one record written here directly (its history entry has no actor).
    """
    from tandem.core import history
    from tandem.core.phones import normalize_phone
    from tandem.org.models import Role, User
    from tandem.org.roles import ADMIN as ADMIN_ROLE

    admin_role = Role.objects.filter(code=ADMIN_ROLE).first()
    if admin_role is None:
        raise ImproperlyConfigured("The built-in roles are missing: run `tandem migrate` first.")
    admin = User.objects.filter(username=ADMIN.username).first()
    if admin is None:
        admin = User(
            username=ADMIN.username,
            display_name=ADMIN.display_name,
            email=f"{ADMIN.username}@{EMAIL_DOMAIN}",
            phone=normalize_phone(ADMIN.phone) or "",
            language=ADMIN.language,
            time_zone=ADMIN.time_zone,
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        admin.roles.add(admin_role)
        history.record_create(actor=None, obj=admin, message="tandem seed-demo")
        result.created["people"] += 1
    elif not (admin.is_superuser or admin.roles.filter(is_admin=True).exists()):
        raise ImproperlyConfigured(
            f"A person called {ADMIN.username!r} exists and is not an administrator; "
            "the demo company cannot be added to this database."
        )
    return admin


def _build(result: SeedResult) -> None:
    from tandem.core.access import Actor
    from tandem.org import services
    from tandem.org.models import Position, Role, Team, User

    admin = _bootstrap_admin(result)
    actor = Actor.for_user(admin)

    positions: dict[str, Position] = {}
    for p in POSITIONS:
        chinese, names = in_two_languages(p.title)
        position = Position.objects.filter(title__in=[chinese, p.title]).first()
        if position is None:
            position = services.position_create(
                actor=actor,
                data={
                    "title": chinese,
                    "names": names,
                    **position_data(p),
                    "reports_to": positions[p.reports_to] if p.reports_to else None,
                },
            )
            result.created["positions"] += 1
        positions[p.key] = position

    teams: dict[str, Team] = {}
    for t in TEAMS:
        team = Team.objects.filter(name=t.name).first()
        if team is None:
            team = services.team_create(
                actor=actor,
                name=t.name,
                parent=teams[t.parent] if t.parent else None,
                description=t.description,
                names=t.names,
            )
            result.created["teams"] += 1
        elif not team.names:  # seeded before teams had a name per language
            team = services.team_update(
                actor=actor,
                team=team,
                name=team.name,
                parent=team.parent,
                leader=team.leader,
                description=team.description,
                names=t.names,
            )
        teams[t.name] = team

    roles = {r.code: r for r in Role.objects.all()}
    people: dict[str, User] = {admin.username: admin}
    for spec in PEOPLE:
        person = User.objects.filter(username=spec.username).first()
        if person is None:
            person = services.user_create(
                actor=actor,
                username=spec.username,
                display_name=spec.display_name,
                email=f"{spec.username}@{EMAIL_DOMAIN}",
                phone=spec.phone,
                language=spec.language,
                time_zone=spec.time_zone,
                password=DEMO_PASSWORD,
                manager=people[spec.manager] if spec.manager else None,
                position=positions[spec.position],
                roles=[roles[spec.role]],
                teams=[teams[spec.team], *(teams[name] for name in spec.other_teams)],
                primary_team=teams[spec.team],
            )
            result.created["people"] += 1
        people[spec.username] = person

    # The administrator's place in the company, once the company exists.
    if admin.position_id is None and admin.manager_id is None:
        services.user_update(
            actor=actor,
            user=admin,
            data={"position": positions[ADMIN.position], "manager": people[ADMIN.manager or "director"]},
        )
    if not admin.memberships.exists():
        services.membership_set(actor=actor, user=admin, teams=[teams[ADMIN.team]], primary=teams[ADMIN.team])

    for t in TEAMS:
        team = teams[t.name]
        if t.leader and team.leader_id is None:
            services.team_update(
                actor=actor,
                team=team,
                name=team.name,
                parent=team.parent,
                leader=people[t.leader],
                description=team.description,
            )

    departed = people[DEPARTED]
    if departed.is_active:
        # The successor takes over the departed manager's team and its people, as asked.
        services.user_deactivate(
            actor=actor,
            user=departed,
            successor=people[SUCCESSOR],
            reason=DEPARTURE_REASON,
            lead_teams=True,
            reports="successor",
        )


def print_demo_logins(out: Any) -> None:
    """Print the demo logins that exist and are active (nothing when the demo is not seeded)."""
    from tandem.org.models import User

    existing = set(
        User.objects.filter(username__in=[u for u, _ in DEMO_LOGINS], is_active=True).values_list(
            "username", flat=True
        )
    )
    rows = [(u, label) for u, label in DEMO_LOGINS if u in existing]
    if not rows:
        return
    out.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
    for username, label in rows:
        out.write(f"  {username:<12} {label}\n")
    out.write("\n")
