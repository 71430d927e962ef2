"""``robots()``'s dict → ``/robots.txt``, byte for byte as Next.js writes it.

    def robots():
        return {
            "rules": {"user_agent": "*", "allow": "/", "disallow": "/private/"},
            "sitemap": "https://acme.com/sitemap.xml",
        }

gives ``User-Agent: *`` / ``Allow: /`` / ``Disallow: /private/``, a blank
line after each rule group, then ``Host:`` and ``Sitemap:`` lines. Keys are
Next.js's in snake_case (``user_agent``, ``crawl_delay``); a rule's
``other`` dict holds non-standard directives, written verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from approute.metadata.shape import Shape

__all__ = ["render_robots"]

_TOP_KEYS: Final = ("rules", "sitemap", "host")
_RULE_KEYS: Final = ("user_agent", "allow", "disallow", "crawl_delay", "other")


def render_robots(data: object, where: str) -> str:
    """The ``robots.txt`` text for ``data``; a wrong shape raises
    :class:`~approute.metadata.shape.MetadataShapeError` naming ``where``
    and the key."""
    shape = Shape(where, "robots()")
    robots = shape.mapping(data, _TOP_KEYS, required=("rules",))
    rules_shape = shape.key("rules")
    rules = robots["rules"]
    listed = isinstance(rules, list | tuple)
    content: list[str] = []
    for index, rule in enumerate(rules if listed else [rules]):
        place = rules_shape.item(index) if listed else rules_shape
        _rule(place, place.mapping(rule, _RULE_KEYS), content)
    if robots.get("host"):
        content.append(f"Host: {shape.key('host').text(robots['host'])}\n")
    if robots.get("sitemap"):
        for url in shape.key("sitemap").strings(robots["sitemap"]):
            content.append(f"Sitemap: {url}\n")
    return "".join(content)


def _rule(shape: Shape, rule: Mapping[str, Any], content: list[str]) -> None:
    # JavaScript truthiness: a missing or empty user agent is "*".
    for agent in shape.key("user_agent").strings(rule.get("user_agent") or ["*"]):
        content.append(f"User-Agent: {agent}\n")
    for key, directive in (("allow", "Allow"), ("disallow", "Disallow")):
        if rule.get(key):
            for path in shape.key(key).strings(rule[key]):
                content.append(f"{directive}: {path}\n")
    if rule.get("crawl_delay"):
        content.append(f"Crawl-delay: {shape.key('crawl_delay').text(rule['crawl_delay'])}\n")
    other = rule.get("other")
    if other:
        other_shape = shape.key("other")
        for name, value in other_shape.mapping(other, None).items():
            if value is None:
                continue
            values = value if isinstance(value, list | tuple) else [value]
            for item in values:
                content.append(f"{name}: {other_shape.key(name).text(item)}\n")
    content.append("\n")
