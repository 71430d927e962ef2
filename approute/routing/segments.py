"""One folder name under ``app/`` → what it matches in a URL.

api        static: matches the URL segment ``api`` exactly
[id]       dynamic: one segment, ``params["id"]: str``
[...path]  catch-all: one or more segments, ``list[str]``
[[...x]]   optional catch-all: zero or more segments
(group)    a route group: not part of the URL
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import quote, unquote

from approute.errors import ProjectError

__all__ = ["SEGMENT_SAFE", "Segment", "SegmentKind", "parse_segment"]

# What ``quote`` leaves alone in a canonical static segment: RFC 3986 pchar
# minus "%" (sub-delims, ":", "@" and the unreserved marks).
SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class SegmentKind(enum.Enum):
    """The four kinds of URL segment a folder can stand for."""

    STATIC = "static"
    DYNAMIC = "dynamic"
    CATCH_ALL = "catch_all"
    OPTIONAL_CATCH_ALL = "optional_catch_all"


@dataclass(frozen=True, slots=True)
class Segment:
    """A parsed folder name.

    ``value`` is, for a static segment, the URL text it matches (canonically
    percent-encoded: folder ``hello world`` → ``hello%20world``); for the
    dynamic kinds, the param name (``[id]`` → ``id``).
    """

    kind: SegmentKind
    value: str

    @property
    def folder(self) -> str:
        """The folder name this segment is written as (``[...x]`` for a catch-all)."""
        if self.kind is SegmentKind.DYNAMIC:
            return f"[{self.value}]"
        if self.kind is SegmentKind.CATCH_ALL:
            return f"[...{self.value}]"
        if self.kind is SegmentKind.OPTIONAL_CATCH_ALL:
            return f"[[...{self.value}]]"
        return self.value


def parse_segment(name: str, where: str) -> Segment | None:
    """Parse folder ``name``; None for a route group ``(x)``.

    ``where`` is the folder's path as shown in errors (``app/api/[id]``).
    Invalid names raise :class:`~approute.errors.ProjectError` with Next.js's
    message and the path.

        >>> parse_segment("[id]", "app/[id]")
        Segment(kind=<SegmentKind.DYNAMIC: 'dynamic'>, value='id')
    """
    if name.startswith("(") and name.endswith(")"):
        return None
    if name.startswith(("(.)", "(..)", "(...)")):
        raise ProjectError(
            f"{where}: intercepting routes ('{name}') are not supported by "
            "approute; rename the folder"
        )
    if name.startswith("@"):
        raise ProjectError(
            f"{where}: parallel route slots ('{name}') are not supported by "
            "approute; rename the folder (a URL segment starting with '@' is "
            "written %40…)"
        )
    if name.startswith("[") and name.endswith("]"):
        return _parse_dynamic(name, where)
    if name.startswith("[") or name.endswith("]"):
        # Next.js would route "[id" as the literal text "[id"; it is always a
        # typo, so approute refuses it with the message Next.js uses for the
        # inner case.
        raise ProjectError(
            f"Segment names may not start or end with extra brackets ('{name}'). "
            f"In {where}: balance the brackets, e.g. '[id]'"
        )
    return Segment(SegmentKind.STATIC, _canonical_static(name, where))


def _parse_dynamic(name: str, where: str) -> Segment:
    # The same steps, in the same order, as Next.js's UrlNode._insert, so the
    # same folder gets the same message.
    inner = name[1:-1]
    optional = False
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
        optional = True
    catch_all = False
    if inner.startswith("..."):
        inner = inner[3:]
        catch_all = True
    if inner.startswith("[") or inner.endswith("]"):
        raise ProjectError(
            f"Segment names may not start or end with extra brackets ('{inner}'). "
            f"In {where}: write '[x]', '[...x]' or '[[...x]]'"
        )
    if inner.startswith("."):
        raise ProjectError(
            f"Segment names may not start with erroneous periods ('{inner}'). "
            f"In {where}: a catch-all is written with exactly three periods, "
            "'[...x]'"
        )
    if "…" in inner:
        raise ProjectError(
            f"Detected a three-dot character ('…') at ('{inner}'). Did you mean ('...')? In {where}"
        )
    if optional and not catch_all:
        raise ProjectError(
            f'Optional route parameters are not yet supported ("{name}"). '
            f"In {where}: use '[[...{inner}]]' or '[{inner}]'"
        )
    if not inner or not _NAME_CHARS.issuperset(inner):
        raise ProjectError(
            f"Invalid param name {inner!r} in '{name}'. In {where}: a param name "
            "uses only ASCII letters, digits, '_' and '-'"
        )
    if optional:
        return Segment(SegmentKind.OPTIONAL_CATCH_ALL, inner)
    if catch_all:
        return Segment(SegmentKind.CATCH_ALL, inner)
    return Segment(SegmentKind.DYNAMIC, inner)


def _canonical_static(name: str, where: str) -> str:
    # Next.js private folders: a URL segment starting with "_" is written as
    # folder "%5F…". The folder name is decoded and re-encoded one canonical
    # way; the request's segment is compared with it as sent (still encoded),
    # as Next.js compares static segments, so "/%5Fx" does not match it.
    try:
        decoded = unquote(name, errors="strict")
    except UnicodeDecodeError:
        raise ProjectError(
            f"{where}: the folder name {name!r} has percent-escapes that are "
            "not UTF-8; fix the escapes"
        ) from None
    if decoded in (".", "..") or "\x00" in decoded:
        # A request path never keeps a dot segment (the normaliser resolves
        # it), so this folder could never be reached.
        raise ProjectError(
            f"{where}: the folder name {name!r} stands for the URL segment "
            f"{decoded!r}, which no request can reach; rename the folder"
        )
    return quote(decoded, safe=SEGMENT_SAFE)
