"""What each kind of record can take from a file: target fields, how a cell is read, synonyms.

``FIELDS[resource]`` lists the target fields in the order the mapping screen shows them.
``suggest_mapping`` matches a file's headers against field names, their labels in English AND
Chinese, and a table of synonyms other systems use (``sales_agent``, ``负责人``, ``deal_stage`` …).
Parsers turn a cell's text into a value or raise ``CellError`` with a message for the person.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process, utils

from tandem.activities.models import Activity, ActivityKind
from tandem.core import dates
from tandem.customers.models import Account, Channel, CompanySize, Contact, Lifecycle, Source
from tandem.deals.models import Deal, ForecastCategory, Product
from tandem.imports.wording import say as _
from tandem.leads.models import Lead, LeadStatus

# Kinds of target fields: how a cell becomes a value.
TEXT, EMAIL, PHONE, DATE, DATETIME, DECIMAL, INT, BOOL, CHOICE, COUNTRY, CURRENCY = (
    "text",
    "email",
    "phone",
    "date",
    "datetime",
    "decimal",
    "int",
    "bool",
    "choice",
    "country",
    "currency",
)
# A record's own id in Tandem: the row updates that record (within what the person may see and edit).
ID = "id"
# References to other records, resolved by name (one query per batch, or one per import).
OWNER, ACCOUNT, CONTACT, LEAD, DEAL, STAGE, PIPELINE, PRODUCT, LEVEL, PARENT = (
    "owner",
    "account",
    "contact",
    "lead",
    "deal",
    "stage",
    "pipeline",
    "product",
    "level",
    "parent",
)
# People and teams (``user`` and ``team`` imports): resolved against the database AND the file's
# own rows, after every row is read (a manager may come later in the file).
PERSON, TEAM, ROLE, POSITION = "person", "team", "role", "position"
REFERENCE_KINDS = {
    OWNER,
    ACCOUNT,
    CONTACT,
    LEAD,
    DEAL,
    STAGE,
    PIPELINE,
    PRODUCT,
    LEVEL,
    PARENT,
    PERSON,
    TEAM,
    ROLE,
    POSITION,
}
# Fields whose unresolved values the mapping screen offers to translate (value maps).
VALUE_MAP_KINDS = {OWNER, STAGE, CHOICE, PRODUCT, LEVEL, PIPELINE}


# Rules that give a row a value its file does not (a blank cell, an unmapped column). Each is
# shown on the mapping step and counted in the dry run and the result (``ImportJob.fills``);
# no other value is ever made up.
FILL_RULES: dict[str, Promise] = {
    "currency": gettext_lazy("Currency: the file's currency"),
    "name_account_product": gettext_lazy("Deal name: “account – product”"),
    "name_external_id": gettext_lazy("Deal name: its external id"),
    "amount_list_price": gettext_lazy("Amount: the product's list price"),
    "expected_close_date": gettext_lazy("Expected close date: the close date given for an open deal"),
    "closed_on": gettext_lazy("Close date: the expected close date of a won or lost deal"),
    "lost_reason_other": gettext_lazy("Lost reason: “other”, with the file's text as its note"),
    "activity_kind": gettext_lazy("Kind of follow-up: note, when none is given"),
    "alias": gettext_lazy("A value read through an alias of the mapping"),
    "username_email": gettext_lazy("Username: the person's email address, when none is given"),
    "username_from_name": gettext_lazy("Username: made from the person's name, when none is given"),
    "default_role": gettext_lazy("Role: the import's default role, for a new person without one"),
    "no_password": gettext_lazy("Password: none (nobody is emailed; people set one by resetting it)"),
    "missing_manager": gettext_lazy("Manager without a row of their own: created as a person in the team"),
}
# Rules a person turns on in the mapping's options (the others apply whenever they can).
OPTIONAL_RULES: dict[str, tuple[str, ...]] = {
    "user": ("username_from_name", "missing_manager"),
}
# How an all-digit date with slashes, dots or dashes is read (03/04/2017): the mapping's
# ``date_order`` option. Without one, a date that reads two ways is refused.
DATE_ORDERS = ("dmy", "mdy", "ymd")


def date_order_choices() -> list[tuple[str, str]]:
    return [
        ("", _("None: refuse a date that reads two ways")),
        ("dmy", _("Day/month/year: 31/12/2017")),
        ("mdy", _("Month/day/year: 12/31/2017")),
        ("ymd", _("Year/month/day: 2017/12/31")),
    ]


# The rules each kind of record may apply (the mapping step lists them).
RESOURCE_RULES: dict[str, tuple[str, ...]] = {
    "deal": (
        "currency",
        "name_account_product",
        "name_external_id",
        "amount_list_price",
        "expected_close_date",
        "closed_on",
        "lost_reason_other",
    ),
    "product": ("currency",),
    "activity": ("activity_kind",),
    "user": ("username_email", "username_from_name", "default_role", "no_password", "missing_manager"),
}


def fill_label(rule: str) -> str:
    return str(FILL_RULES.get(rule, rule))


class CellError(ValueError):
    """A cell that cannot be read; ``str(exc)`` is the message for the person."""


class DigitsLost(CellError):
    """A number with more decimals than its field keeps: rounding it would change it."""


class CellRead(Exception):
    """A cell read as the catalogue entry it nearly spells (a typo such as "Philipines"): the row
    goes in with ``value`` and a warning (``str(exc)``) saying how it was read."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value


@dataclass(frozen=True)
class TargetField:
    name: str
    kind: str = TEXT
    label: str | Promise = ""
    required: bool = False
    choices: type[models.TextChoices] | None = None
    synonyms: tuple[str, ...] = ()
    max_length: int | None = None
    decimal_places: int = 2  # numbers: how many decimals the field keeps

    @property
    def title(self) -> str:
        return str(self.label or self.name)


def _model_label(model: type[models.Model], name: str) -> str | Promise:
    try:
        return model._meta.get_field(name).verbose_name  # type: ignore[union-attr]
    except Exception:
        return name


def _max_length(model: type[models.Model], name: str) -> int | None:
    try:
        return getattr(model._meta.get_field(name), "max_length", None)
    except Exception:
        return None


def _decimal_places(model: type[models.Model], name: str) -> int:
    try:
        return int(getattr(model._meta.get_field(name), "decimal_places", None) or 0)
    except Exception:
        return 0


def _f(
    model: type[models.Model],
    name: str,
    kind: str = TEXT,
    *,
    required: bool = False,
    choices: type[models.TextChoices] | None = None,
    synonyms: tuple[str, ...] = (),
    label: str | Promise | None = None,
) -> TargetField:
    max_length = _max_length(model, name) if kind in (TEXT, EMAIL, PHONE) else None
    return TargetField(
        name=name,
        kind=kind,
        label=label if label is not None else _model_label(model, name),
        required=required,
        choices=choices,
        synonyms=synonyms,
        max_length=max_length,
        decimal_places=_decimal_places(model, name) if kind == DECIMAL else 0,
    )


def _tandem_id() -> TargetField:
    """The record's own id: Tandem's exports carry it, so an exported file imports back onto the
    same records. Not suggested for a bare "id" column (another system's ids are external ids),
    except in a file recognised as Tandem's own list export (``suggest_mapping``)."""
    return TargetField(
        name="tandem_id",
        kind=ID,
        label=gettext_lazy("Tandem ID"),
        synonyms=("tandem id", "tandem_id", "tandem 编号", "tandem编号"),
    )


S_EXTERNAL = ("id", "external id", "外部编号", "外部id", "编号", "record id", "原系统编号")
S_OWNER = (
    "owner",
    "sales_agent",
    "sales agent",
    "sales rep",
    "salesperson",
    "assigned to",
    "负责人",
    "销售",
    "销售代表",
    "所有者",
    "归属人",
)
S_ACCOUNT = (
    "account",
    "company",
    "account name",
    "company name",
    "customer",
    "客户",
    "客户名称",
    "公司名称",
    "公司",
    "企业名称",
)
S_PHONE = ("phone", "telephone", "tel", "电话", "座机", "办公电话", "联系电话")
S_MOBILE = ("mobile", "cell", "cellphone", "手机", "手机号", "手机号码")
S_EMAIL = ("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱")
S_WEBSITE = ("website", "web", "url", "site", "网站", "官网", "网址")
S_NOTES = ("notes", "note", "remarks", "备注", "说明")
S_NEXT = ("next follow-up", "next follow up", "下次跟进", "下次跟进日期")


def _account_fields() -> list[TargetField]:
    m = Account
    return [
        _tandem_id(),
        _f(
            m,
            "name",
            required=True,
            synonyms=(
                "company",
                "account",
                "account name",
                "company name",
                "customer",
                "customer name",
                "客户",
                "客户名称",
                "公司名称",
                "公司",
                "企业名称",
            ),
        ),
        _f(m, "external_id", synonyms=(*S_EXTERNAL, "account_id", "account id", "客户编号")),
        _f(m, "owner", OWNER, synonyms=S_OWNER),
        _f(
            m,
            "level",
            LEVEL,
            synonyms=("level", "grade", "rating", "tier", "级别", "等级", "客户级别", "客户等级"),
        ),
        _f(m, "lifecycle", CHOICE, choices=Lifecycle, synonyms=("lifecycle", "生命周期", "客户阶段")),
        _f(m, "industry", synonyms=("industry", "sector", "行业", "所属行业")),
        _f(
            m,
            "size",
            CHOICE,
            choices=CompanySize,
            synonyms=("size", "employees", "employee count", "company size", "员工人数", "规模", "人员规模"),
        ),
        _f(m, "source", CHOICE, choices=Source, synonyms=("source", "lead source", "来源", "客户来源")),
        _f(m, "channel", CHOICE, choices=Channel, synonyms=("channel", "渠道", "销售渠道")),
        _f(m, "country", COUNTRY, synonyms=("country", "office_location", "国家", "国家/地区")),
        _f(m, "province", synonyms=("state", "province", "省", "省份")),
        _f(m, "city", synonyms=("city", "城市", "市")),
        _f(m, "district", synonyms=("district", "区", "区县")),
        _f(m, "street", synonyms=("address", "street", "地址", "详细地址", "街道")),
        _f(m, "postal_code", synonyms=("zip", "zip code", "postcode", "邮编", "邮政编码")),
        _f(m, "phone", PHONE, synonyms=S_PHONE),
        _f(m, "email", EMAIL, synonyms=S_EMAIL),
        _f(m, "website", synonyms=S_WEBSITE),
        _f(
            m,
            "parent",
            PARENT,
            synonyms=(
                "parent",
                "subsidiary_of",
                "subsidiary of",
                "parent company",
                "上级客户",
                "母公司",
                "总公司",
            ),
        ),
        _f(m, "description", synonyms=("description", "notes", "描述", "备注", "简介")),
        _f(m, "next_follow_up_on", DATE, synonyms=S_NEXT),
    ]


def _contact_fields() -> list[TargetField]:
    m = Contact
    return [
        _tandem_id(),
        _f(
            m,
            "name",
            required=True,
            synonyms=("name", "full name", "contact", "contact name", "姓名", "联系人", "联系人姓名"),
        ),
        _f(m, "external_id", synonyms=(*S_EXTERNAL, "contact_id", "contact id", "联系人编号")),
        _f(m, "account", ACCOUNT, synonyms=S_ACCOUNT),
        _f(m, "owner", OWNER, synonyms=S_OWNER),
        _f(m, "title", synonyms=("title", "job title", "position", "职位", "职务", "头衔")),
        _f(m, "mobile", PHONE, synonyms=S_MOBILE),
        _f(m, "phone", PHONE, synonyms=S_PHONE),
        _f(m, "email", EMAIL, synonyms=S_EMAIL),
        _f(m, "email_alt", EMAIL, synonyms=("other email", "email 2", "备用邮箱")),
        _f(m, "wechat", synonyms=("wechat", "weixin", "微信", "微信号")),
        _f(m, "birthday", DATE, synonyms=("birthday", "birth date", "date of birth", "生日", "出生日期")),
        _f(m, "notes", synonyms=S_NOTES),
        _f(m, "next_follow_up_on", DATE, synonyms=S_NEXT),
    ]


def _lead_fields() -> list[TargetField]:
    m = Lead
    return [
        _tandem_id(),
        _f(m, "name", required=True, synonyms=("name", "full name", "contact name", "姓名", "联系人")),
        _f(m, "external_id", synonyms=(*S_EXTERNAL, "lead_id", "lead id", "线索编号")),
        _f(
            m,
            "company",
            synonyms=(
                "company",
                "company name",
                "account",
                "organisation",
                "organization",
                "公司",
                "公司名称",
                "企业",
                "企业名称",
                "单位",
            ),
        ),
        _f(m, "owner", OWNER, synonyms=S_OWNER),
        _f(m, "title", synonyms=("title", "job title", "职位", "职务")),
        _f(m, "mobile", PHONE, synonyms=S_MOBILE),
        _f(m, "phone", PHONE, synonyms=S_PHONE),
        _f(m, "email", EMAIL, synonyms=S_EMAIL),
        _f(m, "wechat", synonyms=("wechat", "微信", "微信号")),
        _f(m, "website", synonyms=S_WEBSITE),
        _f(m, "industry", synonyms=("industry", "sector", "行业")),
        _f(m, "country", COUNTRY, synonyms=("country", "国家", "国家/地区")),
        _f(m, "province", synonyms=("state", "province", "省", "省份")),
        _f(m, "city", synonyms=("city", "城市")),
        _f(m, "source", CHOICE, choices=Source, synonyms=("source", "lead source", "来源", "线索来源")),
        _f(m, "channel", CHOICE, choices=Channel, synonyms=("channel", "渠道")),
        _f(m, "status", CHOICE, choices=LeadStatus, synonyms=("status", "lead status", "状态", "线索状态")),
        _f(m, "unqualified_reason", synonyms=("unqualified reason", "无效原因")),
        _f(m, "notes", synonyms=S_NOTES),
        _f(m, "next_follow_up_on", DATE, synonyms=S_NEXT),
    ]


def _deal_fields() -> list[TargetField]:
    m = Deal
    return [
        _tandem_id(),
        _f(
            m,
            "name",
            synonyms=("name", "deal", "deal name", "opportunity", "opportunity name", "商机", "商机名称"),
        ),
        _f(
            m,
            "external_id",
            synonyms=(*S_EXTERNAL, "opportunity_id", "opportunity id", "deal_id", "deal id", "商机编号"),
        ),
        _f(m, "account", ACCOUNT, synonyms=S_ACCOUNT),
        _f(m, "owner", OWNER, synonyms=S_OWNER),
        _f(m, "pipeline", PIPELINE, synonyms=("pipeline", "销售流程")),
        _f(
            m,
            "stage",
            STAGE,
            synonyms=("stage", "deal_stage", "deal stage", "sales stage", "阶段", "销售阶段", "商机阶段"),
        ),
        _f(
            m,
            "amount",
            DECIMAL,
            synonyms=(
                "amount",
                "close_value",
                "close value",
                "value",
                "deal value",
                "金额",
                "商机金额",
                "成交金额",
            ),
        ),
        _f(m, "currency", CURRENCY, synonyms=("currency", "币种", "货币")),
        _f(
            m,
            "product",
            PRODUCT,
            label=gettext_lazy("product"),
            synonyms=("product", "product name", "产品", "产品名称"),
        ),
        _f(
            m,
            "expected_close_date",
            DATE,
            synonyms=("expected close", "expected close date", "预计成交日期", "预计成交"),
        ),
        _f(
            m,
            "closed_on",
            DATE,
            synonyms=("close_date", "close date", "closed date", "closed", "成交日期", "关闭日期"),
        ),
        # A date the work on the deal started: a date, not an instant (midnight somewhere).
        _f(
            m,
            "opened_on",
            DATE,
            synonyms=(
                "engage_date",
                "engage date",
                "engaged",
                "engaged on",
                "opened",
                "opened on",
                "open date",
                "start date",
                "开始日期",
                "立项日期",
                "创建日期",
            ),
        ),
        _f(m, "stage_entered_at", DATETIME),
        _f(m, "probability", INT, synonyms=("probability", "win probability", "概率", "赢率")),
        _f(
            m,
            "forecast_category",
            CHOICE,
            choices=ForecastCategory,
            synonyms=("forecast category", "forecast", "预测类别", "预测分类"),
        ),
        _f(m, "lost_reason", synonyms=("lost reason", "loss reason", "输单原因", "丢单原因")),
        _f(m, "competitor", synonyms=("competitor", "竞争对手")),
        _f(m, "source", CHOICE, choices=Source, synonyms=("source", "来源")),
        _f(m, "channel", CHOICE, choices=Channel, synonyms=("channel", "渠道")),
        _f(m, "budget", DECIMAL, synonyms=("budget", "预算")),
        _f(m, "decision_maker", synonyms=("decision maker", "决策人")),
        _f(m, "next_step", synonyms=("next step", "下一步")),
        _f(m, "description", synonyms=("description", "notes", "描述", "备注")),
        _f(m, "next_follow_up_on", DATE, synonyms=S_NEXT),
    ]


def _product_fields() -> list[TargetField]:
    m = Product
    return [
        _tandem_id(),
        _f(m, "name", required=True, synonyms=("name", "product", "product name", "产品", "产品名称")),
        _f(m, "code", synonyms=("code", "sku", "product code", "item code", "编码", "产品编码", "货号")),
        _f(m, "family", synonyms=("family", "series", "product line", "系列", "产品系列")),
        _f(
            m,
            "list_price",
            DECIMAL,
            synonyms=(
                "price",
                "list price",
                "sales_price",
                "sales price",
                "unit price",
                "价格",
                "单价",
                "售价",
                "标准价",
            ),
        ),
        _f(m, "currency", CURRENCY, synonyms=("currency", "币种")),
        _f(m, "is_active", BOOL, synonyms=("active", "enabled", "启用", "是否启用")),
        _f(m, "description", synonyms=("description", "描述", "说明")),
    ]


def _activity_fields() -> list[TargetField]:
    m = Activity
    return [
        _tandem_id(),
        _f(
            m,
            "kind",
            CHOICE,
            choices=ActivityKind,
            synonyms=("kind", "type", "activity type", "类型", "跟进方式", "方式"),
        ),
        _f(m, "subject", synonyms=("subject", "title", "主题", "标题")),
        _f(
            m, "content", synonyms=("content", "notes", "details", "body", "内容", "跟进内容", "详情", "备注")
        ),
        _f(
            m,
            "occurred_at",
            DATETIME,
            synonyms=("date", "when", "time", "occurred at", "日期", "时间", "跟进时间"),
        ),
        _f(m, "account", ACCOUNT, synonyms=S_ACCOUNT),
        _f(m, "contact", CONTACT, synonyms=("contact", "contact name", "联系人")),
        _f(m, "lead", LEAD, synonyms=("lead", "线索")),
        _f(m, "deal", DEAL, synonyms=("deal", "opportunity", "商机")),
        _f(m, "next_follow_up_on", DATE, synonyms=S_NEXT),
    ]


def _team_fields() -> list[TargetField]:
    from tandem.org.models import Team

    m = Team
    return [
        _tandem_id(),
        _f(
            m,
            "name",
            required=True,
            synonyms=(
                "team",
                "team name",
                "regional_office",
                "regional office",
                "office",
                "团队",
                "部门",
                "团队名称",
            ),
        ),
        _f(m, "parent", TEAM, synonyms=("parent", "parent team", "上级团队", "上级部门")),
        _f(
            m, "leader", PERSON, synonyms=("leader", "team leader", "head", "manager", "负责人", "团队负责人")
        ),
        _f(m, "description", synonyms=("description", "notes", "描述", "说明")),
    ]


def _user_fields() -> list[TargetField]:
    from tandem.org.models import Language, User

    m = User
    return [
        _tandem_id(),
        _f(
            m,
            "display_name",
            synonyms=(
                "name",
                "full name",
                "display name",
                "sales_agent",
                "sales agent",
                "姓名",
                "名字",
                "员工姓名",
            ),
        ),
        _f(m, "username", synonyms=("username", "user name", "login", "用户名", "账号", "登录名")),
        _f(m, "email", EMAIL, synonyms=S_EMAIL),
        _f(
            m,
            "teams",
            TEAM,
            label=gettext_lazy("teams"),
            synonyms=("team", "teams", "regional_office", "regional office", "office", "团队", "部门"),
        ),
        _f(m, "manager", PERSON, synonyms=("manager", "reports to", "boss", "上级", "直属上级", "经理")),
        _f(m, "position", POSITION, synonyms=("position", "job title", "title", "岗位", "职位")),
        _f(m, "roles", ROLE, label=gettext_lazy("roles"), synonyms=("role", "roles", "角色")),
        _f(m, "language", CHOICE, choices=Language, synonyms=("language", "语言")),
        _f(m, "time_zone", synonyms=("time zone", "timezone", "tz", "时区")),
        _f(m, "phone", PHONE, synonyms=(*S_PHONE, *S_MOBILE)),
        _f(
            m,
            "is_active",
            BOOL,
            label=gettext_lazy("active"),
            synonyms=("active", "is active", "status", "在职", "是否在职", "启用"),
        ),
    ]


_BUILDERS = {
    "account": _account_fields,
    "contact": _contact_fields,
    "lead": _lead_fields,
    "deal": _deal_fields,
    "product": _product_fields,
    "activity": _activity_fields,
    "team": _team_fields,
    "user": _user_fields,
}
_CACHE: dict[str, list[TargetField]] = {}


def fields_for(resource: str) -> list[TargetField]:
    if resource not in _CACHE:
        _CACHE[resource] = _BUILDERS[resource]()
    return _CACHE[resource]


def field_map(resource: str) -> dict[str, TargetField]:
    return {f.name: f for f in fields_for(resource)}


# --- Suggesting a mapping -------------------------------------------------------------------

_SQUASH = re.compile(r"[\s_\-./:：()（）#*]+")


def header_key(text: str) -> str:
    """Case, width, space, underscore and punctuation insensitive key of a header or label."""
    return _SQUASH.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def _candidates(target: TargetField) -> tuple[set[str], set[str], set[str]]:
    labels: set[str] = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            labels.add(header_key(str(target.label)))
    return {header_key(target.name)}, labels, {header_key(s) for s in target.synonyms}


# Tandem's own API list exports (``?format=csv|xlsx``), whose headers are labels in the reader's
# language: their "ID" column is the record's Tandem id.
API_EXPORTS = {
    "account": "tandem.customers.api.AccountViewSet",
    "contact": "tandem.customers.api.ContactViewSet",
    "lead": "tandem.leads.api.LeadViewSet",
    "deal": "tandem.deals.api.DealViewSet",
    "product": "tandem.deals.api.ProductViewSet",
    "activity": "tandem.activities.api.ActivityViewSet",
}
_EXPORT_HEADERS: dict[str, tuple[frozenset[str], ...]] = {}


def api_export_headers(resource: str) -> tuple[frozenset[str], ...]:
    """The keys of the headers of Tandem's API export of ``resource``, one set per language."""
    if resource not in _EXPORT_HEADERS:
        from django.utils.module_loading import import_string

        if resource not in API_EXPORTS:
            return ()
        columns = import_string(API_EXPORTS[resource])().export_columns()
        sets = []
        for language in ("en", "zh-hans"):
            with translation.override(language):
                sets.append(frozenset(header_key(str(header)) for header, _getter in columns))
        _EXPORT_HEADERS[resource] = tuple(sets)
    return _EXPORT_HEADERS[resource]


def is_api_export(resource: str, headers: list[str]) -> bool:
    """Is the file Tandem's own API export of ``resource`` (in either language), perhaps edited?

    Its first column is "ID", and its columns and the export's are nearly the same (a column or
    two added or deleted). Another system's file that merely has "id", "name" and "phone"
    columns is not: its "id" is that system's (an external id)."""
    keys = {header_key(h) for h in headers}
    if not headers or header_key(headers[0]) != "id":
        return False
    for known in api_export_headers(resource):
        shared = len(keys & known)
        if shared >= 0.9 * len(known) and shared >= 0.9 * len(keys):
            return True
    return False


def suggest_mapping(resource: str, headers: list[str]) -> dict[str, str]:
    """``{header: field}`` for the headers we recognise; each field is used once.

    Exact field names win over labels (English or Chinese), which win over synonyms. In a file
    that is Tandem's own API export, its "ID" column is the records' Tandem id.
    """
    if headers and is_api_export(resource, headers):
        rest = suggest_mapping(resource, headers[1:])
        rest.pop(headers[0], None)
        return {headers[0]: "tandem_id", **{h: f for h, f in rest.items() if f != "tandem_id"}}
    targets = fields_for(resource)
    keyed = [(h, header_key(h)) for h in headers]
    sets = [(t, _candidates(t)) for t in targets]
    out: dict[str, str] = {}
    used: set[str] = set()
    for tier in range(3):
        for header, key in keyed:
            if header in out or not key:
                continue
            for target, candidates in sets:
                if target.name in used:
                    continue
                if key in candidates[tier]:
                    out[header] = target.name
                    used.add(target.name)
                    break
    return out


# --- Reading cells --------------------------------------------------------------------------

_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
]
# Day and month in either order (03/04/2017): read under the import's date order.
_DAY_MONTH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(r"^(?P<date>.+?)[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?$")


def date_message() -> str:
    return _("Enter a date such as 2026-11-26, 2026/11/26, 11/26/2026 or 2026年11月26日.")


def _date(y: int, m: int, d: int) -> datetime.date:
    try:
        day = datetime.date(y, m, d)
    except ValueError as exc:
        raise CellError(_("This date does not exist.")) from exc
    if not dates.date_in_range(day):
        # The bounds of forms and the API: 0001-01-01 or 9999-12-31 is a slip, not a plan.
        raise CellError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": dates.EARLIEST.isoformat(), "latest": dates.LATEST.isoformat()}
        )
    return day


def parse_date(text: str, order: str = "") -> datetime.date:
    """A date as written. ``order`` (``dmy``, ``mdy``; the import's date order) says how
    ``03/04/2017`` reads; without one, a date whose day and month could be swapped is refused
    (``11/26/2026`` reads only one way and is read so)."""
    value = unicodedata.normalize("NFKC", text).strip()
    match_time = _TIME.match(value)
    if match_time:
        value = match_time.group("date").strip()
    for pattern, names in _DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            parts = dict(zip(names, (int(g) for g in match.groups()), strict=True))
            return _date(parts["y"], parts["m"], parts["d"])
    match = _DAY_MONTH.match(value)
    if match:
        first, second, year = (int(g) for g in match.groups())
        if order == "dmy":
            return _date(year, second, first)
        if order == "mdy":
            return _date(year, first, second)
        if first <= 12 and second <= 12 and first != second:
            raise CellError(
                _(
                    "“%(text)s” could be day/month/year or month/day/year: choose the date order on "
                    "the mapping step (--date-order dmy|mdy|ymd)."
                )
                % {"text": value}
            )
        if first > 12:
            return _date(year, second, first)
        return _date(year, first, second)
    raise CellError(date_message())


def parse_datetime(text: str, tz: datetime.tzinfo | None = None, order: str = "") -> datetime.datetime:
    """A date and time as written, in ``tz`` (the importing person's time zone; the current one
    when not given). A date alone is its midnight there."""
    value = unicodedata.normalize("NFKC", text).strip()
    match_time = _TIME.match(value)
    hour = minute = second = 0
    if match_time:
        value = match_time.group("date").strip()
        hour, minute = int(match_time.group("h")), int(match_time.group("mi"))
        second = int(match_time.group("s") or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise CellError(_("Enter a time such as 14:30."))
    day = parse_date(value, order)
    naive = datetime.datetime(day.year, day.month, day.day, hour, minute, second)
    return timezone.make_aware(naive, tz or timezone.get_current_timezone())


# Currency marks a money cell may carry before or after its number, and the currencies each
# can stand for ("$" is several dollars, "¥" the yuan and the yen).
_CURRENCY_MARKS: dict[str, frozenset[str]] = {
    "US$": frozenset({"USD"}),
    "HK$": frozenset({"HKD"}),
    "S$": frozenset({"SGD"}),
    "$": frozenset({"USD", "HKD", "SGD"}),
    "¥": frozenset({"CNY", "JPY"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "元": frozenset({"CNY"}),
    "人民币": frozenset({"CNY"}),
    "美元": frozenset({"USD"}),
    "欧元": frozenset({"EUR"}),
    "英镑": frozenset({"GBP"}),
    "日元": frozenset({"JPY"}),
    "港元": frozenset({"HKD"}),
    "港币": frozenset({"HKD"}),
    "RMB": frozenset({"CNY"}),
    "CNY": frozenset({"CNY"}),
    "USD": frozenset({"USD"}),
    "EUR": frozenset({"EUR"}),
    "GBP": frozenset({"GBP"}),
    "HKD": frozenset({"HKD"}),
    "JPY": frozenset({"JPY"}),
    "SGD": frozenset({"SGD"}),
}
_MARKS = "|".join(re.escape(m) for m in sorted(_CURRENCY_MARKS, key=len, reverse=True))
_LEADING_MARK = re.compile(rf"^(?P<mark>{_MARKS})\s*", re.IGNORECASE)
_TRAILING_MARK = re.compile(rf"\s*(?P<mark>{_MARKS})$", re.IGNORECASE)
# What grouping may look like besides the other separator: spaces (NFKC turns no-break and thin
# spaces into plain ones) and apostrophes (1'234.50).
_SPACE_GROUPING = (" ", "'", "’")
DECIMAL_SEPARATORS = (".", ",")


@dataclass(frozen=True)
class Number:
    """A number cell as written: its exact value, and the currencies its mark (if any) names."""

    value: Decimal
    currencies: frozenset[str] | None = None


def number_formats(separator: str) -> str:
    """The formats a number cell may take under ``separator``, for messages."""
    if separator == ",":
        return _(
            "Enter a number with “,” as the decimal separator, e.g. 12500, 12.500,50, 12 500,50 or 12.500,50 €."
        )
    return _("Enter a number with “.” as the decimal separator, e.g. 12500, 12,500.50, 12 500.50 or ¥12,500.")


def _whole_part(text: str, grouping: str) -> str | None:
    """The digits of a whole part written plainly or grouped in threes by one of the marks
    ``grouping`` allows (``1,234,567``, ``1 234 567``), else None."""
    if text.isdigit() and text.isascii():
        return text
    marks = {c for c in text if not c.isdigit()}
    if len(marks) != 1:
        return None
    mark = marks.pop()
    if mark != grouping and mark not in _SPACE_GROUPING:
        return None
    groups = text.split(mark)
    first, rest = groups[0], groups[1:]
    if not (1 <= len(first) <= 3 and first.isdigit() and first.isascii()) or first.startswith("0"):
        return None
    if not all(len(g) == 3 and g.isdigit() and g.isascii() for g in rest):
        return None
    return "".join(groups)


def read_number(text: str, separator: str = ".", places: int = 2) -> Number:
    """A number cell read exactly under the import's declared decimal ``separator``, or ``CellError``.

    The rule, for a file whose decimal separator is ``separator`` ("." or ","):

    - The decimal separator appears at most once. Left of it, the whole part is plain digits
      or grouped in threes by ONE mark: the other separator, a space or an apostrophe
      (``12,500.50`` / ``12.500,50`` / ``12 500,50`` / ``1'234.50``). Right of it, digits only.
    - A sign (``-``, ``−`` or accounting parentheses) and one currency mark before or after
      the number (``¥``, ``$``, ``€``, ``£``, ``元``, ``US$``, an ISO code such as ``USD``) are
      allowed; the mark is returned so the row's currency can be checked against it.
    - Nothing is guessed. Anything else is refused with the formats accepted: the other
      separator after the decimal one (``1.234,50`` read with "."), two decimal separators
      (``1.234.567`` with "."), groups not of three (``1,23,456``), exponents (``1E+5``).
    - A number written with more decimal places than the field keeps (``places``) is refused
      when the extra digits are not zeros: rounding would lose them. Extra zeros are dropped
      (``12.5000`` is 12.50) EXCEPT in the one ambiguous shape: a lone decimal separator
      followed by exactly three digits after a whole part of one to three digits not
      starting with 0 (``12.345``, ``100.000``; ``1,000`` read with ","). In the other
      convention that is a whole number grouped in thousands, and the field cannot keep three
      decimals, so the file almost certainly uses the other convention: refused, saying so.
      (A grouping mark, by contrast, is never ambiguous once the separator is declared:
      ``12,500`` read with "." can only be twelve thousand five hundred.)

    So every number of at most ``places`` decimals written in either convention is read as
    itself under its own separator, and under the other one it is either read as the same
    value or refused — never read as another number.
    """
    if separator not in DECIMAL_SEPARATORS:
        separator = "."
    grouping = "," if separator == "." else "."
    value = unicodedata.normalize("NFKC", text).strip().replace("−", "-")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    if value.startswith("-"):
        negative, value = not negative, value[1:].strip()
    currencies: frozenset[str] | None = None
    for pattern in (_LEADING_MARK, _TRAILING_MARK):
        found = pattern.search(value)
        if found is not None:
            named = _CURRENCY_MARKS[found.group("mark").upper()]
            if currencies is not None and not currencies & named:
                raise CellError(number_formats(separator))
            currencies = named if currencies is None else currencies & named
            value = (value[: found.start()] + value[found.end() :]).strip()
    if value.startswith("-") and not negative:
        negative, value = True, value[1:].strip()
    if not value:
        raise CellError(number_formats(separator))
    if separator in value and grouping in value.rsplit(separator, 1)[1]:
        raise CellError(
            _(
                "This number seems to use “%(other)s” as its decimal separator, but this import reads “%(sep)s”: choose the decimal separator on the mapping step."
            )
            % {"other": grouping, "sep": separator}
        )
    whole, sep, fraction = value.partition(separator)
    if separator in fraction:
        raise CellError(
            number_formats(separator)
            + " "
            + _("If “%(sep)s” groups thousands in this file, choose “%(other)s” as the decimal separator.")
            % {"sep": separator, "other": grouping}
        )
    digits = _whole_part(whole, grouping) if whole else ("" if sep else None)
    if digits is None or (sep and not (fraction.isdigit() and fraction.isascii())):
        message = number_formats(separator)
        if grouping in whole:
            message += " " + _(
                "If “%(other)s” is this file's decimal separator, choose it on the mapping step."
            ) % {"other": grouping}
        raise CellError(message)
    number = Decimal(f"{digits or '0'}.{fraction}" if sep else digits)
    if len(fraction) > places:
        if len(fraction) == 3 and whole.isdigit() and 1 <= len(whole) <= 3 and not whole.startswith("0"):
            raise CellError(
                _(
                    "“%(text)s” could be a number with three decimals or a whole number with “%(sep)s” grouping thousands; this field keeps %(places)d decimals. Write it without grouping, or choose the decimal separator on the mapping step."
                )
                % {"text": text.strip(), "sep": separator, "places": places}
            )
        if fraction[places:].strip("0"):
            raise DigitsLost(
                _(
                    "“%(text)s” has %(n)d decimal places; this field keeps %(places)d, and rounding would change the number. Round it in the file."
                )
                % {"text": text.strip(), "n": len(fraction), "places": places}
            )
    number = -number if negative else number
    if abs(number) >= Decimal("1e12"):
        raise CellError(_("This number is too large."))
    return Number(number.quantize(Decimal(1).scaleb(-places)), currencies)


def parse_decimal(text: str, separator: str = ".", places: int = 2) -> Decimal:
    """The value of a number cell (see ``read_number`` for the rule)."""
    return read_number(text, separator, places).value


def parse_int(text: str, separator: str = ".") -> int:
    value = unicodedata.normalize("NFKC", text).strip().rstrip("%").strip()
    try:
        return int(read_number(value, separator, places=0).value)
    except DigitsLost as exc:
        raise CellError(_("Enter a whole number.")) from exc


_TRUE = {"1", "true", "yes", "y", "是", "对", "启用", "有效", "active", "on", "x", "✓", "在职"}
_FALSE = {"0", "false", "no", "n", "否", "不", "停用", "无效", "inactive", "off", "left", "离职"}


def parse_bool(text: str) -> bool:
    value = unicodedata.normalize("NFKC", text).strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(_("Enter yes or no (是/否)."))


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every way a person may write a choice: its value, its label in English or Chinese."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[header_key(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[header_key(str(label))] = value
    return lookup


_SIZE_BOUNDS = [(10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"), (5000, "1001-5000")]


def size_from_count(text: str) -> str | None:
    """An employee count (``2822``) read as the company-size bracket it falls in."""
    try:
        count = parse_int(text)
    except CellError:
        return None
    if count < 0:
        return None
    for bound, value in _SIZE_BOUNDS:
        if count <= bound:
            return value
    return "5000+"


def did_you_mean(text: str, options: list[str], cutoff: int = 70) -> str:
    """The closest option, for "did you mean …" messages (empty when nothing is close)."""
    if not options or not text:
        return ""
    best = process.extractOne(
        text, options, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=cutoff
    )
    return str(best[0]) if best else ""


def parse_choice(target: TargetField, text: str, lookup: dict[str, str]) -> str:
    found = lookup.get(header_key(text))
    if found is not None:
        return found
    if target.name == "size":
        size = size_from_count(text)
        if size is not None:
            return size
    assert target.choices is not None
    options = [str(label) for _v, label in target.choices.choices]
    suggestion = did_you_mean(text, options)
    message = _("“%(value)s” is not one of: %(options)s.") % {"value": text, "options": ", ".join(options)}
    if suggestion:
        message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
    raise CellError(message)


# Country names people write, English and Chinese, to ISO 3166 codes (plus any two-letter code).
COUNTRIES: dict[str, str] = {
    "china": "CN", "中国": "CN", "中国大陆": "CN", "prc": "CN", "united states": "US", "usa": "US",
    "us": "US", "america": "US", "美国": "US", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "england": "GB", "英国": "GB", "japan": "JP", "日本": "JP", "korea": "KR", "south korea": "KR",
    "republic of korea": "KR", "韩国": "KR", "germany": "DE", "德国": "DE", "france": "FR", "法国": "FR",
    "italy": "IT", "意大利": "IT", "spain": "ES", "西班牙": "ES", "canada": "CA", "加拿大": "CA",
    "australia": "AU", "澳大利亚": "AU", "brazil": "BR", "巴西": "BR", "india": "IN", "印度": "IN",
    "russia": "RU", "俄罗斯": "RU", "singapore": "SG", "新加坡": "SG", "hong kong": "HK", "香港": "HK",
    "中国香港": "HK", "taiwan": "TW", "台湾": "TW", "中国台湾": "TW", "macao": "MO", "macau": "MO",
    "澳门": "MO", "philippines": "PH", "菲律宾": "PH", "kenya": "KE", "肯尼亚": "KE", "norway": "NO",
    "挪威": "NO", "jordan": "JO", "约旦": "JO", "panama": "PA", "巴拿马": "PA", "belgium": "BE",
    "比利时": "BE", "poland": "PL", "波兰": "PL", "romania": "RO", "罗马尼亚": "RO", "netherlands": "NL",
    "荷兰": "NL", "sweden": "SE", "瑞典": "SE", "switzerland": "CH", "瑞士": "CH", "mexico": "MX",
    "墨西哥": "MX", "indonesia": "ID", "印度尼西亚": "ID", "malaysia": "MY", "马来西亚": "MY",
    "thailand": "TH", "泰国": "TH", "vietnam": "VN", "viet nam": "VN", "越南": "VN",
    "new zealand": "NZ", "新西兰": "NZ", "united arab emirates": "AE", "uae": "AE", "阿联酋": "AE",
    "saudi arabia": "SA", "沙特阿拉伯": "SA", "south africa": "ZA", "南非": "ZA", "turkey": "TR",
    "土耳其": "TR", "israel": "IL", "以色列": "IL", "egypt": "EG", "埃及": "EG", "argentina": "AR",
    "阿根廷": "AR", "chile": "CL", "智利": "CL", "ireland": "IE", "爱尔兰": "IE", "portugal": "PT",
    "葡萄牙": "PT", "austria": "AT", "奥地利": "AT", "denmark": "DK", "丹麦": "DK", "finland": "FI",
    "芬兰": "FI", "nigeria": "NG", "尼日利亚": "NG", "pakistan": "PK", "巴基斯坦": "PK",
}  # fmt: skip


def parse_country(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    code = COUNTRIES.get(value.casefold())
    if code:
        return code
    close = process.extract(value.casefold(), list(COUNTRIES), scorer=fuzz.ratio, score_cutoff=90, limit=2)
    if close and (
        len(close) == 1 or close[1][1] < close[0][1] or COUNTRIES[close[1][0]] == COUNTRIES[close[0][0]]
    ):
        name = str(close[0][0])
        raise CellRead(
            COUNTRIES[name],
            _("Read as “%(name)s” (%(code)s).") % {"name": name.title(), "code": COUNTRIES[name]},
        )
    message = _("Enter a country name or a two-letter code such as CN or US.")
    suggestion = did_you_mean(value.casefold(), list(COUNTRIES), cutoff=80)
    if suggestion:
        message += " " + _("Did you mean “%(suggestion)s”?") % {
            "suggestion": f"{suggestion.title()} ({COUNTRIES[suggestion]})"
        }
    raise CellError(message)


def parse_currency(text: str) -> str:
    value = text.strip().upper()
    aliases = {
        "¥": "CNY",
        "￥": "CNY",
        "RMB": "CNY",
        "人民币": "CNY",
        "$": "USD",
        "美元": "USD",
        "€": "EUR",
        "欧元": "EUR",
    }
    value = aliases.get(value, value)
    if value not in settings.CURRENCIES:
        raise CellError(_("Choose one of: %(list)s.") % {"list": ", ".join(settings.CURRENCIES)})
    return value


@dataclass
class Cell:
    """One mapped cell of a row: the header it came from and its (value-mapped) text."""

    column: str
    text: str
    extra: dict[str, Any] = field(default_factory=dict)
