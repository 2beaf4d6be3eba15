"""The account and contact lists' rows written in Python (``templatetags/customer_rows.py``)
write what the template's column chain wrote, escaping included, in both languages."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from tandem.conftest import World
from tandem.core.models import Tag
from tandem.customers.models import Account, AccountLevel, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.customers.views import ACCOUNT_COLUMNS, CONTACT_COLUMNS, _mark_rows

# The rows as the list templates wrote them before the tags, kept as the reference.
ACCOUNT_ROW = """{% load i18n tandem %}{% for account in rows %}<tr>
          {% if bulk_actions %}<td><input class="form-check-input m-0" type="checkbox" name="ids" value="{{ account.pk }}" data-bulk-row aria-label="{% blocktranslate with name=account.name %}Select {{ name }}{% endblocktranslate %}"></td>{% endif %}
          {% for column in columns %}
          {% if column.key == "name" %}
          <td class="account-name-cell cell-title">
            <a href="{{ account.get_absolute_url }}" class="fw-medium">{{ account.name }}</a>
            {% if account.is_stale %}<span class="badge bg-orange-lt ms-1 text-nowrap" title="{% translate 'No follow-up in the last 30 days' %}"><i class="bi bi-hourglass-bottom" aria-hidden="true"></i> {% translate "stale" %}</span>{% endif %}
            {% if not account.owner_id %}<span class="badge bg-cyan-lt ms-1 text-nowrap"><i class="bi bi-water" aria-hidden="true"></i> {% translate "in pool" %}</span>{% endif %}
          </td>
          {% elif column.key == "owner" %}
          <td class="text-nowrap{% if account.owner %} cell-fact{% endif %}">{% if account.owner %}<span class="avatar avatar-xs me-1" aria-hidden="true">{{ account.owner.initials }}</span>{{ account.owner }}{% else %}<span class="text-secondary">—</span>{% endif %}</td>
          {% elif column.key == "level" %}
          <td>{% if account.level %}<span class="badge bg-blue-lt">{{ account.level.display_name }}</span>{% else %}<span class="text-secondary">—</span>{% endif %}</td>
          {% elif column.key == "lifecycle" %}
          <td class="text-nowrap">{{ account.get_lifecycle_display }}</td>
          {% elif column.key == "industry" %}
          <td>{{ account.industry|default:"—" }}</td>
          {% elif column.key == "city" %}
          <td class="text-nowrap">{{ account.city|default:"—" }}</td>
          {% elif column.key == "last_follow_up" %}
          <td class="num cell-fact" data-label="{{ column.label }}">{% if account.last_follow_up_at %}<time datetime="{{ account.last_follow_up_at|date:'c' }}" title="{{ account.last_follow_up_at|date:'DATETIME_FORMAT' }}">{{ account.last_follow_up_at|date:"SHORT_DATE_FORMAT" }}</time>{% else %}<span class="text-secondary">{% translate "never" %}</span>{% endif %}</td>
          {% elif column.key == "next_follow_up" %}
          <td class="num">{% if account.next_follow_up_on %}{{ account.next_follow_up_on|date:"SHORT_DATE_FORMAT" }}{% else %}<span class="text-secondary">—</span>{% endif %}</td>
          {% elif column.key == "tags" %}
          <td>{% for tag in account.tags.all %}<span class="badge bg-secondary-lt me-1">{{ tag.name }}</span>{% empty %}<span class="text-secondary">—</span>{% endfor %}</td>
          {% elif column.key == "team" %}
          <td class="text-nowrap">{{ account.team.display_name|default:"—" }}</td>
          {% elif column.key == "created" %}
          <td class="num">{{ account.created_at|date:"SHORT_DATE_FORMAT" }}</td>
          {% endif %}
          {% endfor %}
          {% if account.owner_id and account.phone %}<td class="cell-action d-md-none"><a class="btn btn-outline-primary" href="tel:{{ account.phone }}" aria-label="{% blocktranslate with name=account.name %}Call {{ name }}{% endblocktranslate %}"><i class="bi bi-telephone me-1" aria-hidden="true"></i>{% translate "Call" %}</a></td>{% endif %}
</tr>{% endfor %}"""

CONTACT_ROW = """{% load i18n tandem %}{% for contact in rows %}<tr>
        {% for column in columns %}
        {% if column.key == "name" %}<td class="cell-title"><a href="{{ contact.get_absolute_url }}" class="fw-medium">{{ contact.name }}</a></td>
        {% elif column.key == "account" %}<td class="cell-fact">{% if contact.account %}<a href="{{ contact.account.get_absolute_url }}" class="text-reset">{{ contact.account.name }}</a>{% else %}<span class="text-secondary">—</span>{% endif %}</td>
        {% elif column.key == "title" %}<td class="cell-fact">{{ contact.title|default:"—" }}</td>
        {% elif column.key == "mobile" %}<td class="text-nowrap{% if contact.mobile %} cell-action{% endif %}">{% if contact.mobile %}<a href="tel:{{ contact.mobile }}" class="text-reset d-none d-md-inline">{{ contact.mobile|phone }}</a><a href="tel:{{ contact.mobile }}" class="btn btn-outline-primary d-md-none" aria-label="{% blocktranslate with name=contact.name %}Call {{ name }}{% endblocktranslate %}"><i class="bi bi-telephone me-1" aria-hidden="true"></i>{% translate "Call" %}</a>{% else %}<span class="text-secondary">—</span>{% endif %}</td>
        {% elif column.key == "email" %}<td class="text-break">{{ contact.email|default:"—" }}</td>
        {% elif column.key == "owner" %}<td class="text-nowrap">{{ contact.owner|default:"—" }}</td>
        {% elif column.key == "last_follow_up" %}<td class="num">{{ contact.last_follow_up_at|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        {% elif column.key == "tags" %}<td>{% for tag in contact.tags.all %}<span class="badge bg-secondary-lt me-1">{{ tag.name }}</span>{% empty %}—{% endfor %}</td>
        {% elif column.key == "created" %}<td class="num">{{ contact.created_at|date:"SHORT_DATE_FORMAT" }}</td>
        {% endif %}
        {% endfor %}
</tr>{% endfor %}"""

ACCOUNT_TAG = "{% load customer_rows %}{% for account in rows %}<tr>{% account_row account columns bulk_actions %}</tr>{% endfor %}"
CONTACT_TAG = "{% load customer_rows %}{% for contact in rows %}<tr>{% contact_cells contact columns %}</tr>{% endfor %}"


def tight(html: str) -> str:
    """The markup without the whitespace between tags the template's layout added."""
    return re.sub(r">\s+<", "><", html).strip()


def render(source: str, **context: Any) -> str:
    return tight(Template(source).render(Context(context)))


@pytest.fixture
def accounts(world: World) -> list[Account]:
    level = AccountLevel.objects.create(code="T9", name="Key <A>", order=9)
    tag = Tag.objects.create(name='VIP & "gold"')
    long_ago = timezone.now() - datetime.timedelta(days=90)
    made = [
        AccountFactory(
            owner=world.owner,
            name='Acme <b>&</b> "Co"',
            phone="+8613800138000",
            industry="Retail & <x>",
            city="上海",
            level=level,
            last_follow_up_at=timezone.now() - datetime.timedelta(days=2),
            next_follow_up_on=datetime.date(2026, 12, 24),
        ),
        AccountFactory(
            owner=world.owner, name="Stale 公司", last_follow_up_at=long_ago, owned_since=long_ago
        ),
        AccountFactory(owner=None, name="Pool customer", phone="+8613900139000"),
    ]
    made[0].tags.add(tag)
    rows = list(
        Account.objects.filter(pk__in=[a.pk for a in made])
        .select_related("owner", "team", "level")
        .prefetch_related("tags")
        .order_by("id")
    )
    return _mark_rows(rows)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("bulk", [True, False])
def test_the_account_row_tag_writes_what_the_template_wrote(
    accounts: list[Account], language: str, bulk: bool
) -> None:
    with translation.override(language):
        context = {"rows": accounts, "columns": ACCOUNT_COLUMNS, "bulk_actions": bulk}
        expected = render(ACCOUNT_ROW, **context)
        written = render(ACCOUNT_TAG, **context)
    assert written == expected
    assert "Acme &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;" in written
    assert ('name="ids"' in written) == bulk


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_contact_cells_tag_writes_what_the_template_wrote(world: World, language: str) -> None:
    account = AccountFactory(owner=world.owner, name="R&D <Ltd>")
    tag = Tag.objects.create(name="<tag>")
    first = ContactFactory(
        account=account,
        name='Li <Lei> "&"',
        title="CTO & <boss>",
        mobile="+8613800138000",
        email="li@example.com",
        last_follow_up_at=timezone.now(),
    )
    first.tags.add(tag)
    ContactFactory(account=None, owner=None, name="Nobody")
    rows = list(Contact.objects.select_related("account", "owner").prefetch_related("tags").order_by("id"))
    with translation.override(language):
        context = {"rows": rows, "columns": CONTACT_COLUMNS}
        expected = render(CONTACT_ROW, **context)
        written = render(CONTACT_TAG, **context)
    assert written == expected
    assert "Li &lt;Lei&gt; &quot;&amp;&quot;" in written and "tel:+8613800138000" in written
