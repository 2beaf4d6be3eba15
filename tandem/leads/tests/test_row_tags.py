"""The leads list's rows written in Python (``templatetags/lead_rows.py``) write what the
template's column chain wrote, escaping included, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from tandem.conftest import World
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.leads.views import COLUMNS as LEAD_COLUMNS

# The rows as the list template wrote them before the tag, kept as the reference (the owner cell
# as mended since: an owner without a display name is shown by username, not as "Unassigned").
LEAD_ROW = """{% load i18n tandem %}{% for lead in rows %}<tr>
          {% if can_edit %}<td><input class="form-check-input m-0" type="checkbox" name="ids" value="{{ lead.pk }}" data-bulk-row aria-label="{% blocktranslate with name=lead.name %}Select {{ name }}{% endblocktranslate %}"></td>{% endif %}
          {% for column in columns %}
          {% if column.key == "name" %}<td class="cell-title"><a href="{{ lead.get_absolute_url }}" class="fw-medium">{{ lead.name }}</a>{% if lead.title %}<div class="small text-secondary">{{ lead.title }}</div>{% endif %}</td>
          {% elif column.key == "company" %}<td class="cell-fact">{{ lead.company|default:"—" }}</td>
          {% elif column.key == "status" %}<td class="cell-fact">{% include "leads/partials/_status_badge.html" %}</td>
          {% elif column.key == "mobile" %}<td class="text-nowrap{% if lead.mobile or lead.phone %} cell-action{% endif %}">{% if lead.mobile or lead.phone %}<a class="text-reset d-none d-md-inline" href="tel:{{ lead.mobile|default:lead.phone }}">{{ lead.mobile|default:lead.phone|phone }}</a><a class="btn btn-outline-primary d-md-none" href="tel:{{ lead.mobile|default:lead.phone }}" aria-label="{% blocktranslate with name=lead.name %}Call {{ name }}{% endblocktranslate %}"><i class="bi bi-telephone me-1" aria-hidden="true"></i>{% translate "Call" %}</a>{% else %}—{% endif %}</td>
          {% elif column.key == "source" %}<td>{{ lead.get_source_display|default:"—" }}</td>
          {% elif column.key == "owner" %}<td>{% if lead.owner %}{{ lead.owner }}{% else %}{% translate "Unassigned" %}{% endif %}</td>
          {% elif column.key == "last_follow_up_at" %}<td class="text-nowrap">{{ lead.last_follow_up_at|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
          {% elif column.key == "next_follow_up_on" %}<td class="text-nowrap cell-fact" data-label="{{ column.label }}">{{ lead.next_follow_up_on|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
          {% elif column.key == "email" %}<td>{{ lead.email|default:"—" }}</td>
          {% elif column.key == "city" %}<td>{{ lead.city|default:"—" }}</td>
          {% elif column.key == "created_at" %}<td class="text-nowrap">{{ lead.created_at|date:"SHORT_DATE_FORMAT" }}</td>
          {% endif %}
          {% endfor %}
</tr>{% endfor %}"""

LEAD_TAG = (
    "{% load lead_rows %}{% for lead in rows %}<tr>{% lead_row lead columns can_edit %}</tr>{% endfor %}"
)


def tight(html: str) -> str:
    """The markup without the whitespace between tags the template's layout added."""
    return re.sub(r">\s+<", "><", html).strip()


def render(source: str, **context: Any) -> str:
    return tight(Template(source).render(Context(context)))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("can_edit", [True, False])
def test_the_lead_row_tag_writes_what_the_template_wrote(world: World, language: str, can_edit: bool) -> None:
    LeadFactory(
        owner=world.owner,
        name='Wang <Wu> "&"',
        title="Buyer & <boss>",
        company="R&D <Co>",
        mobile="+8613800138000",
        email="w@example.com",
        city="上海",
        last_follow_up_at=timezone.now(),
        next_follow_up_on=timezone.localdate(),
    )
    LeadFactory(owner=None, name="Nobody", phone="+8613900139000", status="qualified")
    LeadFactory(owner=world.teammate, name="Plain", status="unqualified")
    rows = list(Lead.objects.select_related("owner").order_by("id"))
    with translation.override(language):
        context = {"rows": rows, "columns": LEAD_COLUMNS, "can_edit": can_edit}
        expected = render(LEAD_ROW, **context)
        written = render(LEAD_TAG, **context)
    assert written == expected
    assert "Wang &lt;Wu&gt; &quot;&amp;&quot;" in written and "tel:+8613900139000" in written
    assert ('name="ids"' in written) == can_edit


def test_an_owner_without_a_display_name_is_shown_by_username(world: World) -> None:
    world.teammate.display_name = ""
    world.teammate.save(update_fields=["display_name"])
    LeadFactory(owner=world.teammate, name="Kept")
    LeadFactory(owner=None, name="Nobody's")
    rows = list(Lead.objects.select_related("owner").order_by("id"))
    written = render(LEAD_TAG, rows=rows, columns=LEAD_COLUMNS, can_edit=False)
    assert f"<td>{world.teammate.username}</td>" in written
    assert written.count("<td>Unassigned</td>") == 1
