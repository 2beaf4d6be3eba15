"""Normalising names, emails, websites and phones for duplicate checking (查重).

``北京华为技术有限公司``, ``（北京）华为技术 有限公司`` and ``华为技术`` all become ``华为技术``;
``ACME Co., Ltd.``, ``Acme Inc`` and ``ａｃｍｅ`` all become ``acme``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from tandem.core.phones import normalize_phone

# Longest first, so 股份有限公司 is removed before 有限公司.
_CN_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "集团股份有限公司",
        "有限公司",
        "股份公司",
        "集团公司",
        "分公司",
        "总公司",
        "公司",
        "集团",
        "工作室",
        "事务所",
    ],
    key=len,
    reverse=True,
)
_EN_SUFFIXES = [
    "co ltd",
    "company limited",
    "co limited",
    "limited",
    "ltd",
    "incorporated",
    "inc",
    "corporation",
    "corp",
    "company",
    "co",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "pte ltd",
    "pte",
    "pty ltd",
    "pty",
    "group",
    "holdings",
]
_CN_REGIONS = [
    "北京",
    "上海",
    "天津",
    "重庆",
    "广东",
    "广州",
    "深圳",
    "江苏",
    "南京",
    "苏州",
    "浙江",
    "杭州",
    "山东",
    "济南",
    "青岛",
    "四川",
    "成都",
    "湖北",
    "武汉",
    "湖南",
    "长沙",
    "福建",
    "厦门",
    "福州",
    "河南",
    "郑州",
    "河北",
    "陕西",
    "西安",
    "安徽",
    "合肥",
    "辽宁",
    "沈阳",
    "大连",
    "香港",
    "中国",
]
_BRACKETS = re.compile(r"[（(【\[][^)）】\]]{0,20}[)）】\]]")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    """Full-width to half-width, compatibility forms folded, lower case."""
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


# A name is normalised several times on its way in (checks, duplicate keys, the stored key):
# pure function, bounded memo.
_MEMO: dict[str, str] = {}
_MEMO_SIZE = 200_000


def normalize_name(name: str) -> str:
    """A company or person name reduced to what identifies it.

    Idempotent: stripping a region or a suffix can expose another (``中国北京华为``), so the
    reduction repeats until nothing changes; a stored key normalises to itself.
    """
    if isinstance(name, str):
        known = _MEMO.get(name)
        if known is not None:
            return known
    text = _normalize_name(name)
    if isinstance(name, str):
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[name] = text
        _MEMO[text] = text
    return text


def clear_memos() -> None:
    """Forget memoised names and phones (benchmarks measure cold runs)."""
    from tandem.core import phones

    _MEMO.clear()
    phones._MEMO.clear()


# A once-normalised name of plain letters, digits and common Chinese characters, not starting
# with a region, is already what a second pass would give (nothing left to fold or strip).
_SETTLED = re.compile(r"[a-z0-9\u4e00-\u9fff]*")
_REGION_PREFIXES = tuple(_CN_REGIONS)


def _normalize_name(name: str) -> str:
    text = _normalize_once(name)
    if _SETTLED.fullmatch(text) is not None and not text.startswith(_REGION_PREFIXES):
        return text
    for _round in range(10):  # every real change shortens the text; the bound is a safety net
        again = _normalize_once(text)
        if again == text:
            break
        text = again
    return text


# The same lists as tuples, so one ``endswith`` / ``startswith`` call says whether any can match
# (most names need no stripping of one kind or another: the loops below are then skipped).
_EN_ENDINGS = tuple(" " + suffix for suffix in _EN_SUFFIXES)
_CN_ENDINGS = tuple(_CN_SUFFIXES)


def _normalize_once(name: str) -> str:
    text = _fold(name)
    if "(" in text or "（" in text or "【" in text or "[" in text:
        text = _BRACKETS.sub(" ", text)  # (北京), (Shanghai) branch or region marks
    words = _NON_WORD.sub(" ", text).split()
    # Strip English legal suffixes at the end, repeatedly ("acme co ltd").
    changed = True
    while changed and words:
        changed = False
        joined = " ".join(words)
        if not joined.endswith(_EN_ENDINGS):
            break  # no suffix to strip (a name that *is* a suffix is kept as it is)
        for suffix in _EN_SUFFIXES:
            if joined == suffix:
                break
            if joined.endswith(" " + suffix):
                words = joined[: -len(suffix) - 1].split()
                changed = True
                break
    text = "".join(words)
    changed = True
    while changed and text:
        changed = False
        if not text.endswith(_CN_ENDINGS):
            break
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    if text.startswith(_REGION_PREFIXES):
        for region in _CN_REGIONS:
            if text.startswith(region) and len(text) > len(region) + 1:
                text = text[len(region) :]
                break
    return text


def normalize_email(email: str) -> str:
    value = _fold(email)
    return value if "@" in value else ""


# A plain web address (scheme optional, letters/digits/hyphens host, then nothing or a path):
# its host is what ``urlsplit`` would find, without the cost of it. Anything else goes to it.
_PLAIN_SITE = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:[/?#]\S*)?",
    re.ASCII,
)


def website_domain(website: str) -> str:
    value = _fold(website)
    if not value:
        return ""
    plain = _PLAIN_SITE.fullmatch(value)
    host = plain.group(1) if plain is not None else _host(value)
    host = host.removeprefix("www.")
    return host if "." in host else ""


def _host(value: str) -> str:
    """The host ``urlsplit`` finds in a folded web address ("" if none)."""
    if "//" not in value:
        value = "//" + value
    try:
        return urlsplit(value).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" reads as a broken IPv6 address
        return ""


def email_domain(email: str) -> str:
    value = normalize_email(email)
    return value.rsplit("@", 1)[1] if value else ""


FREE_MAIL_DOMAINS = {
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "sohu.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "foxmail.com",
    "icloud.com",
    "aliyun.com",
}


def phone_key(raw: str) -> str:
    return normalize_phone(raw) or ""


def name_prefix(key: str) -> str:
    """The bucket used to find fuzzy-name candidates: the first two characters of the key."""
    return key[:2]
