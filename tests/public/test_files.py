"""approute.public.files: scan public/ once, look files up by canonical URL."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from approute.public import PublicFiles, content_type_for
from approute.public.files import validators
from tests.support.raw import wait_for

MTIME_NS = 1_700_000_000_123_456_789


def _write(root: Path, name: str, data: bytes = b"x") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def public(tmp_path: Path) -> Path:
    root = tmp_path / "site" / "public"
    for name in (
        "hello.txt",
        "favicon.ico",
        "fonts/Inter Var.woff2",
        "a b/c&d.txt",
        "café.txt",
        "_private.txt",
        "[id].txt",
        ".well-known/security.txt",
        ".env",
        ".DS_Store",
        "docs/.hidden",
    ):
        _write(root, name)
    _write(tmp_path / "site" / "public_secret", "secret.txt", b"TOP SECRET")
    return root


def test_missing_or_absent_public_dir_has_no_files(tmp_path: Path) -> None:
    assert len(PublicFiles.scan(None)) == 0
    assert len(PublicFiles.scan(tmp_path / "nope")) == 0
    assert PublicFiles.scan(tmp_path / "nope").lookup("/hello.txt") is None
    (tmp_path / "file").write_text("x")
    assert len(PublicFiles.scan(tmp_path / "file")) == 0


@pytest.mark.parametrize(
    ("url", "display"),
    [
        pytest.param("/hello.txt", "public/hello.txt", id="root-file"),
        pytest.param("/fonts/Inter%20Var.woff2", "public/fonts/Inter Var.woff2", id="space"),
        pytest.param("/a%20b/c&d.txt", "public/a b/c&d.txt", id="sub-delim-kept"),
        pytest.param("/caf%C3%A9.txt", "public/café.txt", id="utf8"),
        pytest.param("/_private.txt", "public/_private.txt", id="underscore-is-not-private"),
        pytest.param("/%5Bid%5D.txt", "public/[id].txt", id="brackets"),
        pytest.param("/.well-known/security.txt", "public/.well-known/security.txt", id="dot-dir"),
    ],
)
def test_files_are_keyed_by_canonical_url(public: Path, url: str, display: str) -> None:
    found = PublicFiles.scan(public).lookup(url)
    assert found is not None
    assert found.url == url
    assert found.display == display
    assert found.path == (public.parent / display).resolve()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/hello.txt/", "/hello.txt", id="trailing-slash-ignored"),
        pytest.param("/hello%2Etxt", "/hello.txt", id="escaped-dot"),
        pytest.param("/caf%c3%a9.txt", "/caf%C3%A9.txt", id="lower-case-hex"),
        pytest.param("/fonts/Inter%20Var.woff2/", "/fonts/Inter%20Var.woff2", id="both"),
        pytest.param("/a%20b/c%26d.txt", "/a%20b/c&d.txt", id="escaped-sub-delim"),
    ],
)
def test_other_spellings_find_the_same_file(public: Path, path: str, expected: str) -> None:
    found = PublicFiles.scan(public).lookup(path)
    assert found is not None
    assert found.url == expected


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="root"),
        pytest.param("", id="empty"),
        pytest.param("hello.txt", id="no-leading-slash"),
        pytest.param("/public/hello.txt", id="folder-name-in-url"),
        pytest.param("/Hello.txt", id="case-sensitive"),
        pytest.param("/fonts", id="folder"),
        pytest.param("/fonts/", id="folder-slash"),
        pytest.param("/.env", id="dotfile"),
        pytest.param("/.DS_Store", id="ds-store"),
        pytest.param("/docs/.hidden", id="nested-dotfile"),
        pytest.param("/%2Eenv", id="escaped-dotfile"),
        pytest.param("/public_secret/secret.txt", id="sibling-dir"),
        pytest.param("/..%2Fpublic_secret%2Fsecret.txt", id="encoded-slash"),
        pytest.param("/hello.txt%00", id="nul"),
        pytest.param("/%FF.txt", id="not-utf8"),
    ],
)
def test_lookup_finds_nothing_else(public: Path, path: str) -> None:
    assert PublicFiles.scan(public).lookup(path) is None


def test_dotfiles_are_not_served_but_dot_folders_are(public: Path) -> None:
    # Next.js serves public/ with `send`, whose legacy dotfiles rule ignores a
    # path whose last part starts with "." and allows dot folders.
    files = PublicFiles.scan(public)
    assert files.lookup("/.well-known/security.txt") is not None
    assert files.lookup("/.env") is None
    assert len(files) == 8


def test_files_added_after_startup_are_not_served(public: Path) -> None:
    files = PublicFiles.scan(public)
    _write(public, "late.txt")
    assert files.lookup("/late.txt") is None
    assert PublicFiles.scan(public).lookup("/late.txt") is not None


def test_dev_rescans_on_a_miss_so_new_files_are_served(public: Path) -> None:
    files = PublicFiles.scan(public, rescan=True)
    assert files.lookup("/later.txt") is None
    (public / "later.txt").write_text("new")
    (public / "sub").mkdir(exist_ok=True)
    (public / "sub" / "deep.txt").write_text("new")
    # A scan at most every half second: the next ones find them.
    assert wait_for(lambda: files.lookup("/later.txt") is not None)
    assert files.lookup("/sub/deep.txt") is not None
    assert files.lookup("/../later.txt") is None


def test_dev_rescan_starts_from_an_empty_or_missing_folder(tmp_path: Path) -> None:
    files = PublicFiles.scan(tmp_path / "public", rescan=True)
    assert files.may_serve
    assert not PublicFiles.scan(tmp_path / "public").may_serve
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "a.txt").write_text("a")
    assert wait_for(lambda: files.lookup("/a.txt") is not None)


def test_scan_records_size_mtime_validators_and_type(public: Path) -> None:
    path = _write(public, "data.json", b'{"a": 1}')
    os.utime(path, ns=(MTIME_NS, MTIME_NS))
    found = PublicFiles.scan(public).lookup("/data.json")
    assert found is not None
    assert (found.size, found.mtime_ns) == (8, MTIME_NS)
    assert found.etag == 'W/"8-18bcfe5687b"'
    assert found.last_modified == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert found.content_type == "application/json; charset=UTF-8"


def test_validators_follow_the_send_package() -> None:
    # etag's stattag: W/"<size hex>-<mtime ms hex>"; Date#toUTCString().
    assert validators(0, 0) == ('W/"0-0"', "Thu, 01 Jan 1970 00:00:00 GMT")
    assert validators(5 * 1024 * 1024, 1_000_999_999) == (
        'W/"500000-3e8"',
        "Thu, 01 Jan 1970 00:00:01 GMT",
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=UTF-8"),
        ("old.htm", "text/html; charset=UTF-8"),
        ("site.css", "text/css; charset=UTF-8"),
        ("app.js", "application/javascript; charset=UTF-8"),
        ("mod.mjs", "application/javascript; charset=UTF-8"),
        ("data.json", "application/json; charset=UTF-8"),
        ("app.js.map", "application/json; charset=UTF-8"),
        ("robots.txt", "text/plain; charset=UTF-8"),
        ("feed.xml", "application/xml"),
        ("logo.svg", "image/svg+xml"),
        ("a.png", "image/png"),
        ("A.PNG", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("favicon.ico", "image/x-icon"),
        ("f.woff", "font/woff"),
        ("f.woff2", "font/woff2"),
        ("f.ttf", "font/ttf"),
        ("f.otf", "font/otf"),
        ("doc.pdf", "application/pdf"),
        ("v.mp4", "video/mp4"),
        ("v.webm", "video/webm"),
        ("s.mp3", "audio/mpeg"),
        ("m.wasm", "application/wasm"),
        ("site.webmanifest", "application/manifest+json"),
        ("table.csv", "text/csv; charset=UTF-8"),
        ("LICENSE", "application/octet-stream"),
        ("blob.xyz123", "application/octet-stream"),
    ],
)
def test_content_type_comes_from_the_extension(name: str, expected: str) -> None:
    assert content_type_for(name) == expected


# -- symlinks and odd names (path traversal, docs/public-files.md) -----------


def test_symlinks_inside_public_are_followed(public: Path) -> None:
    (public / "alias.txt").symlink_to("hello.txt")
    (public / "fonts-link").symlink_to("fonts", target_is_directory=True)
    files = PublicFiles.scan(public)
    alias = files.lookup("/alias.txt")
    assert alias is not None
    assert alias.path == (public / "hello.txt").resolve()
    assert files.lookup("/fonts-link/Inter%20Var.woff2") is not None


def test_symlinks_resolving_outside_public_are_refused(
    public: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # "public_secret" shares the prefix "public": containment is checked per
    # path component (Starlette CVE-2023-29159), not as a string prefix.
    (public / "link").symlink_to("../public_secret", target_is_directory=True)
    (public / "sneaky.txt").symlink_to("../public_secret/secret.txt")
    (public / "abs.txt").symlink_to(public.parent / "public_secret" / "secret.txt")
    (public / "up").symlink_to("..", target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="approute"):
        files = PublicFiles.scan(public)
    for path in ("/link/secret.txt", "/sneaky.txt", "/abs.txt", "/up/public_secret/secret.txt"):
        assert files.lookup(path) is None, path
    assert len(files) == 8
    assert caplog.text.count("outside") == 4


def test_symlink_cycles_end(public: Path) -> None:
    (public / "loop").symlink_to(".", target_is_directory=True)
    (public / "docs" / "back").symlink_to("..", target_is_directory=True)
    files = PublicFiles.scan(public)
    assert files.lookup("/hello.txt") is not None
    assert files.lookup("/loop/hello.txt") is None
    assert files.lookup("/docs/back/hello.txt") is None


def test_broken_symlinks_and_fifos_are_skipped(public: Path) -> None:
    (public / "broken.txt").symlink_to("nowhere.txt")
    os.mkfifo(public / "pipe.txt")
    files = PublicFiles.scan(public)
    assert files.lookup("/broken.txt") is None
    assert files.lookup("/pipe.txt") is None


def test_percent_and_backslash_names_are_plain_files(public: Path) -> None:
    # A file literally named %2e%2e or a\..\..\x is reachable only under
    # its own escaped name, and only ever as itself.
    _write(public, "%2e%2e", b"percent")
    _write(public, "a\\..\\..\\public_secret\\secret.txt", b"inside")
    _write(public, "..\\secret.txt", b"dotfile")
    files = PublicFiles.scan(public)
    percent = files.lookup("/%252e%252e")
    backslash = files.lookup("/a%5C..%5C..%5Cpublic_secret%5Csecret.txt")
    assert percent is not None
    assert percent.path.read_bytes() == b"percent"
    assert backslash is not None
    assert backslash.path.read_bytes() == b"inside"
    assert backslash.path.parent == public.resolve()
    assert files.lookup("/%2e%2e") is None
    assert files.lookup("/..%5Csecret.txt") is None  # a name starting with "."


def test_names_no_url_can_spell_are_skipped(public: Path, caplog: pytest.LogCaptureFixture) -> None:
    os.mkdir(os.fsencode(public) + b"/bad\xff")
    with open(os.fsencode(public) + b"/bad\xff/x.txt", "wb") as f:
        f.write(b"x")
    with open(os.fsencode(public) + b"/\xfe.txt", "wb") as f:
        f.write(b"x")
    with caplog.at_level(logging.WARNING, logger="approute"):
        files = PublicFiles.scan(public)
    assert len(files) == 8
    assert "no URL can name" in caplog.text


# -- conflicts with routes ---------------------------------------------------


def test_conflicts_lists_urls_that_are_both_a_file_and_a_route(public: Path) -> None:
    files = PublicFiles.scan(public)
    patterns = ["/", "/about", "/hello.txt", "/%5Fprivate.txt", "/fonts/Inter Var.woff2"]
    assert files.conflicts(patterns) == [
        "/_private.txt",
        "/fonts/Inter%20Var.woff2",
        "/hello.txt",
    ]
    assert files.conflicts(["/api/users", "/"]) == []
