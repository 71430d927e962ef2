"""approute.routing.segments: one folder name → what it matches."""

from __future__ import annotations

import re

import pytest

from approute.errors import ProjectError
from approute.routing.segments import Segment, SegmentKind, parse_segment

S, D, C, OPT = (
    SegmentKind.STATIC,
    SegmentKind.DYNAMIC,
    SegmentKind.CATCH_ALL,
    SegmentKind.OPTIONAL_CATCH_ALL,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("api", Segment(S, "api"), id="static"),
        pytest.param("hello.json", Segment(S, "hello.json"), id="dots-are-fine"),
        pytest.param("%5Fx", Segment(S, "_x"), id="encoded-underscore-is-_x"),
        pytest.param("%5fx", Segment(S, "_x"), id="lowercase-escape"),
        pytest.param("hello world", Segment(S, "hello%20world"), id="space-encoded"),
        pytest.param("hello%20world", Segment(S, "hello%20world"), id="already-encoded"),
        pytest.param("café", Segment(S, "caf%C3%A9"), id="non-ascii-encoded"),
        pytest.param("a%2Fb", Segment(S, "a%2Fb"), id="encoded-slash-stays-one-segment"),
        pytest.param("100%", Segment(S, "100%25"), id="lone-percent-is-literal"),
        pytest.param("a;b=c@d:e", Segment(S, "a;b=c@d:e"), id="sub-delims-kept"),
        pytest.param("API", Segment(S, "API"), id="case-kept"),
        pytest.param("[id]", Segment(D, "id"), id="dynamic"),
        pytest.param("[user-id]", Segment(D, "user-id"), id="dash-in-name"),
        pytest.param("[user_id2]", Segment(D, "user_id2"), id="underscore-digit"),
        pytest.param("[...path]", Segment(C, "path"), id="catch-all"),
        pytest.param("[[...slug]]", Segment(OPT, "slug"), id="optional-catch-all"),
    ],
)
def test_folder_name_parses(name: str, expected: Segment) -> None:
    assert parse_segment(name, f"app/{name}") == expected


@pytest.mark.parametrize("name", ["(marketing)", "(a)", "()"])
def test_route_group_is_not_a_segment(name: str) -> None:
    assert parse_segment(name, f"app/{name}") is None


@pytest.mark.parametrize(
    ("segment", "folder"),
    [
        pytest.param(Segment(S, "api"), "api", id="static"),
        pytest.param(Segment(D, "id"), "[id]", id="dynamic"),
        pytest.param(Segment(C, "p"), "[...p]", id="catch-all"),
        pytest.param(Segment(OPT, "p"), "[[...p]]", id="optional"),
    ],
)
def test_segment_folder_spelling(segment: Segment, folder: str) -> None:
    assert segment.folder == folder


# Messages from Next.js's sorted-routes.ts (docs/routing.md, "Startup errors").
@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "[[...id]",
            "Segment names may not start or end with extra brackets ('[...id').",
            id="extra-bracket-open",
        ),
        pytest.param(
            "[...id]]",
            "Segment names may not start or end with extra brackets ('id]').",
            id="extra-bracket-close",
        ),
        pytest.param(
            "[.id]",
            "Segment names may not start with erroneous periods ('.id').",
            id="one-period",
        ),
        pytest.param(
            "[....id]",
            "Segment names may not start with erroneous periods ('.id').",
            id="four-periods",
        ),
        pytest.param(
            "[…id]",
            "Detected a three-dot character ('…') at ('…id'). Did you mean ('...')?",
            id="ellipsis-character",
        ),
        pytest.param(
            "[[id]]",
            'Optional route parameters are not yet supported ("[[id]]").',
            id="optional-non-catch-all",
        ),
        pytest.param("[]", "Invalid param name ''", id="empty-name"),
        pytest.param("[...]", "Invalid param name ''", id="empty-catch-all-name"),
        pytest.param("[a b]", "Invalid param name 'a b'", id="space-in-name"),
        pytest.param("[a.b]", "Invalid param name 'a.b'", id="dot-in-name"),
        pytest.param("[a$]", "Invalid param name 'a$'", id="symbol-in-name"),
        pytest.param(
            "[id",
            "Segment names may not start or end with extra brackets ('[id').",
            id="unclosed",
        ),
        pytest.param("(.)photo", "intercepting routes", id="intercepting"),
        pytest.param("@modal", "parallel route slots", id="parallel-slot"),
        pytest.param("%2e%2e", "which no request can reach", id="encoded-dotdot"),
        pytest.param("%FF", "not UTF-8", id="bad-utf8-escape"),
    ],
)
def test_invalid_folder_name_is_a_project_error(name: str, message: str) -> None:
    where = f"app/api/{name}"
    with pytest.raises(ProjectError, match=re.escape(message)) as info:
        parse_segment(name, where)
    assert where in str(info.value)
