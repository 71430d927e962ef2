"""``Headers``: the case-insensitive, multi-valued header collection of Fetch.

One class serves requests (built from the ASGI scope without copying or
decoding anything until a header is read) and responses (validated on every
change, encoded once for ``send``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from approute._compiled import mypyc_attr

__all__ = ["Headers", "header_problem", "is_internal_header"]

# CVE-2025-29927: these headers are approute's (and Next.js's) own signalling;
# a client never gets to set them, and no response carries them (docs/security.md).
_INTERNAL_PREFIXES = (b"x-middleware-", b"x-nextjs-", b"x-approute-")
# RFC 9110 §5.6.2: field-name = token; tchar = "!" / "#" / ... / ALPHA / DIGIT.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# uvicorn CVE-2020-7695: CR, LF or NUL in a value splits the response;
# a character above U+00FF cannot be sent at all (ASGI headers are latin-1 bytes).
_BAD_VALUE = re.compile(r"[\r\n\x00]|[^\x00-\xff]")
# Fetch "normalize": strip leading and trailing HTTP tab or space bytes.
_WHITESPACE = " \t"
# httpx does the same: credentials never reach a log through repr().
_SECRET = frozenset({"authorization", "proxy-authorization"})
_READONLY = "headers() are read-only; copy() them to change"


# Names already checked, with their lower-case form: most code sets the same
# few names again and again. Bounded (it stops growing when full).
_CHECKED_NAMES: dict[str, str] = {}
_MAX_CHECKED_NAMES = 1024


def _check_name(name: str) -> str:
    checked = _CHECKED_NAMES.get(name) if type(name) is str else None
    if checked is not None:
        return checked
    if not isinstance(name, str):
        raise TypeError(f"header names are str, got {type(name).__name__}")
    if _TOKEN.fullmatch(name) is None:
        raise ValueError(f"invalid header name {name!r}: it must be an RFC 9110 token")
    lower = name.lower()
    if len(_CHECKED_NAMES) < _MAX_CHECKED_NAMES:
        _CHECKED_NAMES[name] = lower
    return lower


def _check_value(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"header {name!r}: values are str, got {type(value).__name__}; convert it with str()"
        )
    value = value.strip(_WHITESPACE)
    if _BAD_VALUE.search(value) is not None:
        raise ValueError(
            f"header {name!r}: value contains CR, LF, NUL or a character above U+00FF: {value!r}"
        )
    return value


def _checked_pair(name: str, value: str) -> tuple[str, str]:
    """``(lower-case name, stripped value)``, both checked: one call for
    ``set``/``append``, with the usual known name and short printable
    ASCII value decided without a regex."""
    key = _CHECKED_NAMES.get(name) if type(name) is str else None
    if key is None:
        key = _check_name(name)
    if type(value) is str and value.isascii() and value.isprintable():
        return key, value.strip(" ")  # printable: no CR, LF, NUL or tab
    return key, _check_value(name, value)


def header_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` cannot be sent as it is (not a token, CR/LF/NUL
    or above U+00FF in the value); None when it can. For stored headers,
    checked without raising."""
    if _TOKEN.fullmatch(name) is None:
        return f"header name {name!r:.60} is not a token"
    if _BAD_VALUE.search(value) is not None:
        return f"header {name!r:.60} has CR, LF, NUL or a non-latin-1 character"
    return None


def is_internal_header(name: bytes) -> bool:
    """Whether a lower-case header name is approute's/Next.js's own signalling.

    Some proxies fold "_" into "-": ``x_middleware_subrequest`` counts too
    (CVE-2025-29927).
    """
    return name.startswith(_INTERNAL_PREFIXES) or (
        b"_" in name and name.replace(b"_", b"-").startswith(_INTERNAL_PREFIXES)
    )


@mypyc_attr(allow_interpreted_subclasses=True)
class Headers:
    """Case-insensitive multi-valued headers with Fetch ``Headers`` semantics.

    >>> h = Headers({"Content-Type": "text/plain"})
    >>> h.append("Set-Cookie", "a=1")
    >>> h.get("content-type")
    'text/plain'
    >>> list(h.items())
    [('content-type', 'text/plain'), ('set-cookie', 'a=1')]
    """

    __slots__ = ("_asgi", "_index", "_pairs", "_raw", "_readonly")

    # Every stored pair, lower-case name first, in insertion order; ``None``
    # until a request's raw ASGI list is first read (then decoded from _raw).
    _pairs: list[tuple[str, str]] | None
    _raw: list[tuple[bytes, bytes]] | None
    # name -> values, built on the first lookup and kept in step afterwards.
    _index: dict[str, list[str]] | None
    # to_asgi() cache; None after any mutation.
    _asgi: list[tuple[bytes, bytes]] | None
    _readonly: bool

    def __init__(
        self,
        init: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        self._raw = None
        self._index = None
        self._asgi = None
        self._readonly = False
        if init is None:
            self._pairs = []
        elif isinstance(init, Headers):
            self._pairs = list(init._decoded())
            self._asgi = init._asgi
        else:
            items = init.items() if isinstance(init, Mapping) else init
            pairs: list[tuple[str, str]] = []
            for pair in items:
                if isinstance(pair, str | bytes) or len(pair) != 2:
                    raise TypeError(
                        f"Headers() takes a mapping or (name, value) pairs, got {pair!r}"
                    )
                pairs.append(_checked_pair(pair[0], pair[1]))
            self._pairs = pairs

    @classmethod
    def from_asgi(cls, raw: list[tuple[bytes, bytes]]) -> Headers:
        """Wrap an ASGI ``scope["headers"]`` list; nothing is decoded until read.

        The server's parser has already validated the bytes, so they are not
        checked again (names are taken to be lower-case, as ASGI promises);
        values decode as latin-1 (RFC 9110 §5.5: obs-text).
        """
        self = cls.__new__(cls)
        self._raw = raw
        self._pairs = None
        self._index = None
        self._asgi = raw
        self._readonly = False
        return self

    # -- storage ----------------------------------------------------------

    def _decoded(self) -> list[tuple[str, str]]:
        pairs = self._pairs
        if pairs is None:
            # ASGI names are lower-case already (the spec says so).
            raw = self._raw if self._raw is not None else []
            pairs = self._pairs = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw]
        return pairs

    def _lookup(self) -> dict[str, list[str]]:
        index = self._index
        if index is None:
            index = {}
            get = index.get
            for name, value in self._decoded():
                values = get(name)
                if values is None:
                    index[name] = [value]
                else:
                    values.append(value)
            self._index = index
        return index

    def _mutable(self) -> list[tuple[str, str]]:
        if self._readonly:
            raise TypeError(_READONLY)
        self._asgi = None
        return self._decoded()

    # -- Fetch API --------------------------------------------------------

    def get(self, name: str) -> str | None:
        """All values of ``name`` joined with ``", "`` (Fetch), or ``None``."""
        values = self._lookup().get(name.lower())
        if values is None:
            return None
        return values[0] if len(values) == 1 else ", ".join(values)

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name`` in insertion order (``[]`` when absent)."""
        return list(self._lookup().get(name.lower(), ()))

    def get_set_cookie(self) -> list[str]:
        """Every ``Set-Cookie`` value, one per cookie (Fetch ``getSetCookie()``)."""
        return list(self._lookup().get("set-cookie", ()))

    def has(self, name: str) -> bool:
        """Whether ``name`` has at least one value."""
        return name.lower() in self._lookup()

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` with ``value``.

        Raises ``ValueError`` for a non-token name or a value with CR, LF or NUL.
        """
        key, value = _checked_pair(name, value)
        pairs = self._mutable()
        index = self._index
        # No index yet (a fresh response's headers): scan, don't build one
        # (a loop: a generator would cost more than the usual two pairs).
        if index is not None:
            present = key in index
        else:
            present = False
            for pair in pairs:
                if pair[0] == key:
                    present = True
                    break
        if present:
            pairs[:] = [p for p in pairs if p[0] != key]
        pairs.append((key, value))
        if index is not None:
            index[key] = [value]

    def append(self, name: str, value: str) -> None:
        """Add a value to ``name``, keeping the ones it has."""
        key, value = _checked_pair(name, value)
        pairs = self._mutable()
        pairs.append((key, value))
        index = self._index
        if index is not None:
            values = index.get(key)
            if values is None:
                index[key] = [value]
            else:
                values.append(value)

    def delete(self, name: str) -> None:
        """Remove every value of ``name``; no error when it is absent."""
        key = name.lower()
        pairs = self._mutable()
        index = self._lookup()
        if index.pop(key, None) is not None:
            pairs[:] = [p for p in pairs if p[0] != key]

    def copy(self) -> Headers:
        """A mutable copy (also of read-only headers)."""
        clone = Headers.__new__(Headers)
        clone._raw = self._raw
        clone._pairs = None if self._pairs is None else list(self._pairs)
        clone._index = None
        # Cached lists are replaced, never changed in place, so sharing is safe.
        clone._asgi = self._asgi
        clone._readonly = False
        return clone

    def readonly(self) -> Headers:
        """A copy whose mutators raise ``TypeError`` (what ``headers()`` returns)."""
        clone = self.copy()
        clone._readonly = True
        return clone

    def keys(self) -> list[str]:
        """Lower-case names, sorted, as Fetch iterates them (see :meth:`items`)."""
        return [name for name, _ in self.items()]

    def values(self) -> list[str]:
        """Combined values in :meth:`items` order."""
        return [value for _, value in self.items()]

    def items(self) -> list[tuple[str, str]]:
        """Fetch iteration: one ``(name, combined value)`` per name, sorted by name.

        ``set-cookie`` is the exception: one pair per value (Fetch "sort and
        combine"), since cookies cannot be comma-joined.
        """
        index = self._lookup()
        out: list[tuple[str, str]] = []
        for name in sorted(index):
            values = index[name]
            if name == "set-cookie":
                out.extend((name, v) for v in values)
            else:
                out.append((name, values[0] if len(values) == 1 else ", ".join(values)))
        return out

    def multi_items(self) -> list[tuple[str, str]]:
        """Every stored ``(name, value)`` pair in insertion order."""
        return list(self._decoded())

    def to_asgi(self) -> list[tuple[bytes, bytes]]:
        """The headers as ASGI ``send`` wants them; cached until the next change.

        The returned list is shared with the cache: treat it as read-only.
        """
        asgi = self._asgi
        if asgi is None:
            asgi = self._asgi = [
                (n.encode("latin-1"), v.encode("latin-1")) for n, v in self._decoded()
            ]
        return asgi

    # -- Python protocols -------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if name.lower() not in self._lookup():
            raise KeyError(name)
        self.delete(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        index = self._lookup()
        cookies = index.get("set-cookie")
        return len(index) + (len(cookies) - 1 if cookies else 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._lookup() == other._lookup()

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    def __repr__(self) -> str:
        shown = [(n, "[secure]" if n in _SECRET else v) for n, v in self._decoded()]
        return f"Headers({shown!r})"
