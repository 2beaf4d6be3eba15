"""Every string a person reads is translated, and every catalogue is up to date with its source.

Each app keeps its own zh_Hans catalogue (``tandem/<app>/locale``). These tests fail with the
missing msgids listed; the fix is always: run ``make messages`` and translate the new entries.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from tandem.core.i18n import LANGUAGE, app_dirs, catalogue, compile_all, problems

VENV_BIN = Path(sys.executable).parent
TANDEM = VENV_BIN / "tandem"
FIX = "run `make messages` and translate the new entries"

APPS = app_dirs()
APPS_WITH_CATALOGUE = [app for app in APPS if catalogue(app).exists()]


def app_id(app: Path) -> str:
    return app.name


def extract(app: Path, tmp_path: Path) -> polib.POFile:
    """Run Django's makemessages on a copy of the app: what the source asks for right now."""
    copy = tmp_path / app.name
    shutil.copytree(
        app,
        copy,
        ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "tests", "migrations"),
    )
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    command = [str(TANDEM), "makemessages", "-l", LANGUAGE, "--no-location", "-v0"]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    extracted = catalogue(copy)
    if not extracted.exists():  # nothing translatable in the app
        return polib.POFile()
    return polib.pofile(str(extracted))


def wanted(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in po if entry.msgid and not entry.obsolete}


def translated(po: polib.POFile) -> set[tuple[str | None, str]]:
    done = set()
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        ok = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if ok:
            done.add((entry.msgctxt, entry.msgid))
    return done


def listing(keys: set[tuple[str | None, str]]) -> str:
    return "\n".join(f"  {ctx + ' | ' if ctx else ''}{msgid!r}" for ctx, msgid in sorted(keys, key=str))


def test_it_has_xgettext_for_makemessages() -> None:
    assert shutil.which("xgettext"), "makemessages needs GNU gettext (apt-get install gettext)"


@pytest.mark.parametrize("app", APPS_WITH_CATALOGUE, ids=app_id)
def test_it_has_no_untranslated_or_fuzzy_entries(app: Path) -> None:
    found = problems(catalogue(app))
    assert not found, f"{catalogue(app)}: {len(found)} problem(s); {FIX}:\n" + "\n".join(found)


@pytest.mark.parametrize("app", APPS_WITH_CATALOGUE, ids=app_id)
def test_it_keeps_the_catalogue_up_to_date_with_the_source(app: Path, tmp_path: Path) -> None:
    source = wanted(extract(app, tmp_path))
    committed = polib.pofile(str(catalogue(app)))
    missing = source - wanted(committed)
    assert not missing, (
        f"{app.name}: {len(missing)} msgid(s) in the source but not in the catalogue; {FIX}:\n"
        + (listing(missing))
    )
    untranslated = source - translated(committed)
    assert not untranslated, f"{app.name}: {len(untranslated)} msgid(s) not translated; {FIX}:\n" + listing(
        untranslated
    )


@pytest.mark.parametrize("app", APPS, ids=app_id)
def test_it_gives_every_app_with_translatable_strings_a_catalogue(app: Path, tmp_path: Path) -> None:
    if catalogue(app).exists():
        return
    source = wanted(extract(app, tmp_path))
    assert not source, (
        f"{app.name} has {len(source)} translatable string(s) but no catalogue at "
        f"{catalogue(app).relative_to(app.parent.parent)}; {FIX}:\n" + listing(source)
    )


@pytest.mark.parametrize("app", APPS_WITH_CATALOGUE, ids=app_id)
def test_it_keeps_placeholders_in_translations(app: Path) -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    wrong = []
    for entry in polib.pofile(str(catalogue(app))):
        if entry.obsolete or not entry.msgstr:
            continue
        if sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr)):
            wrong.append(f"  {entry.msgid!r} -> {entry.msgstr!r}")
    assert not wrong, f"{app.name}: placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_a_msgid_reads_the_same_in_every_catalogue() -> None:
    """Django merges the apps' catalogues into one, so a msgid translated two ways reads one way
    everywhere (a follow-up's "Next: Dec 17" read 下一页, "next page"). Strings
    that mean different things take a context (``pgettext`` / ``{% translate … context … %}``)."""
    seen: dict[tuple[str | None, str, str | None], dict[str, object]] = {}
    for app in APPS_WITH_CATALOGUE:
        for entry in polib.pofile(str(catalogue(app))):
            if entry.obsolete or not entry.msgid:
                continue
            value = entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
            seen.setdefault((entry.msgctxt, entry.msgid, entry.msgid_plural), {})[app.name] = value
    clashes = {key[1]: apps for key, apps in seen.items() if len(set(apps.values())) > 1}
    assert not clashes, f"translate these the same in every app, or give them a context: {clashes}"


def test_it_compiles_catalogues_that_gettext_can_load() -> None:
    compile_all()
    for app in APPS_WITH_CATALOGUE:
        mo = catalogue(app).with_suffix(".mo")
        assert mo.exists(), f"{mo} was not compiled"
        with mo.open("rb") as handle:
            loaded = gettext.GNUTranslations(handle)
        assert loaded.info().get("content-type", "").lower().endswith("charset=utf-8")


def test_it_translates_a_known_core_string_once_compiled() -> None:
    compile_all()
    trans_real._translations = {}
    trans_real._default = None
    try:
        with translation.override("zh-hans"):
            assert translation.gettext("Recycle bin") == "回收站"
            assert translation.gettext("Back to home") == "返回首页"
        with translation.override("en"):
            assert translation.gettext("Recycle bin") == "Recycle bin"
    finally:
        translation.activate(settings.LANGUAGE_CODE)


def test_it_knows_the_apps_that_hold_strings() -> None:
    names = {app.name for app in APPS}
    assert {"core", "org"} <= names
    assert (Path(APPS[0]).parent / "core" / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po").exists()


def test_every_field_a_records_history_shows_has_a_translatable_name() -> None:
    """History labels a change by the field's verbose name; one Django derived from the attribute
    ("converted account") read in English on a Chinese page."""
    from django.apps import apps
    from django.utils.functional import Promise

    from tandem.core.history import tracked_fields
    from tandem.core.templatetags.tandem import HIDDEN_CHANGE_FIELDS

    untranslated = []
    for label in (
        "customers.Account",
        "customers.Contact",
        "customers.Pool",
        "leads.Lead",
        "deals.Deal",
        "deals.Product",
        "deals.Pipeline",
        "deals.Stage",
        "activities.Activity",
    ):
        model = apps.get_model(label)
        for field in tracked_fields(model()):
            if field.name not in HIDDEN_CHANGE_FIELDS and not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{label}.{field.name}")
    assert untranslated == [], f"give these a verbose name marked for translation: {untranslated}"
