"""The example app type-checks: ``approute typegen`` then ``approute mypy``
over a copy of examples/ (its pyproject.toml enables the plugin)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_examples_pass_mypy_with_typed_params(tmp_path: Path) -> None:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    cli = [sys.executable, "-m", "approute.cli"]
    subprocess.run([*cli, "typegen"], cwd=root, check=True, capture_output=True)
    done = subprocess.run([*cli, "mypy"], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found in ")
