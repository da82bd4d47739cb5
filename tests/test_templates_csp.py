"""Every template works under the Content-Security-Policy (``default-src 'self'``, no inline
code): an inline ``<style>``, ``style=""`` attribute, ``<script>`` without ``src`` or ``on…=``
handler would be silently blocked by the browser, leaving a page unstyled or dead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path for path in ROOT.glob("*/templates/**/*.html") if ".venv" not in path.parts and "var" not in path.parts
)

INLINE = [
    (re.compile(r"<style\b", re.I), "inline <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "inline event handler (on…=)"),
    (re.compile(r"(?:src|href)\s*=\s*[\"']https?://", re.I), "asset from another origin (no CDN)"),
]


def test_templates_are_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_code_the_csp_blocks(path):
    text = path.read_text(encoding="utf-8")
    problems = [
        f"line {text.count(chr(10), 0, match.start()) + 1}: {label}"
        for pattern, label in INLINE
        for match in pattern.finditer(text)
    ]
    assert not problems, "; ".join(problems)
