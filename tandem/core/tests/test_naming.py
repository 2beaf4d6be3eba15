"""core.naming: a configuration record's name in each interface language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import history, naming
from tandem.core.models import HistoryAction
from tandem.deals.models import Pipeline, Stage
from tandem.org.models import Team


def test_it_shows_the_name_given_for_the_active_language() -> None:
    names = {"en": "Joint proposal", "zh-hans": "联合方案"}
    with translation.override("zh-hans"):
        assert naming.localized("联合方案", names) == "联合方案"
    with translation.override("en"):
        assert naming.localized("联合方案", names) == "Joint proposal"
    assert naming.localized("联合方案", names, "en") == "Joint proposal"


def test_without_a_name_for_the_language_it_falls_back_to_the_catalogue_then_the_name() -> None:
    with translation.override("zh-hans"):
        assert naming.localized("Proposal", {}) == "方案报价"  # a built-in stage name
        assert naming.localized("Renewals", {"en": "Renewals"}) == "Renewals"  # nothing in Chinese
    assert naming.localized("Proposal", None, "zh-hans") == "方案报价"
    assert naming.localized("", None) == ""


def test_every_name_covers_the_record_in_each_language() -> None:
    assert set(naming.every_name("Proposal", {})) == {"Proposal", "方案报价"}
    assert naming.every_name("联合方案", {"en": "Joint proposal"}) == ["联合方案", "Joint proposal"]


def test_clean_names_keeps_known_languages_and_drops_blank_names() -> None:
    assert naming.clean_names({"en": " Renewals ", "zh-hans": ""}) == {"en": "Renewals"}
    assert naming.clean_names(None) == {}
    assert naming.clean_names({"zh-hans": None}) == {}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"fr": "Renouvellements"}, "“fr” is not a language of Tandem"),
        ({"en": 7}, "The name in English must be text."),
        ({"en": "x" * 101}, "has 101 characters; at most 100"),
        ({"zh-hans": "大\x00额"}, "The name in 简体中文 has a null character."),
        (["en", "Renewals"], "Give the names as language code and name"),
    ],
)
def test_clean_names_says_what_is_wrong(value: object, fragment: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        naming.clean_names(value)
    assert any(fragment in message for message in caught.value.messages)


@given(
    st.dictionaries(
        st.sampled_from(["en", "zh-hans"]), st.text(st.characters(blacklist_characters="\x00"), max_size=100)
    )
)
def test_cleaned_names_are_stripped_non_empty_and_clean_again_to_themselves(value: dict[str, str]) -> None:
    cleaned = naming.clean_names(value)
    assert all(text and text == text.strip() for text in cleaned.values())
    assert naming.clean_names(cleaned) == cleaned


@pytest.mark.django_db
def test_history_shows_a_kept_name_in_the_readers_language() -> None:
    pipeline = Pipeline.objects.create(name="渠道合作", names={"en": "Partner deals"})
    Stage.objects.create(pipeline=pipeline, name="联合方案", names={"en": "Joint proposal"})
    with translation.override("en"):
        assert naming.in_history(Stage, "联合方案") == "Joint proposal"
        assert naming.in_history(Pipeline, "渠道合作") == "Partner deals"
        assert naming.in_history(Stage, "Renamed long ago") == "Renamed long ago"
        assert naming.in_history(Team, "华东销售一部") == "华东销售一部"  # not a model with names
    naming.forget_loaded()
    with translation.override("zh-hans"):
        assert naming.in_history(Stage, "联合方案") == "联合方案"
        assert naming.in_history(Stage, "Proposal") == "方案报价"  # a built-in name, by the catalogue


@pytest.mark.django_db
def test_a_kept_message_reads_in_each_readers_language() -> None:
    pipeline = Pipeline.objects.create(name="Renewals")
    said = naming.Said("No open deal for %(days)d days.", days=30)  # a msgid the pools mark
    with translation.override("en"):
        entry = history.record(actor=None, obj=pipeline, action=HistoryAction.EVENT, message=said)
    entry.refresh_from_db()
    assert entry.message == "No open deal for 30 days."  # as written, for whatever reads it raw
    with translation.override("zh-hans"):
        assert entry.message_text == "已 30 天无进行中商机。"
    plain = history.record(actor=None, obj=pipeline, action=HistoryAction.EVENT, message="typed by hand")
    with translation.override("zh-hans"):
        assert plain.message_text == "typed by hand"
    assert naming.render_said({"id": "%(missing)s"}, "fallback") == "%(missing)s"
    assert naming.render_said({"id": "Hello %(name)s", "params": {}}, "fallback") == "Hello %(name)s"
    assert naming.render_said({"nonsense": 1}, "fallback") == "fallback"


@pytest.mark.django_db
def test_a_change_of_teams_in_history_reads_in_the_readers_language() -> None:
    from tandem.core.templatetags.tandem import history_changes
    from tandem.org.tests.factories import TeamFactory, UserFactory

    TeamFactory(name="华东销售一部", names={"en": "East China Sales 1", "zh-hans": "华东销售一部"})
    TeamFactory(name="技术支持部", names={"en": "Technical Support"})
    person = UserFactory()
    entry = history.record(
        actor=None,
        obj=person,
        action=HistoryAction.UPDATE,
        changes={"teams": [["华东销售一部"], ["华东销售一部", "技术支持部", "Gone team"]]},
    )
    naming.forget_loaded()
    with translation.override("en"):
        (row,) = history_changes(entry, person)
        assert (row["old"], row["new"]) == (
            "East China Sales 1",
            "East China Sales 1, Technical Support, Gone team",
        )
    naming.forget_loaded()
    with translation.override("zh-hans"):
        (row,) = history_changes(entry, person)
        assert row["new"] == "华东销售一部, 技术支持部, Gone team"
