"""What the compiled build (docs/compiled.md) needs from the source itself.

``mypyc_attr`` marks a class for mypyc; it is ``mypy_extensions.mypyc_attr``
to the type checker and to mypyc (which reads it by name and calls nothing)
and a decorator that returns the class unchanged when the module runs as
Python, so the pure package needs no ``mypy_extensions``. This module is
never compiled: mypyc would turn the branch below into an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["mypyc_attr"]

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr as mypyc_attr
else:

    def mypyc_attr(*flags, **settings):
        """Mark a class for mypyc, e.g. ``@mypyc_attr(allow_interpreted_subclasses=True)``
        (a public class users and approute's own Python modules subclass);
        returns the class unchanged."""
        return _unchanged


def _unchanged(cls: type) -> type:
    return cls
