"""``python -m approute.cli``: the same as the ``approute`` command."""

from __future__ import annotations

import sys

from approute.cli.main import main

sys.exit(main())
