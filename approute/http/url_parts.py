"""The pieces of a WHATWG URL, checked and normalised, for :class:`~approute.http.url.NextURL`.

The path (``\\`` is ``/``, dot segments resolved, the path percent-encode
set), Next.js's ``base_path`` split, the host and port (validated when a
user sets them, split without checks when they are the server's own
``host[:port]``), the scheme, and raw ASGI bytes made ASCII. Values that
could end up in a ``Location`` header with CR, LF or NUL are refused. Kept
apart so that ``url.py`` is the ``NextURL`` class and its properties.
"""

from __future__ import annotations

import re

__all__: list[str] = []

_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# WHATWG path percent-encode set: C0 controls, space, " # < > ? ^ ` { } and
# everything above U+007E.
_PATH_UNSAFE = re.compile(r'[\x00-\x20"#<>?^`{}\x7f-\U0010ffff]')
# These end up in Location headers (uvicorn CVE-2020-7695, response splitting):
# refuse them rather than guess.
_CRLF_NUL = re.compile(r"[\r\n\x00]")
# WHATWG forbidden domain code points (plus ":" handled by the port split).
_HOSTNAME = re.compile(r"\[[0-9A-Fa-f:.]+\]|[^\x00-\x20#%/:<>?@\[\\\]^|\x7f]+")
_DEFAULT_PORT = {"http": "80", "https": "443"}
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_SINGLE_DOT = frozenset({".", "%2e"})


def _percent_encode(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "replace"))


def _latin1_escape(match: re.Match[str]) -> str:
    return f"%{ord(match.group()):02X}"


def _raw_to_ascii(text: str) -> str:
    """Percent-encode ASGI bytes that arrived latin-1-decoded (raw UTF-8 octets)."""
    if text.isascii():
        return text
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return _NON_ASCII.sub(_percent_encode, text)  # real text: UTF-8, per WHATWG
    return _NON_ASCII.sub(_latin1_escape, text)


def _refuse_controls(what: str, value: str) -> None:
    if _CRLF_NUL.search(value) is not None:
        raise ValueError(f"{what} {value!r} contains CR, LF or NUL")


def _normalize_path(path: str) -> str:
    """WHATWG path state for http(s): ``\\`` is ``/``, dot segments resolved."""
    path = path.replace("\\", "/")
    if not path.startswith("/"):
        path = "/" + path
    if "." in path or "%2" in path:
        segments = path[1:].split("/")
        last = len(segments) - 1
        out: list[str] = []
        for i, segment in enumerate(segments):
            lowered = segment.lower()
            if lowered in _DOUBLE_DOT:
                if out:
                    out.pop()
                if i == last:
                    out.append("")
            elif lowered in _SINGLE_DOT:
                if i == last:
                    out.append("")
            else:
                out.append(segment)
        path = "/" + "/".join(out)
    return _PATH_UNSAFE.sub(_percent_encode, path)


def _normalize_base_path(base_path: str) -> str:
    _refuse_controls("base_path", base_path)
    base_path = base_path.rstrip("/")
    if base_path and not base_path.startswith("/"):
        raise ValueError(f"base_path must start with '/'; got {base_path!r}")
    return _PATH_UNSAFE.sub(_percent_encode, base_path)


def _split_base_path(path: str, base_path: str) -> tuple[str, str, bool]:
    """Next's getNextPathnameInfo: strip ``base_path`` only where it is a prefix.

    The flag remembers ``/docs/`` (as opposed to ``/docs``): both have pathname
    ``/`` but Next keeps the trailing slash it was given in ``href``.
    """
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        rest = path[len(base_path) :]
        return rest or "/", base_path, rest == "/"
    return path, "", False


def _normalize_hostname(hostname: str) -> str:
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"invalid hostname {hostname!r}") from None
    if _HOSTNAME.fullmatch(hostname) is None:
        raise ValueError(f"invalid hostname {hostname!r}")
    return hostname.lower()


def _normalize_port(port: str | int) -> str:
    text = str(port)
    if text == "":
        return ""
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise ValueError(f"invalid port {port!r}")
    return str(int(text))


def _split_host(host: str) -> tuple[str, str]:
    """Validate ``host[:port]``; return ``(hostname, port)``."""
    _refuse_controls("host", host)
    if host.startswith("["):
        end = host.find("]") + 1
        hostname, rest = host[:end], host[end:]
        if end == 0 or (rest and not rest.startswith(":")):
            raise ValueError(f"invalid host {host!r}")
        port = rest[1:]
    else:
        hostname, _, port = host.partition(":")
    if not hostname:
        raise ValueError(f"invalid host {host!r}: empty hostname")
    return _normalize_hostname(hostname), _normalize_port(port)


def _split_trusted_host(host: str) -> tuple[str, str]:
    """Split the server's own ``host[:port]`` without validating it."""
    head, sep, tail = host.rpartition(":")
    if sep and tail.isdigit() and not head.endswith(":"):
        return head.lower(), tail
    return host.lower(), ""


def _normalize_scheme(protocol: str) -> str:
    scheme = protocol.removesuffix(":").lower()
    if scheme not in _DEFAULT_PORT:
        raise ValueError(f"protocol must be 'http:' or 'https:'; got {protocol!r}")
    return scheme
