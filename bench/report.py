"""Medians, ratios to raw ASGI, the speed goals, the markdown table,
docs/benchmarks.md and the chart."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.load import REPO

__all__ = ["chart", "markdown", "summarize", "write_docs"]

DOCS = REPO / "docs" / "benchmarks.md"
CHART = REPO / "docs" / "img" / "benchmarks.png"
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"
BASE = "raw_asgi"
SIMPLE = ("plain", "json", "users")
MW_PAIRS = [
    ("raw_asgi", "raw_asgi+mw"),
    ("approute", "approute+mw"),
    ("approute·compiled", "approute+mw·compiled"),
    ("starlette", "starlette+mw"),
    ("starlette", "starlette+asgimw"),
    ("fastapi", "fastapi+mw"),
    ("litestar", "litestar+mw"),
    ("nextjs", "nextjs+mw"),
]


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    endpoints = list(data["endpoints"])
    cells: dict[str, dict[str, dict[str, float]]] = {}
    for sample in data["samples"]:
        cells.setdefault(sample["target"], {}).setdefault(sample["endpoint"], {})
    for target, row in cells.items():
        for endpoint in row:
            mine = [
                s for s in data["samples"] if s["target"] == target and s["endpoint"] == endpoint
            ]
            row[endpoint] = {
                key: _median([s[key] for s in mine])
                for key in ("rps", "p50_ms", "p99_ms", "rss_mib", "startup_s")
            }
            row[endpoint]["errors"] = sum(s["non_2xx"] + s["socket_errors"] for s in mine)
    ratios: dict[str, dict[str, float]] = {}
    if BASE in cells:
        for target, row in cells.items():
            ratios[target] = {
                e: row[e]["rps"] / cells[BASE][e]["rps"] for e in endpoints if e in row
            }
    overhead: dict[str, dict[str, float]] = {}
    for without, with_ in MW_PAIRS:
        if without in cells and with_ in cells:
            values = {
                e: (cells[without][e]["rps"] - cells[with_][e]["rps"]) / cells[without][e]["rps"]
                for e in endpoints
            }
            values["mean"] = statistics.fmean(values.values())
            overhead[f"{with_} vs {without}"] = values
    scaling: dict[str, dict[str, float]] = {}
    raw_scaling = data["scaling"]
    for sample in raw_scaling["samples"]:
        scaling.setdefault(sample["target"], {"routes": sample["routes"]})
    for name, row in scaling.items():
        mine = [s for s in raw_scaling["samples"] if s["target"] == name]
        for key in ("rps", "p50_ms", "p99_ms", "rss_mib", "cold_start_s"):
            row[key] = _median([s[key] for s in mine])
        row["first_start_s"] = raw_scaling["first_start_s"].get(name, float("nan"))
        row["create_app_s"] = raw_scaling["create_app_s"].get(name, float("nan"))
        row["build_s"] = raw_scaling.get("build_s", {}).get(name, float("nan"))
    summary = {"cells": cells, "ratios": ratios, "overhead": overhead, "scaling": scaling}
    summary["goals"] = _goals(summary)
    return summary


def _fmt_ratio(value: float) -> str:
    return f"{value:.2f}×"


def _with_mw(name: str) -> str:
    """The middleware twin of an approute target (``approute·compiled`` →
    ``approute+mw·compiled``)."""
    base, dot, build = name.partition("·")
    return f"{base}+mw{dot}{build}"


def _speed_goals(
    add: Callable[[str, str, bool | None], None], summary: dict[str, Any], name: str, label: str
) -> None:
    """The speed goals for one approute target (the pure or the compiled build)."""
    ratios = summary["ratios"]
    cells = summary["cells"]
    if name not in ratios:
        return
    values = {e: ratios[name][e] for e in SIMPLE}
    add(
        f"Simple GETs: {label} ≥ 1.0× raw ASGI on uvicorn",
        ", ".join(f"{e} {_fmt_ratio(v)}" for e, v in values.items()),
        all(v >= 1.0 for v in values.values()),
    )
    if "starlette" in cells:
        vs = {e: cells[name][e]["rps"] / cells["starlette"][e]["rps"] for e in SIMPLE}
        add(
            f"Simple GETs: {label} ≥ 1.5× Starlette on uvicorn",
            ", ".join(f"{e} {_fmt_ratio(v)}" for e, v in vs.items()),
            all(v >= 1.5 for v in vs.values()),
        )
    else:
        add(f"Simple GETs: {label} ≥ 1.5× Starlette on uvicorn", "Starlette not measured", None)
    echo = ratios[name]["echo"]
    add(f"POST /api/echo: {label} ≥ 0.85× raw ASGI", f"echo {_fmt_ratio(echo)}", echo >= 0.85)
    mw = summary["overhead"].get(f"{_with_mw(name)} vs {name}")
    if mw:
        add(
            f"Middleware overhead ({label}) ≤ 10% on every endpoint",
            ", ".join(f"{e} {v:.1%}" for e, v in mw.items()),
            all(v <= 0.10 for e, v in mw.items() if e != "mean"),
        )


def _goals(summary: dict[str, Any]) -> list[dict[str, Any]]:
    goals: list[dict[str, Any]] = []

    def add(goal: str, measured: str, ok: bool | None) -> None:
        goals.append({"goal": goal, "measured": measured, "pass": ok})

    for name, label in (("approute", "approute"), ("approute·compiled", "compiled build")):
        _speed_goals(add, summary, name, label)
    scaling = summary["scaling"]
    small, big = scaling.get("approute/10"), scaling.get("approute/10000")
    if small and big:
        ratio = big["rps"] / small["rps"]
        add(
            "10,000 routes: rps within 5% of 10 routes",
            f"{big['rps']:,.0f} vs {small['rps']:,.0f} rps = {_fmt_ratio(ratio)}",
            ratio >= 0.95,
        )
    mid = scaling.get("approute/1000")
    if mid:
        add(
            "Cold start, 1,000 routes < 1 s (`approute start`, process start → first 200)",
            f"{mid['cold_start_s']:.2f} s (first start after `approute build`: "
            f"{mid['first_start_s']:.2f} s)",
            mid["cold_start_s"] < 1.0,
        )
    peer = scaling.get("starlette/1000")
    if mid and peer:
        ratio = mid["rss_mib"] / peer["rss_mib"]
        add(
            "RSS under load, 1,000 routes < 1.5× Starlette's",
            f"{mid['rss_mib']:.1f} vs {peer['rss_mib']:.1f} MiB = {_fmt_ratio(ratio)}",
            ratio < 1.5,
        )
    return goals


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _other_work(machine: dict[str, Any]) -> str:
    other = machine.get("other_work") or {}
    top = ", ".join(f"{name} {sec:g} s" for name, sec in (other.get("top") or {}).items())
    return (
        f"- Other work on the machine during the run: {other.get('cpu_seconds', 0):g} CPU-s "
        f"by other processes ({other.get('share_of_one_core', 0):.0%} of one core on average"
        + (f"; {top}" if top else "")
        + f"); load average {machine['loadavg_before']} before, "
        f"{machine['loadavg_after']} after. Both cores are in use by the benchmark, so any "
        "other work lowers and scatters the numbers: compare the ratios."
    )


def _spread(data: dict[str, Any]) -> list[str]:
    """Cells whose rounds differ by more than 30% (max/min)."""
    rounds: dict[tuple[str, str], list[float]] = {}
    for s in data["samples"]:
        rounds.setdefault((s["target"], s["endpoint"]), []).append(s["rps"])
    return [
        f"{target} {endpoint} ({min(v):,.0f}–{max(v):,.0f})"
        for (target, endpoint), v in rounds.items()
        if len(v) > 1 and max(v) > 1.3 * min(v)
    ]


def markdown(data: dict[str, Any], summary: dict[str, Any]) -> str:
    cfg, machine = data["config"], data["machine"]
    endpoints = list(data["endpoints"])
    cells, ratios = summary["cells"], summary["ratios"]
    out = [
        f"Run of {data['date'][:10]} (`{data['command']}`, {data['elapsed_s'] / 60:.0f} min), "
        f"approute {machine['approute_commit']}.",
        "",
        f"- `approute`: `approute start` on {machine.get('approute_server', 'uvicorn')}, "
        f"{machine.get('approute_build', 'pure Python')}; `approute@uvicorn`: "
        "`approute start --server uvicorn`.",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_mib'] / 1024:.0f} GiB, Linux {machine['kernel']}, "
        f"Python {machine['python']}, {machine['wrk']}.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v),
        f"- Load: {cfg['rounds']} round(s) × {cfg['duration']:g} s after {cfg['warmup']:g} s "
        f"warm-up, `wrk -t1 -c{cfg['connections']} --latency`, server on core "
        f"{cfg['server_cpu']}, wrk on core {cfg['wrk_cpu']}, a fresh server per sample, "
        "targets interleaved; medians.",
        _other_work(machine),
        "",
        "#### Goals",
        "",
    ]
    for goal in summary["goals"]:
        mark = {True: "[x]", False: "[ ]", None: "[?]"}[goal["pass"]]
        verdict = {True: "pass", False: "**FAIL**", None: "not measured"}[goal["pass"]]
        out.append(f"- {mark} {goal['goal']}: {goal['measured']} — {verdict}")
    out += ["", "#### Requests/s (median) and ratio to raw ASGI in the same run", ""]
    rows = []
    for target, row in cells.items():
        rows.append(
            [f"`{target}`"]
            + [
                f"{row[e]['rps']:,.0f} ({ratios.get(target, {}).get(e, float('nan')):.2f}×)"
                for e in endpoints
            ]
        )
    out.append(_table(["target", *endpoints], rows))
    noisy = _spread(data)
    if noisy:
        out += ["", "Rounds more than 30% apart (rps min–max): " + "; ".join(noisy) + "."]
    out += ["", "#### Latency p50 / p99 (ms) and server RSS after load (MiB)", ""]
    rows = []
    for target, row in cells.items():
        rss = _median([row[e]["rss_mib"] for e in endpoints])
        rows.append(
            [f"`{target}`"]
            + [f"{row[e]['p50_ms']:.2f} / {row[e]['p99_ms']:.2f}" for e in endpoints]
            + [f"{rss:.1f}"]
        )
    out.append(_table(["target", *endpoints, "RSS"], rows))
    errors = {t: sum(r[e]["errors"] for e in endpoints) for t, r in cells.items()}
    if any(errors.values()):
        out += [
            "",
            "Non-2xx or socket errors during load: "
            + ", ".join(f"{t} {n}" for t, n in errors.items() if n),
        ]
    if summary["overhead"]:
        out += [
            "",
            "#### Middleware overhead: (rps without − rps with) / rps without",
            "",
        ]
        rows = [
            [f"`{name}`"] + [f"{values[e]:.1%}" for e in [*endpoints, "mean"]]
            for name, values in summary["overhead"].items()
        ]
        out.append(_table(["variant", *endpoints, "mean"], rows))
    if summary["scaling"]:
        out += [
            "",
            "#### Route-count scaling: `GET /api/g{N-1}/items/42`, the last dynamic route",
            "",
        ]
        base = summary["scaling"].get(f"approute/{min(cfg['routes'])}")
        rows = []
        for name, row in summary["scaling"].items():
            versus = (
                f"{row['rps'] / base['rps']:.2f}×" if base and name.startswith("approute") else "—"
            )
            build = row["create_app_s"]
            built = row["build_s"]
            rows.append(
                [
                    f"`{name.split('/')[0]}`",
                    f"{row['routes']:,}",
                    f"{row['rps']:,.0f}",
                    versus,
                    f"{row['p99_ms']:.2f}",
                    f"{row['cold_start_s']:.2f} s",
                    f"{row['first_start_s']:.2f} s",
                    "—" if build != build else f"{build:.2f} s",
                    "—" if built != built else f"{built:.2f} s",
                    f"{row['rss_mib']:.1f}",
                ]
            )
        out.append(
            _table(
                [
                    "target",
                    "routes",
                    "rps",
                    "vs fewest",
                    "p99 ms",
                    "cold start",
                    "first start",
                    "import + create_app",
                    "approute build",
                    "RSS MiB",
                ],
                rows,
            )
        )
        out += [
            "",
            "Cold start: `approute start` (or uvicorn) launched → first 200 on that route, "
            'median of the rounds; "first start" is the first run after `approute build` '
            '(which writes the `.pyc` files). "import + create_app" is loading the app '
            'alone in a fresh interpreter; "approute build" the whole build command.',
        ]
    out += ["", "![benchmark chart](img/benchmarks.png)"]
    return "\n".join(out)


def write_docs(text: str) -> None:
    """Put ``text`` between the markers of docs/benchmarks.md."""
    page = DOCS.read_text()
    if START not in page or END not in page:
        raise RuntimeError(f"{DOCS} lacks the {START} / {END} markers")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    DOCS.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", page))


def chart(data: dict[str, Any], summary: dict[str, Any]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    endpoints = list(data["endpoints"])
    ratios = summary["ratios"]
    targets = list(ratios)[::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6), gridspec_kw={"width_ratios": [3, 2]})
    height = 0.8 / len(endpoints)
    for i, endpoint in enumerate(endpoints):
        # The first endpoint on top of each group, as in the legend.
        ys = [t + (len(endpoints) - 1 - i) * height - 0.4 + height / 2 for t in range(len(targets))]
        left.barh(ys, [ratios[t][endpoint] for t in targets], height, label=endpoint)
    left.set_yticks(range(len(targets)), targets)
    left.axvline(1.0, color="black", linewidth=0.8)
    left.axvline(0.9, color="grey", linestyle="--", linewidth=0.8, label="goal 0.90×")
    left.set_xlabel("requests/s relative to raw ASGI (same run, median)")
    left.set_title("Four endpoints, uvicorn + uvloop + httptools, 1 core")
    left.legend(loc="lower right", fontsize=8)
    scaling = summary["scaling"]
    names = list(scaling)
    values = [scaling[n]["rps"] for n in names]
    colors = ["tab:blue" if n.startswith("approute") else "tab:orange" for n in names]
    bars = right.bar(range(len(names)), values, color=colors)
    for bar, name in zip(bars, names, strict=True):
        row = scaling[name]
        right.annotate(
            f"cold {row['cold_start_s']:.2f} s\n{row['rss_mib']:.0f} MiB",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    right.set_xticks(range(len(names)), [n.replace("/", "\n") + " routes" for n in names])
    right.set_ylabel("requests/s, last dynamic route")
    right.set_title("Route-count scaling")
    right.margins(y=0.2)
    fig.suptitle(f"approute benchmark, {data['date'][:10]} ({data['machine']['cpu']})", fontsize=10)
    fig.tight_layout()
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(CHART, dpi=110)
    plt.close(fig)
    return CHART
