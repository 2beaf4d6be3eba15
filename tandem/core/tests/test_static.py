"""Static files as production serves them: collected, hashed, compressed, cached for good."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

import config.settings as production

ROOT = Path(__file__).resolve().parents[3]
FOREVER = "max-age=315360000, public, immutable"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("staticfiles")


@pytest.fixture(scope="module")
def collected(root: Path) -> Iterator[dict[str, str]]:
    """`tandem collectstatic` with the production settings; the manifest's name -> hashed name."""
    with override_settings(
        STATIC_ROOT=root,
        STORAGES=production.STORAGES,
        WHITENOISE_USE_FINDERS=production.WHITENOISE_USE_FINDERS,
        WHITENOISE_KEEP_ONLY_HASHED_FILES=production.WHITENOISE_KEEP_ONLY_HASHED_FILES,
    ):
        # Fails on a url() in a CSS file that points at a missing file (a font, an icon).
        call_command("collectstatic", interactive=False, verbosity=0)
        yield json.loads((root / "staticfiles.json").read_text())["paths"]


def test_production_collects_hashed_files_and_serves_no_source_folders() -> None:
    assert production.STORAGES["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production.WHITENOISE_USE_FINDERS is False  # DEBUG is off in production


def test_a_hashed_file_is_served_gzipped_and_cached_for_good(collected: dict[str, str]) -> None:
    hashed = collected["vendor/tabler/tabler.min.css"]
    assert re.fullmatch(r"vendor/tabler/tabler\.min\.[0-9a-f]{12}\.css", hashed)
    response = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == FOREVER
    assert "Accept-Encoding" in response["Vary"]
    body = gzip.decompress(b"".join(response.streaming_content))
    original = (ROOT / "static/vendor/tabler/tabler.min.css").read_bytes()
    assert body == original
    assert int(response["Content-Length"]) < len(original) / 4


def test_a_client_without_gzip_gets_the_file_as_it_is(collected: dict[str, str]) -> None:
    response = Client().get(f"/static/{collected['css/tandem.css']}")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response["Cache-Control"] == FOREVER


def test_a_page_links_hashed_files_that_are_served(db: None, collected: dict[str, str]) -> None:
    page = Client().get("/auth/login/")
    assert page.status_code == 200
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode())
    assert links, "the sign-in page links its style sheets and scripts"
    hashed = {f"/static/{name}" for name in collected.values()}
    for link in links:
        assert link in hashed, link
        assert Client().get(link).status_code == 200, link


def test_files_a_style_sheet_refers_to_resolve_to_hashed_files(root: Path, collected: dict[str, str]) -> None:
    icons = root / collected["vendor/bootstrap-icons/bootstrap-icons.min.css"]
    urls = re.findall(r"url\(\"?([^\")]+)\"?\)", icons.read_text())
    assert urls, "the icon font's style sheet names its fonts"
    for url in urls:
        name = url.split("?")[0].split("#")[0]
        assert re.search(r"\.[0-9a-f]{12}\.woff2?$", name), url
        assert (icons.parent / name).is_file(), url


def test_templates_name_static_files_only_through_the_static_tag(collected: dict[str, str]) -> None:
    tags = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")
    for template in ROOT.glob("tandem/*/templates/**/*.html"):
        text = template.read_text()
        assert 'src="/static/' not in text and 'href="/static/' not in text, template
        for name in tags.findall(text):
            assert name in collected, f"{template}: {name} is not a static file"


def test_the_favicon_redirects_to_its_hashed_name(collected: dict[str, str]) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == f"/static/{collected['img/favicon.svg']}"


def test_commands_run_before_the_files_are_collected(tmp_path: Path) -> None:
    """`make run` migrates before it collects: nothing may need the manifest to start."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["TANDEM_VAR_DIR"] = str(tmp_path)  # no staticfiles/ there
    result = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
