"""The compiled build (docs/compiled.md): under ``make test-compiled``
(``APPROUTE_EXPECT_COMPILED=1``) the modules pyproject.toml lists are mypyc's
extensions and nothing else is; in the pure run none is. On both, every
docstring of those modules reads as in the source, and the public classes
among them can be subclassed."""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import inspect
import os
import pkgutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import approute
from approute import Headers, NextRequest, NextURL, SearchParams
from approute._compiled import mypyc_attr
from approute.http.cookies import Cookie, RequestCookies

ROOT = Path(__file__).resolve().parents[1]
_BUILD = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
COMPILED = [
    path.removesuffix(".py").replace("/", ".")
    for path in _BUILD["targets"]["wheel"]["hooks"]["custom"]["compile"]
]
EXPECT_COMPILED = os.environ.get("APPROUTE_EXPECT_COMPILED") == "1"


def _is_extension(module: ModuleType) -> bool:
    origin = module.__spec__.origin if module.__spec__ is not None else None
    return origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_the_package_under_test_is_the_build_asked_for() -> None:
    # The checkout is on sys.path in both runs; the compiled run must import
    # the installed package, the pure run the checkout's sources.
    installed = Path(approute.__file__).resolve().parent
    assert (installed == ROOT / "approute") is not EXPECT_COMPILED, installed


def test_exactly_the_listed_modules_are_compiled() -> None:
    names = [info.name for info in pkgutil.walk_packages(approute.__path__, "approute.")]
    compiled = {
        name
        for name in ["approute", *names]
        if not name.endswith("__main__") and _is_extension(importlib.import_module(name))
    }
    assert compiled == (set(COMPILED) if EXPECT_COMPILED else set())


def _source_docs(module: ModuleType) -> list[tuple[str, str]]:
    """(dotted name, docstring) for the module and each documented top-level
    function, class, method and property, read from the ``.py`` beside it."""
    origin = Path(module.__spec__.origin if module.__spec__ and module.__spec__.origin else "")
    tree = ast.parse(origin.with_name(origin.name.split(".")[0] + ".py").read_text())
    found = [("", ast.get_docstring(tree, clean=False))]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.name, ast.get_docstring(node, clean=False)))
        if isinstance(node, ast.ClassDef):
            found += [
                (f"{node.name}.{item.name}", ast.get_docstring(item, clean=False))
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    return [(name, doc) for name, doc in found if doc is not None]


@pytest.mark.parametrize("module_name", COMPILED)
def test_docstrings_read_as_in_the_source(module_name: str) -> None:
    # mypyc keeps only signatures; hatch_build.py writes the docstrings back.
    module = importlib.import_module(module_name)
    wrong = []
    for name, doc in _source_docs(module):
        obj: object = module
        for part in filter(None, name.split(".")):
            obj = getattr(obj, part)
        if obj.__doc__ != doc:
            wrong.append(name or module_name)
    assert wrong == []


def test_help_shows_a_compiled_method_s_docstring() -> None:
    assert inspect.getdoc(NextRequest.json) == (
        "The body parsed as JSON; invalid JSON raises ``InvalidJSON`` (400)."
    )
    assert inspect.getdoc(Headers.get) == (
        'All values of ``name`` joined with ``", "`` (Fetch), or ``None``.'
    )


def test_public_classes_can_be_subclassed() -> None:
    # mypyc_attr(allow_interpreted_subclasses=True): as in the pure package.
    class MyHeaders(Headers):
        def shout(self, name: str) -> str:
            return (self.get(name) or "").upper()

    class MyURL(NextURL):
        pass

    class MyParams(SearchParams):
        pass

    class MyCookie(Cookie):
        pass

    class MyCookies(RequestCookies):
        pass

    class MyRequest(NextRequest):
        pass

    headers = MyHeaders.from_asgi([(b"x-a", b"one"), (b"cookie", b"a=1")])
    assert (type(headers), headers.shout("x-a")) == (MyHeaders, "ONE")
    assert MyURL("http://a.test/x?q=1").search_params.get("q") == "1"
    assert MyParams("a=1").get("a") == "1"
    assert MyCookie("a", "1").value == "1"
    assert MyCookies(headers).get("a") == Cookie("a", "1")
    assert MyRequest("http://a.test/").next_url.pathname == "/"


def test_mypyc_attr_returns_the_class_unchanged_in_python() -> None:
    class Plain:
        pass

    assert mypyc_attr(allow_interpreted_subclasses=True)(Plain) is Plain
