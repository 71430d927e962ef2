"""The public API (docs/request-response.md, docs/route-handlers.md):
``approute.__all__``, every module's sorted ``__all__``, docstrings, the
Next.js-shaped import paths, ``py.typed``."""

from __future__ import annotations

import importlib
import importlib.resources
import inspect
import pkgutil
from types import ModuleType

import pytest

import approute

# The names every approute app imports (Next.js's, docs/request-response.md).
SPEC_NAMES = {
    "Headers",
    "InvalidJSON",
    "NextRequest",
    "NextResponse",
    "NextURL",
    "RequestError",
    "Response",
}
# Also public: the 413 error (BodyTooLarge), Cookie/FormData/UploadFile (what
# the request readers return), SearchParams (NextURL.search_params),
# RouteContext (a handler's ctx), InvalidForm (the form_data() error),
# create_app (an approute project as an ASGI app), and what a WebSocket
# route's hooks get (docs/websockets.md): Peer, Message, CloseDetails,
# WebSocketHooks, UpgradeResponse.
EXTRA_NAMES = {
    "BodyTooLarge",
    "CloseDetails",
    "Cookie",
    "FormData",
    "InvalidForm",
    "Message",
    "NextFetchEvent",
    "Peer",
    "RouteContext",
    "SearchParams",
    "UpgradeResponse",
    "UploadFile",
    "WebSocketHooks",
    "create_app",
}


def _module_names() -> list[str]:
    names = ["approute"]
    for info in pkgutil.walk_packages(approute.__path__, "approute."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # running it is the CLI
        names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def test_package_all_is_sorted() -> None:
    assert approute.__all__ == sorted(approute.__all__)


def test_package_all_is_the_spec_public_names() -> None:
    assert set(approute.__all__) == SPEC_NAMES | EXTRA_NAMES
    assert len(approute.__all__) == len(set(approute.__all__))


@pytest.mark.parametrize("name", sorted(SPEC_NAMES | EXTRA_NAMES))
def test_package_exports_each_public_name(name: str) -> None:
    assert getattr(approute, name) is not None


def test_next_response_is_a_response() -> None:
    assert issubclass(approute.NextResponse, approute.Response)


@pytest.mark.parametrize(
    ("error", "bases", "not_bases"),
    [
        pytest.param("InvalidJSON", (ValueError, approute.RequestError), (), id="invalid-json"),
        pytest.param("InvalidForm", (ValueError, approute.RequestError), (), id="invalid-form"),
        pytest.param("BodyTooLarge", (approute.RequestError,), (ValueError,), id="body-too-large"),
    ],
)
def test_public_errors_have_spec_bases(
    error: str, bases: tuple[type, ...], not_bases: tuple[type, ...]
) -> None:
    cls = getattr(approute, error)
    assert all(issubclass(cls, base) for base in bases)
    assert not any(issubclass(cls, base) for base in not_bases)


def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("module_name", MODULES)
def test_module_all_names_exist_once(module_name: str) -> None:
    module = _import(module_name)
    exported = list(getattr(module, "__all__", ()))  # empty package markers have none
    assert len(exported) == len(set(exported)), exported
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []


def _own_doc(obj: object) -> str | None:
    doc = obj.__doc__
    if inspect.isclass(obj) and doc is not None and doc.startswith(obj.__name__ + "("):
        return None  # dataclass's generated signature is no docstring
    return doc.strip() if doc else None


@pytest.mark.parametrize("module_name", MODULES)
def test_module_public_classes_and_functions_have_docstrings(module_name: str) -> None:
    module = _import(module_name)
    undocumented = [
        name
        for name in getattr(module, "__all__", ())
        if (inspect.isclass(obj := getattr(module, name)) or inspect.isfunction(obj))
        and not _own_doc(obj)
    ]
    assert undocumented == []


@pytest.mark.parametrize(
    ("module_name", "name"),
    [
        pytest.param("approute.headers", "headers", id="headers-headers"),
        pytest.param("approute.headers", "cookies", id="headers-cookies"),
        pytest.param("approute.headers", "draft_mode", id="headers-draft-mode"),
        pytest.param("approute.cache", "cached", id="cache-cached"),
        pytest.param("approute.cache", "revalidate_tag", id="cache-revalidate-tag"),
        pytest.param("approute.cache", "revalidate_path", id="cache-revalidate-path"),
        pytest.param("approute.fetch", "fetch", id="fetch-fetch"),
        pytest.param("approute.navigation", "redirect", id="navigation-redirect"),
        pytest.param("approute.navigation", "permanent_redirect", id="navigation-permanent"),
        pytest.param("approute.navigation", "not_found", id="navigation-not-found"),
        pytest.param("approute.navigation", "forbidden", id="navigation-forbidden"),
        pytest.param("approute.navigation", "unauthorized", id="navigation-unauthorized"),
        pytest.param("approute.server", "after", id="server-after"),
        pytest.param("approute.testing", "TestClient", id="testing-test-client"),
        pytest.param("approute.testing", "AsyncTestClient", id="testing-async-test-client"),
    ],
)
def test_next_js_shaped_import_paths_exist(module_name: str, name: str) -> None:
    module = _import(module_name)
    assert name in module.__all__
    obj = getattr(module, name)
    assert callable(obj)
    assert _own_doc(obj)


def test_package_ships_py_typed() -> None:
    assert importlib.resources.files("approute").joinpath("py.typed").is_file()
