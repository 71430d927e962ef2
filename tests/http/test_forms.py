"""``await request.form_data()`` through the app (docs/request-response.md,
"Forms and uploads"; the multipart and urlencoded limits of docs/security.md):
urlencoded and multipart bodies, uploads, malformed bodies and limits."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from approute.app import create_app
from approute.testing import TestClient
from tests.conftest import ProjectFactory

FORM_ROUTE = """
import hashlib
import os

from approute import NextResponse, UploadFile


async def describe(value):
    if not isinstance(value, UploadFile):
        return value
    data = await value.bytes()
    spooled = bool(getattr(value.file, "_rolled", False))
    # Where the temp file lives (fileno() moves a small file to disk first).
    location = os.readlink(f"/proc/self/fd/{value.file.fileno()}")
    return {
        "name": value.name,
        "type": value.type,
        "size": value.size,
        "length": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "on_disk": spooled,
        "location": location,
    }


async def POST(request):
    form = await request.form_data()
    names = list(dict.fromkeys(form.keys()))
    try:
        return NextResponse.json({
            "items": [[name, await describe(value)] for name, value in form.items()],
            "get": {name: await describe(form.get(name)) for name in names},
            "get_all": {
                name: [await describe(v) for v in form.get_all(name)] for name in names
            },
        })
    finally:
        form.close()
"""

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "----approuteBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def field(name: str, value: str | bytes) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data


def upload(name: str, filename: str, data: bytes, content_type: str = "text/plain") -> bytes:
    return (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + data


def multipart(parts: list[bytes], boundary: str = BOUNDARY, *, close: bool = True) -> bytes:
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (delimiter + b"--\r\n" if close else b"")


@pytest.fixture
def project(make_project: ProjectFactory) -> Path:
    return make_project({"app/api/form/route.py": FORM_ROUTE})


@pytest.fixture
def client_for(project: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        client = TestClient(create_app(project, **options))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for()


def post(client: TestClient, body: bytes, content_type: str | None) -> Any:
    headers = {} if content_type is None else {"content-type": content_type}
    return client.post("/api/form", content=body, headers=headers)


# -- urlencoded ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "items"),
    [
        pytest.param("a=1&b=2", [["a", "1"], ["b", "2"]], id="two-fields"),
        pytest.param("a=1&a=2", [["a", "1"], ["a", "2"]], id="repeated-name-kept-in-order"),
        pytest.param("a=1;b=2", [["a", "1;b=2"]], id="py-04-semicolon-is-not-a-separator"),
        pytest.param("q=hello+world", [["q", "hello world"]], id="plus-is-space"),
        pytest.param("q=a%2Bb", [["q", "a+b"]], id="escaped-plus-is-plus"),
        pytest.param("a=%ZZ&b=%FF", [["a", "%ZZ"], ["b", "\ufffd"]], id="lenient-escapes"),
        pytest.param("%C3%A9=%E2%82%AC", [["é", "€"]], id="utf-8-escapes"),
        pytest.param("flag", [["flag", ""]], id="bare-name-is-empty"),
        pytest.param("", [], id="empty-body"),
    ],
)
def test_urlencoded_fields_parse_like_url_search_params(
    client: TestClient, body: str, items: list[list[str]]
) -> None:
    response = post(client, body.encode(), URLENCODED)
    assert response.status_code == 200
    assert response.json()["items"] == items


def test_urlencoded_get_is_first_and_get_all_is_every_value(client: TestClient) -> None:
    form = post(client, b"a=1&b=x&a=2", URLENCODED).json()
    assert form["get"] == {"a": "1", "b": "x"}
    assert form["get_all"] == {"a": ["1", "2"], "b": ["x"]}


def test_urlencoded_with_charset_parameter_is_a_form(client: TestClient) -> None:
    response = post(client, b"a=1", f"{URLENCODED}; charset=UTF-8")
    assert response.status_code == 200
    assert response.json()["items"] == [["a", "1"]]


# -- multipart ---------------------------------------------------------------------


def test_multipart_fields_and_files(client: TestClient) -> None:
    body = multipart(
        [
            field("title", "héllo"),
            upload("doc", "notes.txt", b"line 1\nline 2\n"),
            field("title", "second"),
            upload("pic", "a.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        ]
    )
    response = post(client, body, MULTIPART)
    assert response.status_code == 200
    form = response.json()
    assert [name for name, _ in form["items"]] == ["title", "doc", "title", "pic"]
    assert form["get"]["title"] == "héllo"
    assert form["get_all"]["title"] == ["héllo", "second"]
    doc = form["get"]["doc"]
    assert (doc["name"], doc["type"], doc["size"]) == ("notes.txt", "text/plain", 14)
    assert doc["sha256"] == hashlib.sha256(b"line 1\nline 2\n").hexdigest()
    pic = form["get"]["pic"]
    assert (pic["name"], pic["type"], pic["size"]) == ("a.png", "image/png", 8)
    assert pic["sha256"] == hashlib.sha256(b"\x89PNG\r\n\x1a\n").hexdigest()


def test_multipart_field_keeps_crlf_inside_the_value(client: TestClient) -> None:
    response = post(client, multipart([field("text", "a\r\nb")]), MULTIPART)
    assert response.json()["items"] == [["text", "a\r\nb"]]


def test_multipart_empty_file_has_size_zero(client: TestClient) -> None:
    form = post(client, multipart([upload("f", "empty.txt", b"")]), MULTIPART).json()
    assert (form["get"]["f"]["size"], form["get"]["f"]["length"]) == (0, 0)


@pytest.mark.parametrize(
    "filename",
    [
        pytest.param("../../etc/passwd", id="dot-dot-traversal"),
        pytest.param("/etc/passwd", id="absolute-path"),
        pytest.param("..\\..\\windows\\win.ini", id="backslash-traversal"),
    ],
)
def test_upload_filename_is_only_metadata(client: TestClient, project: Path, filename: str) -> None:
    before = sorted(p for p in project.parent.rglob("*") if "__pycache__" not in p.parts)
    form = post(client, multipart([upload("f", filename, b"payload")]), MULTIPART).json()
    upload_info = form["get"]["f"]
    assert upload_info["name"] == filename
    location = upload_info["location"]
    assert not location.startswith(str(project.parent))
    assert "passwd" not in location
    assert "win.ini" not in location
    assert os.path.dirname(location) == tempfile.gettempdir()
    after = sorted(p for p in project.parent.rglob("*") if "__pycache__" not in p.parts)
    assert after == before


def test_large_upload_is_spooled_to_disk_and_round_trips(client: TestClient) -> None:
    data = os.urandom(5 * 1024 * 1024)
    body = multipart([field("note", "big"), upload("blob", "big.bin", data, "application/zip")])
    response = post(client, body, MULTIPART)
    assert response.status_code == 200
    blob = response.json()["get"]["blob"]
    assert blob["size"] == blob["length"] == len(data)
    assert blob["sha256"] == hashlib.sha256(data).hexdigest()
    assert blob["type"] == "application/zip"
    assert blob["on_disk"] is True


def test_boundary_of_70_chars_is_accepted(client: TestClient) -> None:
    boundary = "b" * 70
    body = multipart([field("a", "1")], boundary)
    response = post(client, body, f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert response.json()["items"] == [["a", "1"]]


def test_quoted_boundary_is_accepted(client: TestClient) -> None:
    body = multipart([field("a", "1")], "quoted")
    response = post(client, body, 'multipart/form-data; boundary="quoted"')
    assert response.status_code == 200
    assert response.json()["items"] == [["a", "1"]]


# -- refused bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"a=1", None, id="no-content-type"),
        pytest.param(b"a=1", "text/plain", id="text-plain"),
        pytest.param(b'{"a": 1}', "application/json", id="json-bi-22"),
        pytest.param(multipart([field("a", "1")]), "multipart/form-data", id="no-boundary"),
        pytest.param(
            multipart([field("a", "1")], "c" * 71),
            "multipart/form-data; boundary=" + "c" * 71,
            id="boundary-over-70-chars",
        ),
        pytest.param(
            multipart([field("a", "1")], close=False), MULTIPART, id="no-closing-boundary"
        ),
        pytest.param(b"", MULTIPART, id="empty-multipart-body"),
        pytest.param(
            multipart([b"Content-Type: text/plain\r\n\r\nvalue"]),
            MULTIPART,
            id="part-without-content-disposition",
        ),
        pytest.param(
            multipart([b'Content-Disposition: form-data; filename="a"\r\n\r\nx']),
            MULTIPART,
            id="part-without-name",
        ),
        pytest.param(
            multipart(
                [
                    b'Content-Disposition: form-data; name="a"\r\n'
                    + b"X-Junk: 1\r\n" * 10_000
                    + b"\r\nvalue"
                ]
            ),
            MULTIPART,
            id="part-with-10000-header-lines",
        ),
        pytest.param(
            multipart([field("a", "1")], "other"), MULTIPART, id="body-uses-another-boundary"
        ),
        pytest.param(
            multipart([field("a", "1")]),
            "multipart/form-data; boundary=a" + ";" * 7_000 + " " * 7_000,  # under 16 KiB
            id="redos-content-type",
        ),
    ],
)
def test_malformed_form_is_400(client: TestClient, body: bytes, content_type: str | None) -> None:
    assert post(client, body, content_type).status_code == 400


def _many_fields(count: int) -> bytes:
    return multipart([field(f"f{i}", "v") for i in range(count)])


def _many_files(count: int) -> bytes:
    return multipart([upload(f"f{i}", f"{i}.txt", b"x") for i in range(count)])


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(_many_fields(1001), MULTIPART, id="1001-multipart-fields"),
        pytest.param(
            "&".join(f"f{i}=v" for i in range(1001)).encode(), URLENCODED, id="1001-urlencoded"
        ),
        pytest.param(
            "&".join(f"f{i}=v" for i in range(100_000)).encode(),
            URLENCODED,
            id="100000-urlencoded",
        ),
        pytest.param(_many_files(1001), MULTIPART, id="1001-files"),
        pytest.param(
            multipart([field("big", b"x" * (2 * 1024 * 1024))]), MULTIPART, id="2-mib-text-field"
        ),
    ],
)
def test_form_over_the_count_or_part_limits_is_413(
    client: TestClient, body: bytes, content_type: str
) -> None:
    assert post(client, body, content_type).status_code == 413


@pytest.mark.parametrize(
    ("body", "content_type", "count"),
    [
        pytest.param(_many_fields(1000), MULTIPART, 1000, id="1000-multipart-fields"),
        pytest.param(
            "&".join(f"f{i}=v" for i in range(1000)).encode(),
            URLENCODED,
            1000,
            id="1000-urlencoded-fields",
        ),
        pytest.param(_many_files(1000), MULTIPART, 1000, id="1000-files"),
    ],
)
def test_form_at_the_count_limits_is_parsed(
    client: TestClient, body: bytes, content_type: str, count: int
) -> None:
    response = post(client, body, content_type)
    assert response.status_code == 200
    assert len(response.json()["items"]) == count


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"a=" + b"x" * 2000, URLENCODED, id="urlencoded-over-limit"),
        pytest.param(
            multipart([field("a", "x" * 600), field("b", "y" * 600)]),
            MULTIPART,
            id="multipart-text-fields-over-limit",
        ),
    ],
)
def test_form_over_the_body_size_limit_is_413(
    client_for: Callable[..., TestClient], body: bytes, content_type: str
) -> None:
    client = client_for(body_size_limit="1kb")
    assert post(client, body, content_type).status_code == 413


def test_files_do_not_count_against_the_body_size_limit(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(body_size_limit="1kb")
    data = b"z" * 4096
    response = post(client, multipart([field("a", "1"), upload("f", "z.bin", data)]), MULTIPART)
    assert response.status_code == 200
    assert response.json()["get"]["f"]["size"] == len(data)
