"""Message catalogues: one per app under ``tandem/<app>/locale``; compiled with polib (no gettext needed)."""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent  # the tandem package
LANGUAGE = "zh_Hans"


def app_dirs() -> list[Path]:
    """App folders that hold something a person reads (Python or templates)."""
    return sorted(p.parent for p in ROOT.glob("*/apps.py"))


def catalogue(app_dir: Path, domain: str = "django") -> Path:
    return app_dir / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"


def compile_all() -> list[Path]:
    written = []
    for po_path in sorted(ROOT.glob(f"*/locale/{LANGUAGE}/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def problems(po_path: Path) -> list[str]:
    """Entries that are untranslated or fuzzy, as readable lines."""
    po = polib.pofile(str(po_path))
    out = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            out.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                out.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            out.append(f"untranslated: {entry.msgid!r}")
    return out
