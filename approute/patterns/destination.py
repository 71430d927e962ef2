"""Redirect and rewrite destinations: Next.js's ``prepareDestination``.

    >>> from approute.patterns import compile_path
    >>> source = compile_path("/old/:slug", where="approute.config.py")
    >>> dest = compile_destination("/new/:slug?from=old", source=source, where="x")
    >>> path, query = dest.build({"slug": "hello"}, SearchParams("a=1&from=web"))
    >>> path, str(query)
    ('/new/hello', 'a=1&from=old')

``:name`` is replaced in the path, the hostname, the fragment and the query
values; a ``*``/``+`` source parameter must keep its modifier in the path
(``/:path*``), whose segments are joined with ``/``. The query sent is the
request's query, overridden by the destination's own query; for a rewrite,
when no parameter appears in the path or hostname, every parameter is also
added to the query (below the destination's own values). Values are inserted
as given (Next.js inserts the raw, still percent-encoded path values); only
characters that cannot stand in a path (space, controls, ``?``, ``#``, ``\\``,
non-ASCII …) are percent-encoded, so no value can add a query, a fragment or
an authority. A hostname parameter must be a DNS label, so no value can move
a rewrite to another host (tests/patterns/test_destination.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from approute.errors import BadRequest, ProjectError
from approute.http.search_params import SearchParams
from approute.patterns.conditions import CompiledConditions
from approute.patterns.path import PathPattern
from approute.patterns.tokens import Key, _Group, _Param, _parse, _Token

__all__ = ["Destination", "check_template", "compile_destination", "substitute"]

_ParamValue = str | list[str]

_MULTI_MATCH = (
    "To use a multi-match in the destination you must add `*` at the end of the param "
    "name to signify it should repeat."
)

_SCHEME = re.compile(r"(https?)://", re.IGNORECASE)
_PLACEHOLDER = re.compile(r":([A-Za-z0-9_]+)([*?+]?)")
_PORT = re.compile(r":([0-9]+)\Z")
_HOST_TEXT = re.compile(r"[A-Za-z0-9.\-]*")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_DNS_LABEL = re.compile(r"[A-Za-z0-9\-]{1,63}")
# Characters a substituted value may not bring into a path as they are: the
# WHATWG path percent-encode set, plus "\" (browsers read it as "/") and a "%"
# that does not start an escape.
_PATH_UNSAFE = re.compile(r'[\x00-\x20"#<>?\\^`{}\x7f]|%(?![0-9A-Fa-f]{2})|[^\x00-\x7f]')
_SEGMENT_UNSAFE = re.compile(r'[\x00-\x20"#<>?\\^`{}\x7f/]|%(?![0-9A-Fa-f]{2})|[^\x00-\x7f]')
_FRAGMENT_UNSAFE = re.compile(r'[\x00-\x20"<>`\x7f]|%(?![0-9A-Fa-f]{2})|[^\x00-\x7f]')
_REPEATED_SLASHES = re.compile(r"//+")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "replace"))


def _encode(value: str, unsafe: re.Pattern[str]) -> str:
    return unsafe.sub(_percent, value) if unsafe.search(value) else value


def _fill(
    tokens: tuple[_Token, ...],
    params: Mapping[str, _ParamValue],
    unsafe: re.Pattern[str],
) -> str:
    """path-to-regexp's ``compile`` with encoding limited to unsafe characters."""
    out: list[str] = []
    for token in tokens:
        if isinstance(token, str):
            out.append(token)
            continue
        if not isinstance(token, _Param):  # groups are refused at compile time
            continue
        key = token.key
        value = params.get(key.name)
        if value is None:
            if key.optional:
                continue
            value = ""  # Next.js answers 500 here; an empty segment is kinder
        if isinstance(value, list):
            if key.repeat:
                out.extend(
                    key.prefix + _encode(item, _SEGMENT_UNSAFE) + key.suffix for item in value
                )
                continue
            value = "/".join(value)
        out.append(key.prefix + _encode(value, unsafe) + key.suffix)
    return "".join(out)


def _render(value: _ParamValue, modifier: str, prefix: str) -> str:
    if isinstance(value, list):
        if modifier in ("*", "+"):
            return "".join(prefix + item for item in value)
        return prefix + "/".join(value)  # Next.js throws (multi-match); join instead
    return prefix + value


def substitute(template: str, params: Mapping[str, _ParamValue]) -> str:
    """Replace ``:name`` by its param, as Next.js's ``compileNonPath`` (headers, query values).

    Names that are not params stay as written; in a template with a ``:``,
    ``\\`` escapes the next character (path-to-regexp); nothing is encoded.

        >>> substitute("x-slug-:slug", {"slug": "a"})
        'x-slug-a'
        >>> substitute(":path*", {"path": ["a", "b"]})
        'a/b'
    """
    if ":" not in template:
        return template  # verbatim, backslashes included (compileNonPath)
    out: list[str] = []
    # path-to-regexp makes an unescaped "/" or "." right before a parameter
    # its prefix; compileNonPath compiles the template behind a "/" that it
    # drops afterwards, so a parameter at the start has the prefix "/".
    prefix: str | None = "/"
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch == "\\":
            escaped = template[i + 1 : i + 2]
            # compileNonPath escapes these itself, so the user's "\\" stays.
            out.append(ch + escaped if escaped and escaped in "*?+(){}" else escaped)
            prefix = None
            i += 2
            continue
        m = _PLACEHOLDER.match(template, i) if ch == ":" else None
        value = params.get(m.group(1)) if m is not None else None
        if m is None or value is None:
            out.append(ch)
            prefix = ch if ch in "./" else None
            i += 1
            continue
        if i == 0:
            out.append(_render(value, m.group(2), "/")[1:])
        elif prefix is not None:
            out[-1] = _render(value, m.group(2), prefix)
        else:
            out.append(_render(value, m.group(2), ""))
        prefix = None
        i = m.end()
    return "".join(out)


def _repeating(source: PathPattern) -> frozenset[str]:
    return frozenset(key.name for key in source.keys if key.repeat and not key.unnamed)


def check_template(template: str, *, source: PathPattern, where: str) -> None:
    """Refuse a template that uses a ``*``/``+`` source param without its modifier."""
    repeating = _repeating(source)
    for m in _PLACEHOLDER.finditer(template):
        if m.group(1) in repeating and m.group(2) not in ("*", "+"):
            raise ProjectError(f"{where}: {template!r} uses :{m.group(1)}: {_MULTI_MATCH}")


@dataclass(frozen=True, slots=True, eq=False)
class Destination:
    """A compiled ``destination``; ``build`` fills it for one request."""

    template: str
    external: bool
    for_redirect: bool
    origin: str  # "http://" or "https://" when external, else ""
    _host: tuple[_Token, ...]
    _port: str
    _path: tuple[_Token, ...]
    _hash: tuple[_Token, ...] | None
    _query: tuple[tuple[str, str], ...]
    _used: frozenset[str]

    def build(
        self, params: Mapping[str, _ParamValue], query: SearchParams
    ) -> tuple[str, SearchParams]:
        """``(url without query, query to send)`` for these params and request query.

        The first item is ``/path`` or ``https://host/path``. Raises
        ``BadRequest`` when a hostname parameter is not a DNS label.
        """
        path = _fill(self._path, params, _PATH_UNSAFE)
        if self.for_redirect:
            # Next.js's normalizeRepeatedSlashes on redirect destinations.
            path = _REPEATED_SLASHES.sub("/", path.replace("\\", "/"))
        elif not self.external and path.startswith("//"):
            path = "/" + path.lstrip("/")  # never a protocol-relative URL (open redirect)
        if self.external:
            path = f"{self.origin}{self._build_host(params)}{self._port}{path}"
        return path, self._build_query(params, query)

    def fragment(self, params: Mapping[str, _ParamValue]) -> str:
        """The ``#fragment`` of the destination with params filled, or ``""``."""
        if self._hash is None:
            return ""
        return "#" + _fill(self._hash, params, _FRAGMENT_UNSAFE)

    def _build_host(self, params: Mapping[str, _ParamValue]) -> str:
        out: list[str] = []
        for token in self._host:
            if isinstance(token, str):
                out.append(token)
            elif isinstance(token, _Param):
                value = params.get(token.key.name)
                if not isinstance(value, str) or _DNS_LABEL.fullmatch(value) is None:
                    raise BadRequest(
                        f"destination {self.template!r}: :{token.key.name} is not a host label"
                    )
                out.append(token.key.prefix + value.lower() + token.key.suffix)
        return "".join(out)

    def _build_query(self, params: Mapping[str, _ParamValue], query: SearchParams) -> SearchParams:
        merged: dict[str, list[str]] = {}
        for name, given in query.items():
            merged.setdefault(name, []).append(given)
        own: dict[str, list[str]] = {}
        for name, template in self._query:
            own.setdefault(name, []).append(substitute(template, params))
        if not self.for_redirect and not any(name in self._used for name in params):
            for name, value in params.items():
                if name not in own:
                    own[name] = list(value) if isinstance(value, list) else [value]
        # {...query, ...destQuery}: a name keeps its place, takes the new values.
        merged.update(own)
        return SearchParams([(name, value) for name, values in merged.items() for value in values])


def _split(template: str) -> tuple[str, str | None, str | None]:
    """``path?query#hash`` at the first unescaped ``?`` and ``#``."""
    i, n = 0, len(template)
    query_at = hash_at = -1
    while i < n:
        ch = template[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "?" and query_at == -1:
            query_at = i
        elif ch == "#":
            hash_at = i
            break
        i += 1
    end = hash_at if hash_at != -1 else n
    fragment = template[hash_at + 1 :] if hash_at != -1 else None
    if query_at != -1:
        return template[:query_at], template[query_at + 1 : end], fragment
    return template[:end], None, fragment


def _tokens(text: str, label: str) -> tuple[_Token, ...]:
    tokens = _parse(text, label)
    for token in tokens:
        if isinstance(token, _Group):
            raise ProjectError(f"{label}: {{...}} groups are not supported in a destination")
    return tuple(tokens)


def _keys(tokens: Sequence[_Token]) -> list[Key]:
    return [token.key for token in tokens if isinstance(token, _Param)]


def compile_destination(
    destination: str,
    *,
    source: PathPattern,
    where: str,
    conditions: CompiledConditions | None = None,
    for_redirect: bool = False,
) -> Destination:
    """Compile a redirect/rewrite ``destination`` for params of ``source`` (and ``conditions``).

    ``for_redirect=True``: the request's query comes first and the params are
    never added to the query (Next.js redirects).
    """
    label = f"{where}: destination {destination!r}"
    if not isinstance(destination, str):
        raise ProjectError(f"{where}: destination must be a string; got {destination!r}")
    scheme = _SCHEME.match(destination)
    origin, port = "", ""
    host_tokens: tuple[_Token, ...] = ()
    if scheme is not None:
        rest = destination[scheme.end() :]
        cut = min((i for i in (rest.find(c) for c in "/?#") if i != -1), default=len(rest))
        authority, rest = rest[:cut], rest[cut:]
        origin = scheme.group(1).lower() + "://"
        host_tokens, port = _authority(authority, label)
        if not rest.startswith("/"):
            rest = "/" + rest
    elif destination.startswith("/") and not destination.startswith(("//", "/\\")):
        rest = destination
    else:
        raise ProjectError(f"{label} must start with '/', 'http://' or 'https://'")
    path_text, query_text, hash_text = _split(rest)
    path_tokens = _tokens(path_text, label)
    hash_tokens = None if hash_text is None else _tokens(hash_text, label)
    query = tuple(SearchParams(query_text).items()) if query_text else ()

    known = {key.name for key in source.keys if not key.unnamed}
    if conditions is not None:
        known |= conditions.param_names
    unnamed = {key.name for key in source.keys if key.unnamed}
    repeating = _repeating(source)
    used: set[str] = set()
    for key in _keys(path_tokens) + _keys(host_tokens) + _keys(hash_tokens or ()):
        if key.unnamed:
            raise ProjectError(f"{label}: (...) groups are not allowed in a destination")
        if key.name not in known:
            if key.name in unnamed:
                raise ProjectError(
                    f"{label} uses :{key.name}, an unnamed param of the source; name it"
                    f" (:name(...)) to use it"
                )
            raise ProjectError(
                f"{label} uses :{key.name}, which is not a param of the source or of `has`"
            )
        if key.name in repeating and not key.repeat:
            raise ProjectError(f"{label} uses :{key.name}: {_MULTI_MATCH}")
        used.add(key.name)
    for _, template in query:
        check_template(template, source=source, where=label)
    return Destination(
        template=destination,
        external=scheme is not None,
        for_redirect=for_redirect,
        origin=origin,
        _host=host_tokens,
        _port=port,
        _path=path_tokens,
        _hash=hash_tokens,
        _query=query,
        _used=frozenset(used),
    )


def _authority(authority: str, label: str) -> tuple[tuple[_Token, ...], str]:
    if "@" in authority:
        raise ProjectError(f"{label}: user info (user@host) is not supported")
    if _IPV6.match(authority):
        end = authority.index("]") + 1
        host, rest = authority[:end], authority[end:]
        if rest and _PORT.fullmatch(rest) is None:
            raise ProjectError(f"{label}: bad port {rest!r}")
        return (host.lower(),), rest
    port_match = _PORT.search(authority)
    port = port_match.group() if port_match is not None else ""
    host = authority[: len(authority) - len(port)]
    if not host:
        raise ProjectError(f"{label} has no host")
    tokens = _tokens(host, label)
    for token in tokens:
        if isinstance(token, str) and _HOST_TEXT.fullmatch(token) is None:
            raise ProjectError(f"{label}: {token!r} is not valid in a hostname")
    return tuple(t.lower() if isinstance(t, str) else t for t in tokens), port
