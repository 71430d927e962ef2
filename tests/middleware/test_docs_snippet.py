"""The unit-testing snippet of docs/middleware.md, run against examples/proxy.py."""

from __future__ import annotations

import sys
from pathlib import Path

from approute import NextRequest
from approute.testing import does_middleware_match, get_redirect_url, get_rewritten_url, is_rewrite

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_docs_middleware_unit_test_snippet() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        from proxy import config, proxy  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(EXAMPLES))
        sys.modules.pop("proxy", None)

    assert does_middleware_match(config=config, url="/admin/users")
    assert not does_middleware_match(config=config, url="/blog")

    response = proxy(NextRequest("http://localhost:3000/greeting"))
    assert get_redirect_url(response) == "http://localhost:3000/en/greeting"

    rewritten = proxy(
        NextRequest("http://localhost:3000/api/experiment", headers={"cookie": "bucket=b"})
    )
    assert is_rewrite(rewritten)
    assert get_rewritten_url(rewritten) == "http://localhost:3000/api/experiment-b"
