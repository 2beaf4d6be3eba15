"""The test suite's settings: the real ones, with static files read from the source folders.

Production serves static files that ``collectstatic`` hashed and compressed (a manifest). The
suite does not collect them first, so it serves them as ``DEBUG`` does; one test collects them
and checks what production serves (tandem/core/tests/test_static.py).
"""

from config.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
