"""Rules of the test suite itself that, when broken, only fail once modules run together."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_module_imports_the_browser_fixtures():
    """tests/browser.py is loaded once as a plugin (conftest ``pytest_plugins``). A module that
    imports its fixtures gets a second session-wide Playwright, which cannot run beside the
    first: every browser test after it errors, but only in the full suite."""
    import re

    importing = re.compile(r"^\s*(from tests\.browser import|import tests\.browser)", re.M)
    here = Path(__file__).name
    offenders = [
        path.name
        for path in TESTS.glob("test_*.py")
        if path.name != here and importing.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"use the fixtures by name instead of importing them: {offenders}"
