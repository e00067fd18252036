"""Fail when a module of the integration is below its coverage bar (95 %, config flow 100 %)."""

from __future__ import annotations

import json
from pathlib import Path
import sys

DEFAULT_BAR = 95.0
BARS = {"custom_components/pbx/config_flow.py": 100.0}


def main(report_path: str) -> int:
    """Print each module's coverage and return 1 if any is below its bar."""
    files = json.loads(Path(report_path).read_text())["files"]
    failures = []
    for name, data in sorted(files.items()):
        percent = data["summary"]["percent_covered"]
        bar = BARS.get(name, DEFAULT_BAR)
        mark = "ok " if percent >= bar else "LOW"
        print(f"{mark} {percent:6.2f}% (bar {bar:.0f}%) {name}")  # noqa: T201
        if percent < bar:
            failures.append(name)
    if failures:
        print(f"coverage below the bar in {len(failures)} module(s)")  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
