"""A private folder: `_lib` is never routed, but route modules import it."""

USERS: dict[str, dict[str, str]] = {
    "1": {"id": "1", "name": "Ada"},
    "42": {"id": "42", "name": "Grace"},
}
