"""The docs describe what exists: no page says a shipped feature is "coming".

Every ``docs/*.md`` and ``README.md`` is searched for the phrases that once
announced features which have since shipped (middleware, the config file,
segment config, the middleware test helpers…). A feature that is genuinely
absent is said plainly; the few true sentences that still need such a
phrase are listed in ``ALLOWED``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower case; a phrase may wrap onto the next line.
PHRASES = (
    "## coming",
    "(and later",
    "(coming)",
    "are coming",
    "coming soon",
    "coming with",
    "coming:",
    "currently ignored",
    "from the cli yet",
    "future",
    "in a later",
    "is coming",
    "later wave",
    "no build step yet",
    "not implemented yet",
    "not there yet",
    "not yet",
    "planned",
    "will be added",
    "will be supported",
    "will support",
)

# Whole words: `from __future__ import` is no claim.
_PATTERNS = tuple(
    (
        phrase,
        re.compile(
            (r"\b" if phrase[0].isalnum() else "")
            + re.escape(phrase)
            + (r"\b" if phrase[-1].isalnum() else "")
        ),
    )
    for phrase in PHRASES
)

# (file, phrase): true statements that need the phrase.
ALLOWED = frozenset(
    {
        # Next.js's own message for `[[id]]`, quoted as approute prints it.
        ("docs/routing.md", "not yet"),
        # `fetchCache` is not implemented.
        ("docs/caching.md", "not yet"),
    }
)


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _claims(page: Path) -> list[tuple[int, str]]:
    """``(line number, phrase)`` for each phrase that starts on a line."""
    lines = page.read_text(encoding="utf-8").lower().splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        following = lines[number] if number < len(lines) else ""
        text = f"{line} {following.lstrip()}"
        for phrase, pattern in _PATTERNS:
            match = pattern.search(text)
            if match is not None and match.start() < len(line):
                found.append((number, phrase))
    return found


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.relative_to(ROOT).as_posix())
def test_page_says_no_shipped_feature_is_coming(page: Path) -> None:
    name = page.relative_to(ROOT).as_posix()
    stale = [
        f"{name}:{number}: {phrase!r}"
        for number, phrase in _claims(page)
        if (name, phrase) not in ALLOWED
    ]
    assert not stale, (
        "check in approute/ whether the feature exists: describe it if it does, "
        "say plainly that it is absent if not (or add the pair to ALLOWED):\n" + "\n".join(stale)
    )


def test_every_allowed_pair_still_matches_a_line() -> None:
    used = {
        (page.relative_to(ROOT).as_posix(), phrase)
        for page in _pages()
        for _, phrase in _claims(page)
    }
    assert not ALLOWED - used, f"remove from ALLOWED: {sorted(ALLOWED - used)}"
