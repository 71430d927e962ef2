"""``SearchParams``: WHATWG ``URLSearchParams`` (``request.next_url.search_params``),
and the application/x-www-form-urlencoded parser and serialiser behind it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import quote_plus

from approute.errors import BadRequest

__all__ = ["READONLY", "SearchParams", "parse_query"]

READONLY = "request.next_url is read-only; use request.next_url.clone()"

# WHATWG application/x-www-form-urlencoded serializer: these bytes stay as-is.
_FORM_SAFE = re.compile(r"[A-Za-z0-9*\-._]*")
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# -- application/x-www-form-urlencoded -------------------------------------


def _decode_run(match: re.Match[str]) -> str:
    # WHATWG: percent-decode to bytes, then UTF-8 decode without failure.
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "replace")


def _form_decode(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    # "%ZZ" is not a run, so it stays literal, as in URLSearchParams.
    return _ESCAPE_RUN.sub(_decode_run, text)


def _form_encode(text: str) -> str:
    if _FORM_SAFE.fullmatch(text) is not None:
        return text
    try:
        encoded = quote_plus(text, safe="*")
    except UnicodeEncodeError:
        # USVString conversion: a lone surrogate becomes U+FFFD.
        encoded = quote_plus(_SURROGATE.sub("\ufffd", text), safe="*")
    # quote() keeps "~"; the urlencoded percent-encode set includes it.
    return encoded.replace("~", "%7E")


def parse_query(query: str, max_params: int | None) -> list[tuple[str, str]]:
    """WHATWG urlencoded parser: fields split on ``&`` only (never ``;``: CVE-2021-23336)."""
    if not query:
        return []
    pieces = query.split("&")
    if (
        max_params is not None
        and len(pieces) > max_params
        and sum(1 for p in pieces if p) > max_params
    ):
        raise BadRequest("too many query parameters")
    pairs: list[tuple[str, str]] = []
    for piece in pieces:
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((_form_decode(name), _form_decode(value)))
    return pairs


class SearchParams:
    """WHATWG ``URLSearchParams``: an ordered list of ``(name, value)`` pairs.

    >>> p = SearchParams("?a=1&a=2&q=hello+world")
    >>> p.get("a"), p.get_all("a"), p.get("q")
    ('1', ['1', '2'], 'hello world')
    >>> str(p)
    'a=1&a=2&q=hello+world'
    """

    __slots__ = ("_pairs", "_readonly", "_serialized")

    _pairs: list[tuple[str, str]]
    _readonly: bool
    _serialized: str | None

    def __init__(
        self,
        init: str | SearchParams | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        max_params: int | None = None,
    ) -> None:
        self._readonly = False
        self._serialized = None
        if init is None:
            pairs: list[tuple[str, str]] = []
        elif isinstance(init, str):
            pairs = parse_query(init[1:] if init[:1] == "?" else init, max_params)
        elif isinstance(init, SearchParams):
            pairs = list(init._pairs)
        else:
            items = init.items() if isinstance(init, Mapping) else init
            pairs = []
            for pair in items:
                if isinstance(pair, str | bytes) or len(pair) != 2:
                    raise TypeError(
                        "SearchParams() takes a query string, a mapping or "
                        f"(name, value) pairs; got {pair!r}"
                    )
                name, value = pair
                pairs.append((_check_str(name), _check_str(value)))
        if max_params is not None and len(pairs) > max_params:
            raise BadRequest("too many query parameters")
        self._pairs = pairs

    @classmethod
    def _from_pairs(cls, pairs: list[tuple[str, str]], readonly: bool) -> SearchParams:
        self = cls.__new__(cls)
        self._pairs = pairs
        self._readonly = readonly
        self._serialized = None
        return self

    def _frozen(self) -> SearchParams:
        """Make this instance read-only (``request.next_url.search_params``)."""
        self._readonly = True
        return self

    def _changing(self) -> list[tuple[str, str]]:
        if self._readonly:
            raise TypeError(READONLY)
        self._serialized = None
        return self._pairs

    def get(self, name: str) -> str | None:
        """The first value of ``name``, or ``None``."""
        for key, value in self._pairs:
            if key == name:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [value for key, value in self._pairs if key == name]

    def has(self, name: str, value: str | None = None) -> bool:
        """Whether ``name`` is present (with ``value``, when given)."""
        if value is None:
            return any(key == name for key, _ in self._pairs)
        return (name, value) in self._pairs

    def set(self, name: str, value: str) -> None:
        """Replace the first ``name`` with ``value`` and drop the others (or append)."""
        _check_str(name)
        _check_str(value)
        pairs = self._changing()
        for i, (key, _) in enumerate(pairs):
            if key == name:
                pairs[i + 1 :] = [p for p in pairs[i + 1 :] if p[0] != name]
                pairs[i] = (name, value)
                return
        pairs.append((name, value))

    def append(self, name: str, value: str) -> None:
        """Add a pair at the end."""
        self._changing().append((_check_str(name), _check_str(value)))

    def delete(self, name: str, value: str | None = None) -> None:
        """Remove every ``name`` (only those equal to ``value``, when given)."""
        pairs = self._changing()
        if value is None:
            pairs[:] = [p for p in pairs if p[0] != name]
        else:
            pairs[:] = [p for p in pairs if p != (name, value)]

    def sort(self) -> None:
        """Stable sort by name, comparing UTF-16 code units as JavaScript does."""
        self._changing().sort(key=lambda p: p[0].encode("utf-16-be", "surrogatepass"))

    def keys(self) -> list[str]:
        """Every name, in order, with repeats."""
        return [key for key, _ in self._pairs]

    def values(self) -> list[str]:
        """Every value, in order."""
        return [value for _, value in self._pairs]

    def items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, in order."""
        return list(self._pairs)

    def copy(self) -> SearchParams:
        """A mutable copy."""
        return SearchParams._from_pairs(list(self._pairs), False)

    def to_string(self) -> str:
        """The urlencoded form: ``+`` for space; all but ``*-._`` and alnum escaped."""
        serialized = self._serialized
        if serialized is None:
            serialized = self._serialized = "&".join(
                f"{_form_encode(k)}={_form_encode(v)}" for k, v in self._pairs
            )
        return serialized

    def __str__(self) -> str:
        return self.to_string()

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchParams):
            return NotImplemented
        return self._pairs == other._pairs

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"SearchParams({self.to_string()!r})"


def _check_str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"search params are str, got {type(value).__name__}")
    return value
