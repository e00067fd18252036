"""Turn a benchmark run's figures into `docs/benchmarks.md` and `docs/benchmarks.png`.

Run by `scripts/bench` in the benchmarks' own environment (matplotlib, `requirements_bench.txt`):
`python -m benchmarks.report [results.json]`. Only the standard library and matplotlib here.
"""

from __future__ import annotations

from collections import defaultdict
import json
from pathlib import Path
import sys
from typing import Any

from .figures import TIMES as X

ROOT = Path(__file__).parent.parent
RESULTS = ROOT / ".bench/results.json"
CARD = ROOT / ".bench/card.json"
MARKDOWN = ROOT / "docs/benchmarks.md"
PLOT = ROOT / "docs/benchmarks.png"
VENDORS = ("yeastar", "synway", "mirta", "voipsun", "telphin")
SCALE_METRICS = (
    "setup",
    "refresh",
    "requests per refresh",
    "writes per idle refresh",
    "writes after one call",
    "memory per extension",
    "CPU per idle hour",
)
LINEAR = 5.5
"""Most the 5 000-extension cost may be of the 1 000-extension one."""
BATCH_LIMITS = {
    "yeastar": "grows: `extension/list` is read in pages (`page_size` 100), no batch read",
    "synway": "grows: `ext_status` answers in pages the PBX chooses (`max_page`)",
    "mirta": "constant: DND is one request per extension, 25 per read in turns (all at the first)",
    "voipsun": "constant",
    "telphin": "constant",
}


def cell(figure: dict[str, Any] | None) -> str:
    """A figure as a table cell: value and unit, and its ratio to the floor."""
    if figure is None:
        return ""
    text = f"{number(figure['value'])} {figure['unit']}".strip()
    if figure.get("ratio") is not None:
        mark = "" if figure.get("holds") in (None, True) else " ✗"
        text += f" ({figure['ratio']:.2f}{X}{mark})"
    return text


def number(value: float) -> str:
    """About three significant digits."""
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def markdown(stored: dict[str, Any]) -> str:
    """The report page."""
    figures: dict[str, dict[str, Any]] = stored["figures"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `scripts/bench` on {stored['when']}: {stored['machine']}, load average "
        f"{stored['load']} at the end (the machine was shared with other jobs).",
        "Every time is beside its **floor**, measured in the same run, and the ratio to it is "
        f"what counts ({X} floor; ✗ where the issue's target is missed). See "
        "`benchmarks/` for how each floor is made.",
        "",
        "## Event to state",
        "",
        "From the simulator placing a call to Home Assistant writing `ringing` for the extension."
        " Floor of a push: the same simulator sending to a bare handler on the same transport"
        f" (target ≤ 2{X}); of a polled transport: its poll interval.",
        "",
        "| vendor | transport | median | p95 | note |",
        "| --- | --- | --- | --- | --- |",
    ]
    latency = sorted(
        {(f["vendor"], f["variant"]) for f in figures.values() if f["group"] == "latency"}
    )
    for vendor, transport in latency:
        median = figures.get(f"latency/{vendor}/{transport}/median")
        p95 = figures.get(f"latency/{vendor}/{transport}/p95")
        lines.append(
            f"| {vendor} | {transport} | {cell(median)} | {cell(p95)} | "
            f"{(median or {}).get('note', '')} |"
        )
    sizes = sorted({int(f["variant"]) for f in figures.values() if f["group"] == "scale"}, key=int)
    lines += [
        "",
        "## Scale",
        "",
        "Per vendor and extension count. Floors: setup — Home Assistant setting up as many"
        " trivial entities in as many devices, as many of them disabled"
        f" (target ≤ 1.5{X}); refresh — the same requests"
        f" sent and parsed by a bare aiohttp loop (≤ 1.5{X}); memory — what those trivial entities"
        f" keep allocated, per extension (≤ 2{X}). CPU per idle hour adds up the full reads (and"
        " the call polls) of an hour, the simulator's side included.",
        "",
        "| vendor | extensions | entities | " + " | ".join(SCALE_METRICS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in SCALE_METRICS) + " |",
    ]
    for vendor in VENDORS:
        for size in sizes:
            row = [cell(figures.get(f"scale/{vendor}/{size}/{m}")) for m in SCALE_METRICS]
            setup = figures.get(f"scale/{vendor}/{size}/setup") or {}
            entities = (
                setup.get("note", "")
                .replace(" entities, ", " (")
                .replace(" of them disabled", " disabled)")
            )
            if any(row):
                lines.append(f"| {vendor} | {size} | {entities} | " + " | ".join(row) + " |")
    lines += [
        "",
        f"### Linearity (5 000 against 1 000 extensions, target ≤ 5.5{X})",
        "",
        "Home Assistant enables at most 10 000 entities per config entry: at 5 000 extensions"
        " only the most useful entities of each extension are enabled and the others registered"
        " disabled (see `entities`), which costs less than an enabled entity: compare the ratios"
        " with that in mind.",
        "",
    ]
    lines += [
        "| vendor | setup | refresh | requests | why requests grow |",
        "| --- | --- | --- | --- | --- |",
    ]
    for vendor in VENDORS:
        ratios = []
        for metric in ("setup", "refresh", "requests per refresh"):
            big = figures.get(f"scale/{vendor}/5000/{metric}")
            small = figures.get(f"scale/{vendor}/1000/{metric}")
            ratios.append(
                f"{big['value'] / small['value']:.2f}{X}"
                if big and small and small["value"]
                else ""
            )
        lines.append(f"| {vendor} | " + " | ".join(ratios) + f" | {BATCH_LIMITS[vendor]} |")
    lines += other_figures(figures)
    soak = [f for f in figures.values() if f["group"] == "soak"]
    if soak:
        lines += ["", "## Soak: a simulated day", "", "| PBX | figure | value | note |"]
        lines.append("| --- | --- | --- | --- |")
        for f in sorted(soak, key=lambda f: ("+" in f["vendor"], f["vendor"], f["metric"])):
            lines.append(f"| {f['vendor']} | {f['metric']} | {cell(f)} | {f['note']} |")
    lines += ["", "![Cost against extension count](benchmarks.png)", ""]
    return "\n".join(lines)


OTHER_GROUPS = {
    "caller_names": (
        "Caller names",
        "1 000 calls from 1 000 numbers of the PBX's phonebook, each number calling twice. The"
        " latency's floor: calls from numbers of the user's own list (no lookup), in the same run.",
    ),
    "card": (
        "Switchboard card",
        "The card in a real headless Chromium against a real Home Assistant, measured by its"
        " browser test (`tests/browser/test_card.py`). `render`: from opening the dashboard"
        " until every tile is shown, the frontend loading the dashboard included; its note: from"
        " the card's element being there to its tiles, the card's own part (the issue's target:"
        " under 2 s). `200 tiles ring`: 200 states changed at once until the tiles show them."
        " No floor.",
    ),
}


def other_figures(figures: dict[str, dict[str, Any]]) -> list[str]:
    """A table per group of figures besides latency, scale and soak."""
    lines: list[str] = []
    for group, (title, text) in OTHER_GROUPS.items():
        found = sorted(
            (f for f in figures.values() if f["group"] == group),
            key=lambda f: (f["vendor"], f["variant"], f["metric"]),
        )
        if not found:
            continue
        lines += ["", f"## {title}", "", text, "", "| vendor | case | figure | value | note |"]
        lines.append("| --- | --- | --- | --- | --- |")
        for f in found:
            lines.append(
                f"| {f['vendor']} | {f['variant']} | {f['metric']} | {cell(f)} | {f['note']} |"
            )
    return lines


def plot(stored: dict[str, Any], path: Path) -> None:
    """Setup and refresh time, ours and the floor, against the extension count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[tuple[str, str], list[tuple[int, float, float]]] = defaultdict(list)
    for f in stored["figures"].values():
        if f["group"] == "scale" and f["metric"] in ("setup", "refresh") and f["floor"]:
            series[(f["metric"], f["vendor"])].append((int(f["variant"]), f["value"], f["floor"]))
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, metric in zip(axes, ("setup", "refresh"), strict=True):
        for vendor in VENDORS:
            points = sorted(series.get((metric, vendor), []))
            if not points:
                continue
            sizes = [p[0] for p in points]
            (line,) = ax.plot(sizes, [p[1] for p in points], marker="o", label=vendor)
            ax.plot(sizes, [p[2] for p in points], linestyle=":", color=line.get_color())
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("extensions")
        ax.set_ylabel(f"{metric} (ms)")
        ax.set_title(f"{metric}: ours (solid) and its floor (dotted)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    """Write the page and the plot from the results file (the first argument, if given)."""
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    stored = json.loads(results.read_text())
    if CARD.exists():
        # The switchboard card's figures, measured by its browser test (`scripts/test`).
        stored["figures"].update(json.loads(CARD.read_text()).get("figures", {}))
    MARKDOWN.write_text(markdown(stored))
    plot(stored, PLOT)
    print(f"report: {MARKDOWN.relative_to(ROOT)} and {PLOT.relative_to(ROOT)} written")  # noqa: T201


if __name__ == "__main__":
    main()
