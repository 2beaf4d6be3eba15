"""Target pages: my targets (and a person's), a team's grid (people × months, edited in place),
the company view. Views parse, call ``services`` / ``selectors`` and render."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryEntry
from tandem.kpis import engine, periods
from tandem.kpis.company import company_settings
from tandem.kpis.models import KpiDefinition, Unit
from tandem.kpis.periods import Period
from tandem.org.models import Team, User

from . import policies, selectors, services
from .book import Book, Subject, load_book, load_org
from .models import SubjectKind, Target

HISTORY_ROWS = 15


def _actor(request: HttpRequest) -> Actor:
    actor = access.get_actor(request)
    if not actor.has("target", "view"):
        raise Http404
    return actor


def _kpis() -> list[KpiDefinition]:
    return list(KpiDefinition.objects.filter(is_active=True).order_by("order", "id"))


def _kpi(request: HttpRequest, kpis: list[KpiDefinition]) -> KpiDefinition:
    code = request.GET.get("kpi") or request.POST.get("kpi") or "won_amount"
    for kpi in kpis:
        if kpi.code == code:
            return kpi
    if kpis and not (request.GET.get("kpi") or request.POST.get("kpi")):
        return kpis[0]
    raise Http404


def _year(request: HttpRequest) -> Period:
    key = request.GET.get("year") or request.POST.get("year") or None
    if key is not None and not (key.isdigit() and len(key) == 4):
        raise Http404
    try:
        return services.fiscal_year(key)
    except ValueError as exc:  # year 0000
        raise Http404 from exc


def _series_rows(
    actor: Actor, kpi: KpiDefinition, year: Period, subject: Subject, book: Book
) -> list[selectors.AttainmentRow]:
    """The subject's year, quarters and months, actuals from one engine call (``series``)."""
    kind, pk = subject
    scope = (
        engine.Scope(owner_id=pk)
        if kind == SubjectKind.PERSON
        else engine.Scope(team_id=pk)
        if kind == SubjectKind.TEAM
        else engine.Scope()
    )
    chosen = [year, *year.quarters(), *year.months()]
    figures = engine.series(actor=actor, kpi=kpi, periods=chosen, scope=scope)
    settings = company_settings()
    today = selectors.today()
    rows = []
    for period, found in zip(chosen, figures, strict=True):
        target = book.value(subject, period)
        attainment = (
            (found.value / target).quantize(selectors.RATIO_PLACES)
            if target and found.value is not None
            else None
        )
        pace = selectors.pace(
            target=target,
            actual=found.value,
            period=period,
            today=today,
            settings=settings,
            linear=kpi.unit != Unit.PERCENT,
        )
        rows.append(
            selectors.AttainmentRow(
                kind=kind,
                id=pk,
                label=period.label(),
                period=period,
                kpi=kpi,
                target=target,
                actual=found.value,
                attainment=attainment,
                expected=pace.expected,
                pace_ratio=pace.ratio,
                pace=pace.status,
                missing_rates=found.missing_rates,
                currency=settings.currency,
            )
        )
    return rows


def _person_page(request: HttpRequest, actor: Actor, person: User, *, mine: bool) -> HttpResponse:
    kpis = _kpis()
    kpi = _kpi(request, kpis)
    year = _year(request)
    book = load_book(kpi, year)
    subject: Subject = (SubjectKind.PERSON.value, person.pk)
    rows = _series_rows(actor, kpi, year, subject, book)
    today = selectors.today()
    current = [r for r in rows if r.period.kind != periods.MONTH and r.period.contains(today)]
    missing: set[tuple[str, str]] = set()
    for row in rows:
        missing |= set(row.missing_rates)
    months = [r for r in rows if r.period.kind == periods.MONTH]
    chart = {
        "labels": [r.label for r in months],
        "target": [float(r.target) if r.target is not None else None for r in months],
        "actual": [float(r.actual or 0) for r in months],
        "target_name": _("Target"),
        "actual_name": _("Actual"),
        "title": _("Actual vs target by month, %(year)s") % {"year": year.label()},
    }
    history = _history(
        Target.objects.filter(subject_kind=SubjectKind.PERSON, user=person, kpi=kpi).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "targets/person.html",
        {
            "person": person,
            "mine": mine,
            "kpi": kpi,
            "kpis": kpis,
            "year": year,
            "years": _years_around(year),
            "rows": rows,
            "current": current,
            "chart": chart,
            "history": history,
            "missing_rates_text": engine.missing_rates_text(missing),
            "currency": company_settings().currency,
            "money": kpi.unit == Unit.MONEY,
            "leads": _led_teams(actor),
            "sees_company": policies.can_view_company(actor),
        },
    )


def _led_teams(actor: Actor) -> list[Team]:
    """Teams the actor may open the grid of, for the page's links (top ones first)."""
    if policies.can_view_company(actor):
        return list(Team.objects.filter(deleted_at__isnull=True, depth=0).order_by("name")[:20])
    scope = actor.scope_for("target", "view")
    if scope in (access.TEAM, access.SUBTREE):
        return list(
            Team.objects.filter(pk__in=sorted(actor.team_ids), deleted_at__isnull=True).order_by("path")
        )
    return []


def _years_around(year: Period) -> list[Period]:
    return [year.previous(), year, year.next()]


def mine(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    assert actor.user is not None
    return _person_page(request, actor, actor.user, mine=True)


def person(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = User.objects.filter(pk=pk).first()
    if found is None or not policies.can_view_person(actor, found):
        raise Http404
    return _person_page(request, actor, found, mine=found.pk == actor.id)


# --- The team grid --------------------------------------------------------------------------


@dataclass
class Cell:
    name: str
    subject: str
    period: Period
    value: Decimal | None
    editable: bool
    version: int = 0
    explicit: bool = False
    typed: str | None = None
    error: str = ""
    label: str = ""


@dataclass
class GridRow:
    kind: str
    id: int
    label: str
    url: str
    cells: list[Cell]
    totals: list[Cell]
    editable: bool
    members: list[Decimal | None] = field(default_factory=list)
    gaps: list[Decimal | None] = field(default_factory=list)
    top_down: bool = False
    attainment: selectors.AttainmentRow | None = None


def _subject_key(subject: Subject) -> str:
    return f"{subject[0]}-{subject[1]}"


def _cell(
    book: Book,
    subject: Subject,
    period: Period,
    can_edit: bool,
    errors: dict[str, tuple[str, str]],
    label: str,
) -> Cell:
    name = f"{_subject_key(subject)}-{period.key}"
    row = book.row(subject, period)
    typed, error = errors.get(name, (None, ""))
    return Cell(
        name=name,
        subject=_subject_key(subject),
        period=period,
        value=book.value(subject, period),
        editable=can_edit,
        version=row.version if row else 0,
        explicit=row is not None,
        typed=typed,
        error=error,
        label=f"{label} · {period.label()}",
    )


def _team_or_404(actor: Actor, pk: int) -> Team:
    team = Team.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if team is None or not policies.can_view_team(actor, team):
        raise Http404
    return team


def _grid(
    actor: Actor,
    team: Team,
    kpi: KpiDefinition,
    year: Period,
    errors: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    errors = errors or {}
    org = load_org()
    book = load_book(kpi, year, org)
    subjects = selectors.team_subjects(org, team.pk)
    people = {
        u.pk: u for u in User.objects.filter(pk__in=[s[1] for s in subjects if s[0] == SubjectKind.PERSON])
    }
    home = org.home
    year_rows = {
        r.subject: r
        for r in selectors.rows_for(actor=actor, kpi=kpi, period=year, subjects=subjects, book=book)
    }
    months = year.months()
    totals = [*year.quarters(), year]
    rows = []
    for subject in subjects:
        kind, pk = subject
        if kind == SubjectKind.PERSON:
            editable = policies.can_set_person(actor, people[pk], member_of=frozenset([home[pk]]))
        elif pk == team.pk:
            editable = policies.can_set_team(actor, team)
        else:
            editable = False  # a sub-team's top-down figures are set on its own grid

        label = year_rows[subject].label if subject in year_rows else ""
        attainment = year_rows.get(subject)
        rows.append(
            GridRow(
                kind=kind,
                id=pk,
                label=attainment.label if attainment else "",
                url=attainment.url if attainment else "",
                cells=[_cell(book, subject, m, editable, errors, label) for m in months],
                totals=[_cell(book, subject, p, False, errors, label) for p in totals],
                editable=editable,
                members=[book.tree_sum(subject, p) for p in [*months, *totals]]
                if kind == SubjectKind.TEAM
                else [],
                gaps=[
                    (book.value(subject, p) or Decimal(0)) - (book.tree_sum(subject, p) or Decimal(0))
                    if book.is_top_down(subject, p)
                    else None
                    for p in [*months, *totals]
                ]
                if kind == SubjectKind.TEAM
                else [],
                top_down=book.is_top_down(subject, year),
                attainment=attainment,
            )
        )
    shown = set(subjects)  # only the grid's own rows: the book holds the whole company's
    ids = [t.pk for (subject, _kind, _start), t in book.rows.items() if subject in shown]
    people_rows = [r for r in rows if r.kind == SubjectKind.PERSON]
    return {
        "team": team,
        "kpi": kpi,
        "year": year,
        "months": months,
        "totals": totals,
        "team_row": rows[0],
        "people_rows": people_rows,
        "team_rows": [r for r in rows[1:] if r.kind == SubjectKind.TEAM],
        "editable_people": [r for r in people_rows if r.editable],
        "can_set_team": rows[0].editable,
        "history": _history(ids),
        "money": kpi.unit == Unit.MONEY,
        "whole": kpi.unit == Unit.COUNT,
        "currency": company_settings().currency,
        "grid_errors": bool(errors),
    }


@dataclass
class Change:
    at: Any
    actor: Any
    what: str
    old: Any
    new: Any


def _history(ids: Any) -> list[Change]:
    """The latest changes to these targets, each named in the reader's language (a target
    deleted since keeps the name it had)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Target)
    entries = list(
        HistoryEntry.objects.filter(content_type=ct, object_id__in=list(ids))
        .select_related("actor")
        .order_by("-at", "-id")[:HISTORY_ROWS]
    )
    targets = {
        t.pk: t
        for t in Target.objects.filter(pk__in=[e.object_id for e in entries]).select_related(
            "user", "team", "kpi"
        )
    }
    fiscal_start = company_settings().fiscal_year_start_month
    changes = []
    for entry in entries:
        target = targets.get(entry.object_id)
        what = entry.object_repr
        if target is not None:
            what = " · ".join(
                [str(target.subject_label), target.kpi.display_name, target.period(fiscal_start).label()]
            )
        pair = (entry.changes or {}).get("value") or [None, None]
        changes.append(Change(at=entry.at, actor=entry.actor, what=what, old=pair[0], new=pair[1]))
    return changes


def team(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = _team_or_404(actor, pk)
    kpis = _kpis()
    kpi = _kpi(request, kpis)
    year = _year(request)
    context = _grid(actor, found, kpi, year)
    ancestors = [
        t
        for t in Team.objects.filter(pk__in=found.ancestor_ids).order_by("depth")
        if policies.can_view_team(actor, t)
    ]
    context.update(
        {
            "kpis": kpis,
            "years": _years_around(year),
            "ancestors": ancestors,
            "sees_company": policies.can_view_company(actor),
        }
    )
    return render(request, "targets/team.html", context)


def _parse_subject(raw: str, found: Team, org_people: dict[int, int]) -> tuple[str, User | Team | None]:
    kind, _sep, pk = raw.partition("-")
    if not pk.isdigit():
        raise Http404
    if kind == SubjectKind.TEAM and int(pk) == found.pk:
        return kind, found
    if kind == SubjectKind.PERSON and org_people.get(int(pk)) == found.pk:
        user = User.objects.filter(pk=int(pk)).first()
        if user is not None:
            return kind, user
    raise Http404


@require_POST
def team_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """One month of one row saved in place (htmx): the grid again, the cell's error inline."""
    actor = _actor(request)
    found = _team_or_404(actor, pk)
    kpi = _kpi(request, _kpis())
    year = _year(request)
    name = request.POST.get("cell", "")  # "<kind>-<id>-<YYYY>-<MM>"
    parts = name.split("-")
    if len(parts) != 4:
        raise Http404
    subject_raw, month_key = f"{parts[0]}-{parts[1]}", f"{parts[2]}-{parts[3]}"
    try:
        month = periods.period_from_key(month_key, fiscal_start=year.fiscal_start)
    except ValueError as exc:
        raise Http404 from exc
    if month.kind != periods.MONTH or not (year.start <= month.start <= year.end):
        raise Http404
    kind, subject = _parse_subject(subject_raw, found, load_org().home)
    raw = request.POST.get(name, "").strip()
    try:
        version = int(request.POST.get("version", "0") or 0)
    except ValueError:
        version = -1
    errors: dict[str, tuple[str, str]] = {}
    try:
        if raw == "":
            existing = Target.objects.filter(
                subject_kind=kind,
                **({"user": subject} if kind == SubjectKind.PERSON else {"team": subject}),
                kpi=kpi,
                period_kind=periods.MONTH,
                start=month.start,
            ).first()
            if existing is not None:
                services.target_delete(actor=actor, target=existing, version=version)
            elif version:
                raise VersionConflict(current={}, version=0)
        else:
            services.target_set(
                actor=actor, kind=kind, subject=subject, kpi=kpi, period=month, value=raw, version=version
            )
    except ValidationError as exc:
        errors[name] = (raw, " ".join(exc.messages))
    except VersionConflict:
        errors[name] = (
            raw,
            _("Someone changed this target meanwhile; the grid shows theirs now. Enter yours again."),
        )
    except PermissionDenied:
        errors[name] = (raw, _("You may not set this target."))
    context = {**_grid(actor, found, kpi, year, errors), "oob": True}  # the history card too
    return render(request, "targets/partials/_grid.html", context, status=400 if errors else 200)


@require_POST
def team_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid's helpers: spread, copy last year, copy a row, fill the team."""
    actor = _actor(request)
    found = _team_or_404(actor, pk)
    kpi = _kpi(request, _kpis())
    year = _year(request)
    org = load_org()
    back = reverse("targets:team", args=[found.pk]) + f"?kpi={kpi.code}&year={year.key}"
    what = request.POST.get("action", "")
    try:
        if what == "spread":
            kind, subject = _parse_subject(request.POST.get("subject", ""), found, org.home)
            key = request.POST.get("period", year.key)
            try:
                period = periods.period_from_key(key, fiscal_start=year.fiscal_start)
            except ValueError as exc:
                raise ValidationError({"period": [_("Choose a quarter or a year to spread.")]}) from exc
            if not (year.start <= period.start <= year.end):
                raise ValidationError({"period": [_("Choose a quarter or a year to spread.")]})
            services.target_spread(
                actor=actor,
                kind=kind,
                subject=subject,
                kpi=kpi,
                period=period,
                value=request.POST.get("value", ""),
            )
            messages.success(request, _("Spread over the months."))
        elif what == "copy_year":
            users = list(User.objects.filter(pk__in=org.people_of.get(found.pk, [])))
            n = services.targets_copy_year(
                actor=actor, users=users, kpi=kpi, year=year, percent=request.POST.get("percent", "0")
            )
            messages.success(request, _("Copied %(n)s monthly targets from last year.") % {"n": n})
        elif what == "copy_row":
            kind, source = _parse_subject(request.POST.get("subject", ""), found, org.home)
            if not isinstance(source, User):
                raise Http404
            chosen = {int(x) for x in request.POST.getlist("to") if x.isdigit()}
            members = org.people_of.get(found.pk, [])
            users = list(User.objects.filter(pk__in=[u for u in members if (not chosen or u in chosen)]))
            users = [u for u in users if policies.can_set_person(actor, u)]
            n = services.targets_copy_row(actor=actor, source=source, users=users, kpi=kpi, year=year)
            messages.success(request, _("Copied %(n)s monthly targets.") % {"n": n})
        elif what == "fill":
            n = services.team_fill(
                actor=actor, team=found, kpi=kpi, year=year, value=request.POST.get("value", "")
            )
            messages.success(request, _("Shared the team's target among %(n)s people.") % {"n": n})
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("You may not set this target."))
    return redirect(back)


# --- The company view ------------------------------------------------------------------------


def company(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not policies.can_view_company(actor):
        raise Http404
    kpis = _kpis()
    kpi = _kpi(request, kpis)
    key = request.GET.get("period") or ""
    try:
        period = (
            periods.period_from_key(key)
            if key
            else periods.period_containing(selectors.today(), periods.QUARTER)
        )
    except ValueError as exc:
        raise Http404 from exc
    org = load_org()
    book = load_book(
        kpi, periods.period_containing(period.start, periods.YEAR, fiscal_start=period.fiscal_start), org
    )
    subjects: list[Subject] = [(SubjectKind.COMPANY.value, 0)] + [
        (SubjectKind.TEAM.value, t) for t in org.teams
    ]
    rows = selectors.rows_for(actor=actor, kpi=kpi, period=period, subjects=subjects, book=book)
    depth = {t.pk: t.depth for t in org.teams.values()}
    year = periods.period_containing(period.start, periods.YEAR, fiscal_start=period.fiscal_start)
    choices = [year, *year.quarters(), *year.months()]
    missing: set[tuple[str, str]] = set()
    for row in rows:
        missing |= set(row.missing_rates)
    return render(
        request,
        "targets/company.html",
        {
            "kpi": kpi,
            "kpis": kpis,
            "period": period,
            "choices": choices,
            "previous": period.previous(),
            "next": period.next(),
            "company_row": rows[0],
            "team_rows": [(row, depth.get(row.id, 0)) for row in rows[1:]],
            "money": kpi.unit == Unit.MONEY,
            "currency": company_settings().currency,
            "missing_rates_text": engine.missing_rates_text(missing),
        },
    )
