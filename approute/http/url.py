"""``NextURL`` (``request.next_url``), WHATWG ``URL`` semantics; its query is a
:class:`~approute.http.search_params.SearchParams` (re-exported here), its
other pieces are checked by :mod:`approute.http.url_parts`.

A request's ``NextURL`` is built from ASGI parts without parsing anything;
the query is parsed the first time ``search``, ``search_params`` or ``href``
is read.
"""

from __future__ import annotations

import re
from typing import Any

from approute._compiled import mypyc_attr
from approute.http import url_parts
from approute.http.search_params import READONLY, SearchParams, parse_query
from approute.http.url_parts import (
    _normalize_base_path,
    _normalize_hostname,
    _normalize_path,
    _normalize_port,
    _normalize_scheme,
    _percent_encode,
    _raw_to_ascii,
    _refuse_controls,
    _split_base_path,
    _split_host,
    _split_trusted_host,
)

__all__ = ["NextURL", "SearchParams"]

# Assigned, not imported: CPython compiles ``name.method()`` on an imported
# name as an attribute load (~100 ns a call); pathname and port run per request.
_DEFAULT_PORT = url_parts._DEFAULT_PORT
_PATH_UNSAFE = url_parts._PATH_UNSAFE

# A query that parses and re-serialises to itself (every pair has "=", no
# escapes): ``search`` can skip the parse for it.
_CANONICAL_QUERY = re.compile(
    r"[A-Za-z0-9*\-._+]*=[A-Za-z0-9*\-._+]*(?:&[A-Za-z0-9*\-._+]*=[A-Za-z0-9*\-._+]*)*"
)
# WHATWG fragment percent-encode set: C0 controls, space, " < > ` and > U+007E.
_FRAGMENT_UNSAFE = re.compile(r'[\x00-\x20"<>`\x7f-\U0010ffff]')
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+\-.]*):")
_CLONE_FIELDS = (
    "protocol",
    "host",
    "hostname",
    "port",
    "base_path",
    "pathname",
    "search",
    "hash",
)


@mypyc_attr(allow_interpreted_subclasses=True)
class NextURL:
    """``request.next_url``: a WHATWG URL plus Next.js's ``base_path`` split.

    >>> u = NextURL("https://a.test/docs/x?flag", base_path="/docs")
    >>> u.pathname, u.search, u.href
    ('/x', '?flag=', 'https://a.test/docs/x?flag=')
    >>> str(u.clone(pathname="/y"))
    'https://a.test/docs/y?flag='
    """

    __slots__ = (
        "_base_path",
        "_fragment",
        "_frozen",
        "_host",
        "_hostname",
        "_max_params",
        "_params",
        "_path",
        "_path_raw",
        "_port",
        "_query",
        "_query_raw",
        "_root_slash",
        "_scheme",
    )

    _scheme: str
    _host: str  # as given; split into _hostname/_port on first use
    _hostname: str | None
    _port: str | None  # explicit port, "" when none; hidden when default
    _path: str
    _path_raw: bool  # _path came from ASGI and is not yet known to be ASCII
    _query: str  # without "?"; stale once _params exists
    _query_raw: bool  # _query came from ASGI (latin-1 decoded bytes)
    _params: SearchParams | None
    _fragment: str  # without "#"
    _base_path: str
    _root_slash: bool  # parsed from base_path + "/" (see _split_base_path)
    _frozen: bool
    _max_params: int | None

    def __init__(self, url: str | NextURL, *, base_path: str = "") -> None:
        if isinstance(url, NextURL):
            url._copy_into(self)
            if not base_path:
                return
            url = url.href
        if not isinstance(url, str):
            raise TypeError(f"NextURL() takes a str or a NextURL, got {type(url).__name__}")
        # WHATWG: strip leading/trailing C0 controls and spaces, drop tab/newline.
        text = url.strip(_C0_OR_SPACE).translate(_TAB_NEWLINE)
        match = _SCHEME.match(text)
        scheme = match.group(1).lower() if match else ""
        if match is None or scheme not in _DEFAULT_PORT:
            raise ValueError(f"{url!r} is not an absolute http(s) URL")
        rest, _, fragment = text[match.end() :].partition("#")
        rest, _, query = rest.partition("?")
        # Special schemes: "\" is a path separator and any run of slashes
        # ends the scheme (so "https:\\evil.test" cannot hide a host).
        rest = rest.replace("\\", "/").lstrip("/")
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            raise ValueError(f"{url!r}: URLs with credentials are not supported")
        self._scheme = scheme
        self._hostname, self._port = _split_host(authority)
        self._host = authority
        bp = _normalize_base_path(base_path)
        self._path, self._base_path, self._root_slash = _split_base_path(
            _normalize_path(slash + path), bp
        )
        self._path_raw = False
        self._query = query
        self._query_raw = False
        self._params = None
        self._fragment = _FRAGMENT_UNSAFE.sub(_percent_encode, fragment)
        self._frozen = False
        self._max_params = None

    @classmethod
    def from_parts(
        cls,
        *,
        scheme: str,
        host: str,
        path: str,
        query: str = "",
        base_path: str = "",
        frozen: bool = False,
        max_params: int | None = None,
    ) -> NextURL:
        """Build a request's URL from ASGI pieces, trusted and parsed lazily.

        ``path`` and ``query`` are the raw target pieces decoded as latin-1
        (``raw_path``, ``query_string``); ``host`` is the server's own
        ``host[:port]``. ``max_params`` bounds the query when it is parsed
        (``BadRequest`` past it).
        """
        self = cls.__new__(cls)
        self._scheme = scheme
        self._host = host
        self._hostname = None
        self._port = None
        self._path, self._base_path, self._root_slash = _split_base_path(path, base_path)
        self._path_raw = True
        self._query = query
        self._query_raw = True
        self._params = None
        self._fragment = ""
        self._frozen = frozen
        self._max_params = max_params
        return self

    def _copy_into(self, other: NextURL) -> None:
        other._scheme = self._scheme
        other._host = self._host
        other._hostname = self._hostname
        other._port = self._port
        other._path = self._path
        other._path_raw = self._path_raw
        other._query = self._query
        other._query_raw = self._query_raw
        other._params = None if self._params is None else self._params.copy()
        other._fragment = self._fragment
        other._base_path = self._base_path
        other._root_slash = self._root_slash
        other._frozen = False
        other._max_params = self._max_params

    def _split(self) -> tuple[str, str]:
        hostname, port = self._hostname, self._port
        if hostname is None or port is None:
            hostname, port = self._hostname, self._port = _split_trusted_host(self._host)
        return hostname, port

    def _mutable(self) -> None:
        if self._frozen:
            raise TypeError(READONLY)

    def _freeze(self) -> NextURL:
        """Make this URL (and its search params) read-only, as ``request.next_url``."""
        self._frozen = True
        if self._params is not None:
            self._params._frozen()
        return self

    # -- WHATWG URL properties -------------------------------------------

    @property
    def protocol(self) -> str:
        """``"http:"`` or ``"https:"``."""
        return self._scheme + ":"

    @property
    def hostname(self) -> str:
        """The host without the port: ``"a.test"``."""
        return self._split()[0]

    @property
    def port(self) -> str:
        """The port as a string; ``""`` for the scheme's default port."""
        port = self._split()[1]
        return "" if port == _DEFAULT_PORT.get(self._scheme) else port

    @property
    def host(self) -> str:
        """``hostname`` plus ``":port"`` when it is not the default."""
        port = self.port
        return f"{self.hostname}:{port}" if port else self.hostname

    @property
    def origin(self) -> str:
        """``protocol//host``: ``"http://a.test:3000"``."""
        return f"{self._scheme}://{self.host}"

    @property
    def base_path(self) -> str:
        """The configured ``base_path`` the URL's path started with, else ``""``."""
        return self._base_path

    @property
    def pathname(self) -> str:
        """The path after ``base_path``, percent-encoded as received."""
        if self._path_raw:
            path = _raw_to_ascii(self._path)
            self._path = _PATH_UNSAFE.sub(_percent_encode, path)
            self._path_raw = False
        return self._path

    @pathname.setter
    def pathname(self, value: str) -> None:
        self._mutable()
        _refuse_controls("pathname", value)
        self._path = _normalize_path(value)
        self._path_raw = False

    @property
    def search_params(self) -> SearchParams:
        """The parsed query; read-only on ``request.next_url``, mutable on a clone."""
        params = self._params
        if params is None:
            query = _raw_to_ascii(self._query) if self._query_raw else self._query
            pairs = parse_query(query, self._max_params)
            params = self._params = SearchParams._from_pairs(pairs, self._frozen)
        return params

    @property
    def search(self) -> str:
        """``""`` or ``"?"`` plus the re-serialised query (``?a=%20`` → ``?a=+``)."""
        if self._params is None:
            query = self._query
            if not query:
                return ""
            if _CANONICAL_QUERY.fullmatch(query) is not None and (
                self._max_params is None or query.count("&") < self._max_params
            ):
                return "?" + query
        serialized = self.search_params.to_string()
        return "?" + serialized if serialized else ""

    @search.setter
    def search(self, value: str) -> None:
        self._mutable()
        query = value[1:] if value[:1] == "?" else value
        pairs = parse_query(query, self._max_params)
        if self._params is None:
            self._params = SearchParams._from_pairs(pairs, False)
        else:
            # WHATWG: the same URLSearchParams object sees the new list.
            self._params._pairs = pairs
            self._params._serialized = None
        self._query = query
        self._query_raw = False

    @property
    def hash(self) -> str:
        """``""`` or ``"#"`` plus the fragment."""
        return "#" + self._fragment if self._fragment else ""

    @hash.setter
    def hash(self, value: str) -> None:
        self._mutable()
        _refuse_controls("hash", value)
        fragment = value[1:] if value[:1] == "#" else value
        self._fragment = _FRAGMENT_UNSAFE.sub(_percent_encode, fragment)

    @property
    def href(self) -> str:
        """The whole URL; the path is ``base_path + pathname``."""
        path = self.pathname
        base_path = self._base_path
        if base_path:
            # Next's formatNextPathnameInfo: "/" under base_path is base_path.
            if path != "/":
                path = base_path + path
            else:
                path = base_path + "/" if self._root_slash else base_path
        return f"{self._scheme}://{self.host}{path}{self.search}{self.hash}"

    def clone(self, **changes: Any) -> NextURL:
        """A mutable copy with any of ``pathname, search, hash, host, hostname,
        port, protocol, base_path`` replaced.

            >>> NextURL("http://a.test/x?q=1").clone(pathname="/y", hash="top").href
            'http://a.test/y?q=1#top'
        """
        unknown = set(changes).difference(_CLONE_FIELDS)
        if unknown:
            raise TypeError(
                f"clone() cannot change {', '.join(sorted(unknown))}; it takes "
                f"{', '.join(_CLONE_FIELDS)}"
            )
        new = NextURL.__new__(NextURL)
        self._copy_into(new)
        if "protocol" in changes:
            new._scheme = _normalize_scheme(_check_text("protocol", changes["protocol"]))
        if "host" in changes:
            hostname, port = _split_host(_check_text("host", changes["host"]))
            # WHATWG host setter: a host without a port keeps the old port.
            new._port = port if port else new._split()[1]
            new._hostname = hostname
        if "hostname" in changes:
            value = _check_text("hostname", changes["hostname"])
            _refuse_controls("hostname", value)
            new._port = new._split()[1]
            new._hostname = _normalize_hostname(value)
        if "port" in changes:
            # Its own name: ``port`` above is a str, and compiled code checks that.
            new_port: object = changes["port"]
            if not isinstance(new_port, str | int) or isinstance(new_port, bool):
                raise TypeError(f"port is str or int, got {type(new_port).__name__}")
            new._hostname = new._split()[0]
            new._port = _normalize_port(new_port)
        if "base_path" in changes:
            new._base_path = _normalize_base_path(_check_text("base_path", changes["base_path"]))
        if "pathname" in changes:
            new.pathname = _check_text("pathname", changes["pathname"])
        if "search" in changes:
            new.search = _check_text("search", changes["search"])
        if "hash" in changes:
            new.hash = _check_text("hash", changes["hash"])
        return new

    def __str__(self) -> str:
        return self.href

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NextURL):
            return self.href == other.href
        if isinstance(other, str):
            return self.href == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"NextURL({self.href!r})"


_TAB_NEWLINE = str.maketrans("", "", "\t\r\n")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


def _check_text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} is str, got {type(value).__name__}")
    return value
