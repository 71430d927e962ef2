"""Profile a server under wrk load with py-spy and say where the time goes.

    python -m bench.profile                       # approute+mw: plain and users
    python -m bench.profile --target raw_asgi     # compare: the ceiling's split

For each endpoint: start the target pinned to core 0, load it with wrk on
core 1, ``py-spy record --function --format raw`` for a few seconds (py-spy
on core 1 too), then print the share of samples (≈ server CPU) per function
inside approute/ (inclusive and self) and per package. Raw stacks go to
bench/results/profile-<target>-<endpoint>.txt (feed them to flamegraph.pl or
speedscope for a picture).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench import generate
from bench.load import Server, free_port, run_wrk
from bench.run import ENDPOINTS, RESULTS, TARGETS, approute_command, uvicorn_command

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _package(path: str) -> str:
    if path.startswith("approute/"):
        return "approute/" + path.split("/")[1].removesuffix(".py")
    if path.startswith("<frozen") or "/" not in path:
        return "stdlib"
    return path.split("/")[0].removesuffix(".py")


def summarize(raw: Path, top: int) -> str:
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = []
        for frame in stack.split(";"):
            match = _FRAME.match(frame)
            if match:
                frames.append(f"{match['file']}:{match['func']}")
        for name in set(frames):
            inclusive[name] += count
        leaf = frames[-1] if frames else "?"
        own[leaf] += count
        packages[_package(leaf.rsplit(":", 1)[0])] += count
    if not total:
        return "no samples"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    lines = [f"{total} samples (≈ server CPU while under load)", "", "self time by package:"]
    lines += [f"  {pct(n)}  {name}" for name, n in packages.most_common(12)]
    lines += ["", f"inside approute/ — inclusive (self), top {top}:"]
    # Frames on every stack (the CLI that started the event loop) say nothing.
    mine = [
        (name, n)
        for name, n in inclusive.most_common()
        if name.startswith("approute/") and n < total
    ]
    lines += [f"  {pct(n)} ({pct(own[name]).strip()})  {name}" for name, n in mine[:top]]
    lines += ["", "hottest leaves anywhere (self):"]
    lines += [f"  {pct(n)}  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def _py_spy() -> str | None:
    """py-spy from the venv running us, else from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile(target_name: str, endpoint: str, seconds: float, rate: int) -> Path:
    target = next(t for t in TARGETS if t.name == target_name)
    method, path, _ = ENDPOINTS[endpoint]
    port = free_port()
    if target.kind == "approute":
        roots = generate.four_endpoint_apps()
        command = [*approute_command(roots[target.spec]), "-p", str(port)]
    else:
        command = [*uvicorn_command(target.spec), "--port", str(port)]
    out = RESULTS / f"profile-{target_name.replace('+', '_')}-{endpoint}.txt"
    with Server(command, port, "0") as server:
        server.wait_ready(ENDPOINTS["plain"][1])
        run_wrk(port, path, method, seconds=1, connections=64, cpu="1")  # warm-up
        load = threading.Thread(
            target=run_wrk,
            args=(port, path, method),
            kwargs={"seconds": seconds + 2, "connections": 64, "cpu": "1"},
        )
        load.start()
        try:
            subprocess.run(
                [
                    "taskset",
                    "-c",
                    "1",
                    _py_spy() or "py-spy",
                    "record",
                    "--pid",
                    str(server.proc.pid),  # type: ignore[union-attr]
                    "--rate",
                    str(rate),
                    "--duration",
                    f"{seconds:g}",
                    "--function",
                    "--format",
                    "raw",
                    "-o",
                    str(out),
                ],
                check=True,
                capture_output=True,
                timeout=seconds + 60,
            )
        finally:
            load.join()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--target", default="approute+mw")
    parser.add_argument("--endpoints", default="plain,users")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rate", type=int, default=250)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if _py_spy() is None:
        print("py-spy is missing: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    for endpoint in args.endpoints.split(","):
        raw = profile(args.target, endpoint, args.seconds, args.rate)
        text = summarize(raw, args.top)
        raw.with_suffix(".summary.txt").write_text(text + "\n")
        method, path, _ = ENDPOINTS[endpoint]
        print(f"=== {args.target} {method} {path} ({raw}) ===\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
