"""The account page's timeline entries written in Python (``templatetags/timeline.py``) write what
the template's loop wrote, escaping included, in both languages."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

# The entries as ``customers/partials/_timeline_items.html`` wrote them before the tag.
TIMELINE_LOOP = """{% load i18n %}{% for item in timeline %}
<li class="timeline-item d-flex gap-2 py-2 border-bottom">
  {% if item.kind == "follow_up" %}
  <span class="avatar avatar-sm bg-blue-lt flex-shrink-0"><i class="bi bi-chat-left-text" aria-hidden="true"></i><span class="visually-hidden">{% translate "Follow-up" %}</span></span>
  {% elif item.kind == "stage_change" %}
  <span class="avatar avatar-sm bg-green-lt flex-shrink-0"><i class="bi bi-flag" aria-hidden="true"></i><span class="visually-hidden">{% translate "Deal stage" %}</span></span>
  {% else %}
  <span class="avatar avatar-sm bg-secondary-lt flex-shrink-0"><i class="bi bi-pencil-square" aria-hidden="true"></i><span class="visually-hidden">{% translate "Change" %}</span></span>
  {% endif %}
  <div class="flex-fill min-w-0">
    <div class="d-flex flex-wrap gap-2 align-items-baseline">
      <strong>{{ item.title }}</strong>
      <span class="text-secondary small">{{ item.actor_name|default:_("System") }} · <time datetime="{{ item.at|date:'c' }}">{{ item.at|date:"SHORT_DATETIME_FORMAT" }}</time></span>
    </div>
    {% if item.text %}<div class="text-break">{{ item.text|linebreaksbr }}</div>{% endif %}
    {% if item.rows %}
    <dl class="history-changes mb-0 mt-1">
      {% for row in item.rows %}<div><dt class="d-inline fw-normal text-secondary">{{ row.field|capfirst }}:</dt>
        <dd class="d-inline ms-1">{% if row.old != "—" %}<del>{{ row.old|truncatechars:120 }}</del> <i class="bi bi-arrow-right" aria-label="{% translate 'changed to' %}"></i> {% endif %}<ins>{{ row.new|truncatechars:120 }}</ins></dd></div>{% endfor %}
    </dl>
    {% endif %}
  </div>
</li>
{% endfor %}"""

TIMELINE_TAG = "{% load timeline %}{% timeline_entries timeline %}"


def tight(html: str) -> str:
    """The markup without the whitespace the template's layout added between and inside tags."""
    return re.sub(r">\s+<", "><", re.sub(r"\n\s*", "", html)).strip()


def render(source: str, **context: Any) -> str:
    return tight(Template(source).render(Context(context)))


def _items() -> list[dict[str, Any]]:
    at = timezone.now().replace(microsecond=123456)
    return [
        {
            "kind": "follow_up",
            "id": 1,
            "at": at,
            "actor_name": 'Wang <Wu> "&"',
            "title": "Call & <visit>",
            "text": 'line one\nline <two> & "three"\r\nfour',
        },
        {
            "kind": "stage_change",
            "id": 2,
            "at": at - datetime.timedelta(days=3),
            "actor_name": None,
            "title": "Deal <A> entered 谈判",
            "text": "",
        },
        {
            "kind": "history",
            "id": 3,
            "at": at - datetime.timedelta(days=40, hours=5),
            "actor_name": "",
            "title": "Updated",
            "text": "",
            "rows": [
                {"field": "phone", "old": "—", "new": "+86 138 <0013> 8000"},
                {"field": "name", "old": "Old & <name>" * 20, "new": 'New "name"' * 20},
                {"field": "描述", "old": "甲", "new": "乙"},
            ],
        },
        {
            "kind": "history",
            "id": 4,
            "at": at,
            "actor_name": "Li",
            "title": "Created",
            "text": "",
            "rows": [],
        },
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_timeline_tag_writes_what_the_template_wrote(language: str) -> None:
    items = _items()
    with translation.override(language), timezone.override("Asia/Shanghai"):
        expected = render(TIMELINE_LOOP, timeline=items)
        written = render(TIMELINE_TAG, timeline=items)
    assert written == expected
    assert "Wang &lt;Wu&gt; &quot;&amp;&quot;" in written and "line one<br>line &lt;two&gt;" in written
    assert written.count("<li ") == 4 and written.count("<del>") == 2
    assert "+08:00" in written  # the time in the reader's zone, as the date filter wrote it
    with translation.override(language):
        raw = Template(TIMELINE_TAG).render(Context({"timeline": items}))
    assert raw.count(":</dt> <dd") == 3  # inline label and value apart, as the template's line break


def test_no_entries_write_nothing() -> None:
    assert render(TIMELINE_TAG, timeline=[]) == ""
