"""``approute build``: validation, prerendering, the output and its manifest."""

from __future__ import annotations

import re

import orjson
import pytest

from approute.build.manifest import read_manifest
from approute.cache.entry import decode
from approute.cli.main import main
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout
from tests.build.conftest import PROJECT, build, calls
from tests.conftest import ProjectFactory


def test_prerenders_static_routes_and_listed_params(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    assert sorted(manifest.prerendered) == [
        "/_status",
        "/api/files/a/b%20c",
        "/api/files/z",
        "/api/hello",
        "/api/users/1",
        "/api/users/2",
        "/api/users/3",
        "/api/users/4",
        "/api/users/5",
    ]
    # Each path rendered once, with the empty request of a cached handler.
    assert sorted(calls(root)) == sorted(manifest.prerendered)
    folder = manifest.entries_dir(ProjectLayout.find(root))
    entry = decode((folder / manifest.prerendered["/api/users/2"]).read_bytes(), key="/api/users/2")
    assert orjson.loads(entry.value) == {"id": "2", "url": "http://localhost:3000/api/users/2"}
    assert entry.meta["status"] == 200
    assert entry.revalidate == 60
    assert manifest.created_at - 60 < entry.created_at <= manifest.created_at
    files = decode(
        (folder / manifest.prerendered["/api/files/a/b%20c"]).read_bytes(),
        key="/api/files/a/b%20c",
    )
    assert orjson.loads(files.value) == {"path": ["a", "b c"]}


def test_set_cookie_response_stays_on_demand(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    output = build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    assert "/api/login" not in manifest.prerendered
    assert "! /api/login is rendered on demand: its GET sets a cookie" in output
    assert re.search(r"^├ ƒ /api/login$", output, re.MULTILINE)


def test_manifest_hashes_only_the_inputs(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            **PROJECT,
            "approute.config.py": "compress = True\n",
            "public/robots.txt": "User-agent: *\n",
            "notes.py": "x = 1\n",
        }
    )
    (root / "app" / "api" / "__pycache__").mkdir()
    (root / "app" / "api" / "__pycache__" / "stray.py").write_text("")
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    assert sorted(manifest.inputs) == sorted(
        [name for name in PROJECT if name.endswith(".py")] + ["approute.config.py"]
    )


def test_a_raising_prerender_fails_naming_route_and_path(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(PROJECT)
    build(root)
    before = (root / ".approute" / "build-manifest.json").read_bytes()
    route = root / "app" / "api" / "users" / "[id]" / "route.py"
    route.write_text(
        route.read_text().replace(
            '    called(request)\n    return NextResponse.json({"id"',
            '    if ctx.params["id"] == "4":\n        raise RuntimeError("no user 4")\n'
            '    return NextResponse.json({"id"',
        )
    )
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert (
        "error: app/api/users/[id]/route.py: Error occurred prerendering route "
        "/api/users/[id] at path /api/users/4: GET answered 500"
    ) in err
    # The previous build stays committed, whole (and now stale); no leftovers.
    assert (root / ".approute" / "build-manifest.json").read_bytes() == before
    assert [p.name for p in (root / ".approute" / "build").iterdir()] == [
        orjson.loads(before)["build_id"]
    ]


def test_a_non_2xx_prerender_fails_the_build(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/api/gone/route.py": """
                from approute.navigation import not_found

                dynamic = "force-static"

                def GET(request):
                    not_found()
            """
        }
    )
    with pytest.raises(ProjectError, match=r"route /api/gone at path /api/gone: GET answered 404"):
        build(root)
    assert not (root / ".approute" / "build-manifest.json").exists()


def test_broken_project_exits_1_with_file_and_line(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project({"app/api/x/route.py": 'dynamic = "forcestatic"\n\ndef GET(r): ...\n'})
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "error: app/api/x/route.py:1: dynamic must be one of" in err
    assert "Traceback" not in err
    assert not (root / ".approute").exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param("[{'id': 3}]", "'id' must be a non-empty string", id="not-a-string"),
        pytest.param("[{}]", "'id' must be a non-empty string", id="missing-key"),
        pytest.param(
            "[{'id': '3', 'slug': 'x'}]",
            "'slug' is not a param of /api/[id] (its params: 'id')",
            id="not-a-param",
        ),
        pytest.param("{'id': '3'}", "must return a list of dicts", id="not-a-list"),
        pytest.param("1 / 0", "generate_static_params() raised ZeroDivisionError", id="raises"),
    ],
)
def test_bad_generate_static_params_is_a_project_error(
    make_project: ProjectFactory, params: str, message: str
) -> None:
    root = make_project(
        {
            "app/api/[id]/route.py": f"""
                dynamic = "force-static"


                def generate_static_params():
                    return {params}


                def GET(request, ctx): ...
            """
        }
    )
    with pytest.raises(ProjectError) as caught:
        build(root)
    assert str(caught.value).startswith("app/api/[id]/route.py:5: generate_static_params()")
    assert message in str(caught.value)


def test_optional_catch_all_and_trailing_slash_paths(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "approute.config.py": "trailing_slash = True\n",
            "app/docs/[[...slug]]/route.py": """
                from approute import NextResponse

                dynamic = "force-static"


                def generate_static_params():
                    return [{}, {"slug": []}, {"slug": ["a", "b/c"]}, {"slug": ["a", "b/c"]}]


                def GET(request, ctx):
                    return NextResponse.json(ctx.params)
            """,
        }
    )
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    # As requests reach the route cache: "/" on the slash, "%2F" inside a param.
    assert sorted(manifest.prerendered) == ["/docs/", "/docs/a/b%2Fc/"]


def test_build_id_from_the_environment(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(PROJECT)
    monkeypatch.setenv("APPROUTE_BUILD_ID", "git-3f2a1c")
    assert "(build id git-3f2a1c)" in build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    assert manifest.build_id == "git-3f2a1c"
    assert manifest.entries_dir(ProjectLayout.find(root)).is_dir()
    monkeypatch.setenv("APPROUTE_BUILD_ID", "../evil")
    with pytest.raises(ProjectError, match="APPROUTE_BUILD_ID must be"):
        build(root)


def test_each_build_has_its_own_id_and_removes_the_old_entries(
    make_project: ProjectFactory,
) -> None:
    root = make_project(PROJECT)
    build(root)
    first = read_manifest(ProjectLayout.find(root))
    build(root)
    second = read_manifest(ProjectLayout.find(root))
    assert first is not None
    assert second is not None
    assert first.build_id != second.build_id
    assert [p.name for p in (root / ".approute" / "build").iterdir()] == [second.build_id]


def test_progress_bar_on_a_terminal_plain_lines_otherwise(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    root = make_project(PROJECT)
    plain = build(root)
    assert "\r" not in plain
    assert "\x1b" not in plain
    # Ten GETs run (/api/login too: it then stays on demand).
    assert "  Prerendering 10 paths\n" in plain
    assert re.search(r"^✓ Prerendered 10 paths in \d+\.\ds$", plain, re.MULTILINE)

    tty = build(root, tty=True)
    frames = re.findall(r"\r\x1b\[2K  Prerendering \[([█░]{24})\] (\d+)/10 /", tty)
    assert [int(done) for _, done in frames] == list(range(10))
    assert frames[0][0] == "░" * 24
    assert frames[5][0] == "█" * 12 + "░" * 12
    assert re.search(r"\r\x1b\[2K✓ Prerendered 10 paths in \d+\.\ds\n", tty)

    # A narrow terminal: each frame stays on one line, so "\r" redraws it.
    monkeypatch.setenv("COLUMNS", "40")
    narrow = build(root, tty=True)
    frames = re.findall(r"\r\x1b\[2K(  Prerendering [^\r]*)", narrow)
    assert len(frames) == 10
    assert all(len(frame) <= 39 and frame.endswith("…") for frame in frames)


def test_prints_the_route_table(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    output = build(root)
    table = output[output.index("Route (app)") :].splitlines()
    assert re.fullmatch(r"Route \(app\) +Revalidate  Expire", table[0])
    width = len(table[0]) - len("Revalidate  Expire")
    rows = [(line[:width].rstrip(), line[width:].split()) for line in table[1:12]]
    assert rows == [
        ("┌ ○ /_status", ["1h", "1y"]),
        ("├ ● /api/files/[...path]", []),
        ("├   ├ /api/files/a/b%20c", []),
        ("├   └ /api/files/z", []),
        ("├ ○ /api/hello", []),
        ("├ ƒ /api/login", []),
        ("├ ƒ /api/now", []),
        ("└ ● /api/users/[id]", ["1m", "1y"]),
        ("    ├ /api/users/1", ["1m", "1y"]),
        ("    ├ /api/users/2", ["1m", "1y"]),
        ("    ├ /api/users/3", ["1m", "1y"]),
    ]
    assert table[12:] == [
        "    └ [+2 more paths]",
        "",
        "ƒ Proxy (Middleware)",
        "",
        "○  (Static)   prerendered as static content",
        "●  (SSG)      prerendered with generate_static_params",
        "ƒ  (Dynamic)  server-rendered on demand",
    ]


def test_a_listed_path_another_route_serves_is_left_to_it(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/api/users/[id]/route.py": """
                from approute import Response

                dynamic = "force-static"


                def generate_static_params():
                    return [{"id": "7"}, {"id": "me"}]


                def GET(request, ctx):
                    return Response("user " + ctx.params["id"])
            """,
            "app/api/users/me/route.py": """
                from approute import Response

                dynamic = "force-static"


                def GET(request):
                    return Response("the static me")
            """,
        }
    )
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    me = decode(
        (
            manifest.entries_dir(ProjectLayout.find(root)) / manifest.prerendered["/api/users/me"]
        ).read_bytes(),
        key="/api/users/me",
    )
    assert me.value == b"the static me"
    assert sorted(manifest.prerendered) == ["/api/users/7", "/api/users/me"]
    assert (
        "app/api/users/[id]/route.py:7: generate_static_params() lists /api/users/me, "
        "which app/api/users/me/route.py serves; not prerendered here"
    ) in caplog.text


def test_prerender_sees_an_empty_request(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/api/me/route.py": """
                from approute import NextResponse
                from approute.headers import cookies, headers

                revalidate = 30


                def GET(request):
                    return NextResponse.json({
                        "headers": list(headers().items()),
                        "cookies": [c.name for c in cookies().get_all()],
                        "search": request.next_url.search,
                        "url": request.url,
                    })
            """
        }
    )
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    entry = decode(
        (
            manifest.entries_dir(ProjectLayout.find(root)) / manifest.prerendered["/api/me"]
        ).read_bytes(),
        key="/api/me",
    )
    assert orjson.loads(entry.value) == {
        "headers": [],
        "cookies": [],
        "search": "",
        "url": "http://localhost:3000/api/me",
    }


def test_a_prerender_over_the_timeout_fails_the_build(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = (
        "import asyncio\n"
        "from approute import Response\n"
        "dynamic = 'force-static'\n"
        "async def GET(request):\n"
        "    await asyncio.sleep(30)\n"
        "    return Response('late')\n"
    )
    root = make_project(
        {
            "app/api/slow/route.py": slow,
            "approute.config.py": "static_page_generation_timeout = 0.2\n",
        }
    )
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert (
        "app/api/slow/route.py: Error occurred prerendering route /api/slow at path "
        "/api/slow: it took longer than 0.2 s (static_page_generation_timeout"
    ) in err
    assert not (root / ".approute" / "build-manifest.json").exists()
