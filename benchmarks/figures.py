"""Figures of a benchmark run: each printed as one `BENCH` line and kept for the report.

A figure is a measured value beside the floor measured in the same run, so that what is
compared is their ratio (absolute times on a shared machine vary from run to run). Figures are
merged into a JSON file (`.bench/results.json`, or `$BENCH_RESULTS`) keyed by their name, so
that rerunning part of the benchmarks replaces only its own figures; `benchmarks.report`
turns the file into `docs/benchmarks.md` and its plot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
import platform
import time

RESULTS = Path(
    os.environ.get("BENCH_RESULTS", Path(__file__).parent.parent / ".bench/results.json")
)
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured value, with its floor (when it has one) and the target of its ratio."""

    group: str
    """What is measured: `latency`, `scale` or `soak`."""
    vendor: str
    variant: str
    """The transport (latency), the extension count (scale) or `day` (soak)."""
    metric: str
    value: float
    unit: str
    floor: float | None = None
    target: float | None = None
    """Highest ratio to the floor that meets the issue's target."""
    note: str = ""

    @property
    def name(self) -> str:
        """The figure's key in the results."""
        return f"{self.group}/{self.vendor}/{self.variant}/{self.metric}"

    @property
    def ratio(self) -> float | None:
        """The value as a multiple of its floor."""
        if self.floor is None or self.floor <= 0:
            return None
        return self.value / self.floor

    @property
    def holds(self) -> bool | None:
        """Whether the ratio meets its target (`None`: no target)."""
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        return ratio <= self.target

    def line(self) -> str:
        """The figure as printed: `BENCH latency yeastar webhook median 2.1 ms = 1.4x floor`."""
        prefix = "SOAK" if self.group == "soak" else f"BENCH {self.group}"
        text = f"{prefix} {self.vendor} {self.variant} {self.metric} {fmt(self.value)} {self.unit}"
        if (ratio := self.ratio) is not None:
            text += f" = {ratio:.2f}{TIMES} floor ({fmt(self.floor or 0)} {self.unit})"
            if self.target is not None:
                verdict = "ok" if self.holds else "MISSED"
                text += f", target <= {self.target:g}{TIMES} {verdict}"
        if self.note:
            text += f" [{self.note}]"
        return text


def fmt(value: float) -> str:
    """A value with about three significant digits."""
    if value == int(value) and abs(value) >= 10:
        return f"{int(value)}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


CARD_RESULTS = RESULTS.parent / "card.json"
"""Where the browser tests keep the switchboard card's figures (the report adds them)."""


def record(figure: Figure, results: Path = RESULTS) -> Figure:
    """Print the figure's line and merge it into the results file."""
    print(f"\n{figure.line()}")  # noqa: T201
    results.parent.mkdir(parents=True, exist_ok=True)
    try:
        stored = json.loads(results.read_text())
    except FileNotFoundError, ValueError:
        stored = {}
    figures = stored.get("figures", {})
    figures[figure.name] = asdict(figure) | {"ratio": figure.ratio, "holds": figure.holds}
    load = os.getloadavg()
    stored = {
        "figures": figures,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    results.write_text(json.dumps(stored, indent=1, sort_keys=True))
    return figure
