"""A ``rewrites()`` rule gives a typed target: a canonical path of this app
(normalised once, where the rule is applied) or an absolute URL to proxy to."""

from __future__ import annotations

from approute.config.rules import RequestFacts, compile_rewrite_rules
from approute.http.targets import ExternalURL, InternalPath


def _target(destination: str, path: str, query: str = "") -> object:
    (rule,) = compile_rewrite_rules([{"source": "/s/:rest*", "destination": destination}], "t")
    params = rule.source.match(path, path, RequestFacts([], query))
    assert params is not None
    return rule.target(params, query)


def test_a_path_destination_is_an_internal_path_in_canonical_form() -> None:
    assert _target("/d/:rest*", "/s/a/b", "q=1") == InternalPath("/d/a/b", "q=1")
    assert _target("/d/../e/:rest*", "/s/x") == InternalPath("/e/x", "")


def test_an_absolute_destination_is_an_external_url_with_its_query() -> None:
    target = _target("https://upstream.test/p/:rest*?k=v", "/s/a", "q=1")
    assert target == ExternalURL("https://upstream.test/p/a", "q=1&k=v")
    assert isinstance(target, ExternalURL)
    assert target.href == "https://upstream.test/p/a?q=1&k=v"
