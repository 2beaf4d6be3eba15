"""The usual lost reasons, and each deal's old text turned into one (decision 0030).

A deal whose text is the name of a reason in any language ("Price", "价格") gets that reason and
no note; any other text becomes the built-in "other" with the text as its note, so nothing a rep
wrote is lost. Reversed, the text comes back: the note, else the reason's name.
"""

from django.db import migrations

# (name, Chinese name, is_other): the names as they were when this migration was written.
DEFAULTS = [
    ("Price", "价格", False),
    ("Competitor", "竞争对手", False),
    ("No budget", "没有预算", False),
    ("Timing", "时机不对", False),
    ("No decision", "客户未做决定", False),
    ("Other", "其他", True),
]


def seed(apps, schema_editor):
    LostReason = apps.get_model("deals", "LostReason")
    Deal = apps.get_model("deals", "Deal")
    reasons = []
    for order, (name, chinese, is_other) in enumerate(DEFAULTS):
        reason, _created = LostReason.objects.get_or_create(
            is_other=is_other,
            name=name,
            defaults={"names": {"en": name, "zh-hans": chinese}, "order": order},
        )
        reasons.append(reason)
    deals = Deal._base_manager.filter(lost_reason_ref__isnull=True).exclude(lost_reason="")
    for reason in reasons:
        for name in {reason.name, *reason.names.values()}:
            deals.filter(lost_reason__iexact=name).update(lost_reason_ref=reason, lost_reason="")
    other = next(r for r in reasons if r.is_other)
    deals.update(lost_reason_ref=other)


def unseed(apps, schema_editor):
    Deal = apps.get_model("deals", "Deal")
    LostReason = apps.get_model("deals", "LostReason")
    for reason in LostReason.objects.all():
        Deal._base_manager.filter(lost_reason_ref=reason, lost_reason="").update(lost_reason=reason.name)
    Deal._base_manager.update(lost_reason_ref=None)
    LostReason.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0014_lost_reasons"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
