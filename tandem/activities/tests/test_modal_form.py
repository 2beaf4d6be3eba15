"""The top bar's quick follow-up form, written once a language and filled per request
(``quick_followup_modal_form``), is what the include wrote: the person's CSRF token and the page
to return to, escaped, in both languages."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import get_token
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

INCLUDE = (
    '{% include "activities/partials/_quick_followup.html" with variant="modal" '
    'form_id="quick-followup-modal-form" timeline_target="#quick-followup-result" account=None '
    "contact=None lead=None deal=None quick_form=None %}"
)
TAG = "{% load activities %}{% quick_followup_modal_form %}"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def untokened(html: str) -> str:
    """The markup with its CSRF token left out: the token is masked afresh each time it is read."""
    assert len(TOKEN.findall(html)) == 1
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("path", ["/deals/", '/deals/?q=<b>"x"&sort=name', "/deals/?q=tandemquickcsrfmark"])
def test_the_kept_form_is_the_include_filled_in(language: str, path: str) -> None:
    request = RequestFactory().get(path)
    get_token(request)
    with translation.override(language):
        twice = [Template(TAG).render(RequestContext(request)) for _ in range(2)]
        expected = Template(INCLUDE).render(RequestContext(request))
    assert untokened(twice[0]) == untokened(twice[1]) == untokened(expected)
    assert 'name="csrfmiddlewaretoken"' in expected and expected.count("tandemquick") == path.count(
        "tandemquick"
    )
    assert ("写跟进" in expected) == (language == "zh-hans")


def test_each_request_gets_its_own_token_and_path() -> None:
    first, second = RequestFactory().get("/a/"), RequestFactory().get("/b/?x=1&y=2")
    written = [Template(TAG).render(RequestContext(r)) for r in (first, second)]
    assert 'value="/a/"' in written[0] and 'value="/b/?x=1&amp;y=2"' in written[1]
    tokens = [w.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0] for w in written]
    assert tokens[0] != tokens[1] and all(len(t) == 64 for t in tokens)


def test_without_a_token_it_writes_no_token_field_as_the_include() -> None:
    request = RequestFactory().get("/deals/")
    context = {"request": request}
    assert Template(TAG).render(Context(context)) == Template(INCLUDE).render(Context(context))
    assert "csrfmiddlewaretoken" not in Template(TAG).render(Context(context))
