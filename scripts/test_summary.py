"""Print the test counts of each pytest run (JUnit XML), and their total as the last line.

Usage: test_summary.py "LABEL=report.xml" ...; exits 1 when a run failed, had errors, or ran
no test.
"""

from __future__ import annotations

from pathlib import Path
import sys
from xml.etree import ElementTree


def counts(report: Path) -> dict[str, int]:
    """Passed, failed (failures and errors) and skipped tests of one JUnit XML report."""
    suites = ElementTree.parse(report).getroot()
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    failed = totals["failures"] + totals["errors"]
    return {
        "passed": totals["tests"] - failed - totals["skipped"],
        "failed": failed,
        "skipped": totals["skipped"],
    }


def main(runs: list[str]) -> int:
    """Print a line per run and the total; 1 when any run failed or ran nothing."""
    total = {"passed": 0, "failed": 0, "skipped": 0}
    status = 0
    for run in runs:
        label, _, path = run.rpartition("=")
        report = Path(path)
        if not report.exists():
            print(f"{label}: no report (the run did not finish)")  # noqa: T201
            status = 1
            continue
        found = counts(report)
        print(  # noqa: T201
            f"{label}: {found['passed']} passed, {found['failed']} failed, "
            f"{found['skipped']} skipped"
        )
        if found["failed"] or not found["passed"]:
            status = 1
        for key, value in found.items():
            total[key] += value
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")  # noqa: T201
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
