"""Browser tests: headless Chromium through Playwright against pytest-django's live server.

Fixtures live in ``conftest.py``; helpers every browser test uses (sign in, switch language,
screenshots) in ``harness.py``. See the README's "Tests" section for the system packages.
"""
