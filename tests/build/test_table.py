"""The route table's shape: ``next build``'s glyphs, columns and legend."""

from __future__ import annotations

import pytest

from approute.build.table import RouteRow, format_duration, format_table


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (1, "1s"),
        (59, "59s"),
        (60, "1m"),
        (90, "90s"),
        (900, "15m"),
        (3600, "1h"),
        (86_400, "1d"),
        (604_800, "1w"),
        (31_536_000, "1y"),
        (2.5, "2.5s"),
    ],
)
def test_durations_like_next_build(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_without_isr_there_are_no_timing_columns_and_one_route_is_a_dash() -> None:
    text = format_table([RouteRow("/api/hello", "○")])
    assert text.splitlines() == [
        "Route (app)",
        "─ ○ /api/hello",
        "",
        "○  (Static)   prerendered as static content",
    ]


def test_legend_lists_only_the_glyphs_used_and_names_middleware() -> None:
    rows = [RouteRow("/a", "ƒ"), RouteRow("/b", "ƒ")]
    text = format_table(rows, middleware="middleware.py")
    assert text.splitlines()[1:] == [
        "┌ ƒ /a",
        "└ ƒ /b",
        "",
        "ƒ Middleware",
        "",
        "ƒ  (Dynamic)  server-rendered on demand",
    ]


def test_up_to_three_paths_are_listed() -> None:
    three = format_table([RouteRow("/p/[id]", "●", ("/p/1", "/p/2", "/p/3"))])
    assert three.splitlines()[1:5] == ["─ ● /p/[id]", "    ├ /p/1", "    ├ /p/2", "    └ /p/3"]
    four = format_table(
        [RouteRow("/p/[id]", "●", ("/p/1", "/p/2", "/p/3", "/p/4")), RouteRow("/q", "ƒ")]
    )
    assert four.splitlines()[1:7] == [
        "┌ ● /p/[id]",
        "├   ├ /p/1",
        "├   ├ /p/2",
        "├   ├ /p/3",
        "├   └ [+1 more paths]",
        "└ ƒ /q",
    ]


def test_methods_column() -> None:
    text = format_table([RouteRow("/a", "ƒ", methods="GET, HEAD, OPTIONS")], methods=True)
    assert text.splitlines()[:2] == ["Route (app)  Methods", "─ ƒ /a       GET, HEAD, OPTIONS"]
