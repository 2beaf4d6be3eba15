"""The built-in report templates, created on migrate (and on first use if missing)."""

from __future__ import annotations

from typing import Any

from .models import ReportKind, ReportTemplate, SectionKind


def _s(
    key: str, en: str, zh: str, kind: str, required: bool = True, help_en: str = "", help_zh: str = ""
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "key": key,
        "title": en,
        "titles": {"en": en, "zh-hans": zh},
        "kind": kind,
        "required": required,
    }
    if help_en:
        section["help"] = help_en
        section["helps"] = {"en": help_en, "zh-hans": help_zh}
    return section


BUILTIN: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    ReportKind.DAILY: (
        "Daily report",
        "日报",
        [
            _s("done", "Done today", "今日完成", SectionKind.TEXT),
            _s("plan", "Plan for tomorrow", "明日计划", SectionKind.PLAN),
            _s(
                "problems",
                "Problems and help needed",
                "问题与需要的支持",
                SectionKind.PROBLEMS,
                required=False,
            ),
        ],
    ),
    ReportKind.WEEKLY: (
        "Weekly report",
        "周报",
        [
            _s("done", "This week's results", "本周成果", SectionKind.TEXT),
            _s("plan", "Next week's plan", "下周计划", SectionKind.PLAN),
            _s("problems", "Problems", "遇到的问题", SectionKind.PROBLEMS, required=False),
            _s("help", "Help needed", "需要的支持", SectionKind.PROBLEMS, required=False),
        ],
    ),
    ReportKind.MONTHLY: (
        "Monthly report",
        "月报",
        [
            _s("done", "This month's results", "本月成果", SectionKind.TEXT),
            _s("plan", "Next month's plan", "下月计划", SectionKind.PLAN),
            _s("problems", "Problems", "遇到的问题", SectionKind.PROBLEMS, required=False),
            _s("help", "Help needed", "需要的支持", SectionKind.PROBLEMS, required=False),
        ],
    ),
}


def ensure_builtin_templates() -> None:
    for kind, (en, zh, sections) in BUILTIN.items():
        if ReportTemplate.objects.filter(kind=kind, is_builtin=True).exists():
            continue
        has_default = ReportTemplate.objects.filter(kind=kind, is_default=True).exists()
        ReportTemplate.objects.create(
            kind=kind,
            name=en,
            names={"en": en, "zh-hans": zh},
            sections=sections,
            is_builtin=True,
            is_default=not has_default,
        )


def default_template(kind: str) -> ReportTemplate:
    found = ReportTemplate.objects.filter(kind=kind, is_default=True, is_active=True).first()
    if found is None:
        ensure_builtin_templates()
        found = ReportTemplate.objects.filter(kind=kind, is_active=True).order_by("-is_default", "id").first()
    assert found is not None
    return found
