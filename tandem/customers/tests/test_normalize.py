"""Normalising names, emails, websites and phones for duplicate checking (查重)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tandem.customers import normalize as N
from tandem.customers.normalize import (
    email_domain,
    name_prefix,
    normalize_email,
    normalize_name,
    phone_key,
    website_domain,
)

# Names as people type them: Chinese and Latin letters, digits, spaces, brackets and punctuation.
NAME_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("北京上海中国华为技术有限公司股份集团()（）【】 .,-&Co Ltd Inc")),
    ),
    max_size=60,
)


@pytest.mark.parametrize(
    "name",
    [
        "北京华为技术有限公司",
        "（北京）华为技术有限公司",
        "华为技术 股份有限公司",
        "华为技术",
        "(北京)华为技术 有限公司",
    ],
)
def test_it_reduces_chinese_company_names_to_what_identifies_them(name: str) -> None:
    assert normalize_name(name) == "华为技术"


@pytest.mark.parametrize(
    "name", ["ACME Co., Ltd.", "Acme Inc", "ａｃｍｅ", "acme limited", "Acme (Shanghai) Co Ltd"]
)
def test_it_reduces_english_company_names_to_what_identifies_them(name: str) -> None:
    assert normalize_name(name) == "acme"


def test_it_keeps_a_name_that_is_only_a_suffix_or_a_region() -> None:
    assert normalize_name("公司") == "公司"
    assert normalize_name("Company") == "company"
    assert normalize_name("北京") == "北京"


def test_it_gives_nothing_for_blank_or_punctuation_only_names() -> None:
    assert normalize_name("") == ""
    assert normalize_name("  ( ) ,. ") == ""


@given(NAME_TEXT)
@settings(max_examples=400, deadline=None)
@example("中国北京华为")
@example("北京上海电气")
@example("北京公司有限公司")
def test_it_normalises_names_idempotently_and_never_raises(name: str) -> None:
    once = normalize_name(name)
    assert isinstance(once, str)
    assert normalize_name(once) == once


@given(st.text(max_size=80))
@settings(max_examples=200, deadline=None)
def test_it_never_raises_on_any_email_website_or_phone(text: str) -> None:
    assert isinstance(normalize_email(text), str)
    assert isinstance(website_domain(text), str)
    assert isinstance(email_domain(text), str)
    assert isinstance(phone_key(text), str)
    assert name_prefix(normalize_name(text)) == normalize_name(text)[:2]


def test_it_folds_emails_and_rejects_what_is_not_one() -> None:
    assert normalize_email("  Li.Lei@Example.COM ") == "li.lei@example.com"
    assert normalize_email("not an email") == ""
    assert email_domain("li@Example.com") == "example.com"


def test_it_finds_the_domain_of_a_website() -> None:
    assert website_domain("https://www.Huawei.com/cn/") == "huawei.com"
    assert website_domain("huawei.com") == "huawei.com"
    assert website_domain("localhost") == ""
    assert website_domain("") == ""


def test_it_normalises_phones_to_one_key() -> None:
    assert phone_key("+86 138 0013 8000") == phone_key("13800138000") != ""
    assert phone_key("call me") == ""


# Web addresses as they turn up in exports: schemes, www, ports, users, paths, odd characters.
SITE_TEXT = st.builds(
    lambda scheme, www, labels, tail: f"{scheme}{www}{'.'.join(labels)}{tail}",
    st.sampled_from(["", "http://", "https://", "HTTPS://", "//", "ftp://", "https:/"]),
    st.sampled_from(["", "www.", "WWW.", "ww."]),
    st.lists(st.from_regex(r"\A[a-zA-Z0-9_-]{0,12}\Z"), min_size=1, max_size=4),
    st.sampled_from(["", "/", "/cn/", "?q=1", "#top", ":8080", ".", "/a b", "@x.com", "\\a", " "]),
)


@given(st.one_of(SITE_TEXT, st.text(max_size=40)))
@settings(max_examples=500, deadline=None)
@example("www.com")
@example("https://example.com.")
def test_plain_web_addresses_read_as_urlsplit_reads_them(text: str) -> None:
    host = N._host(N._fold(text)).removeprefix("www.")
    assert website_domain(text) == (host if "." in host else "")


def _reference_once(name: str) -> str:
    """One reduction step written plainly (every suffix and region tried in turn): the oracle
    for the shortcuts in ``normalize._normalize_once``."""
    words = N._NON_WORD.sub(" ", N._BRACKETS.sub(" ", N._fold(name))).split()
    changed = True
    while changed and words:
        changed = False
        joined = " ".join(words)
        for suffix in N._EN_SUFFIXES:
            if joined == suffix:
                break
            if joined.endswith(" " + suffix):
                words, changed = joined[: -len(suffix) - 1].split(), True
                break
    text = "".join(words)
    changed = True
    while changed and text:
        changed = False
        for suffix in N._CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
    for region in N._CN_REGIONS:
        if text.startswith(region) and len(text) > len(region) + 1:
            return text[len(region) :]
    return text


@given(NAME_TEXT)
@settings(max_examples=500, deadline=None)
@example("Pte Ltd")
@example("acme pte ltd")
@example("北京（分公司）有限公司")
@example("【上海】 ACME co., ltd")
def test_each_reduction_step_matches_the_plain_reading(name: str) -> None:
    assert N._normalize_once(name) == _reference_once(name)
