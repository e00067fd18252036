"""The fault suite's tally: `FAULTS vendor: survived S/T` for each vendor, at the end of the run.

A pytest plugin, loaded by `tests/conftest.py` so that it runs in pytest's main process (with
xdist, the workers run the tests and the main process hears of each result). A test of
`tests/faults` counts for the vendor in its id (`[yeastar]`, `[synway-...]`); it survived when
it passed. The run fails unless every vendor survived every fault.
"""

from __future__ import annotations

from collections import defaultdict
import re

import pytest

FAULTS_DIR = "tests/faults/"
VENDOR = re.compile(r"\[(yeastar|synway|mirta|voipsun|telphin)\b")

_results: dict[str, dict[str, bool]] = defaultdict(dict)
_known: dict[str, set[str]] = defaultdict(set)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note each fault test's outcome: it survived when set-up, call and tear-down passed.

    A test marked `xfail` (a known bug of a vendor client, reported) is counted apart.
    """
    if not report.nodeid.startswith(FAULTS_DIR):
        return
    if (match := VENDOR.search(report.nodeid)) is None:
        return
    vendor = match.group(1)
    if hasattr(report, "wasxfail"):
        _known[vendor].add(report.nodeid)
        _results[vendor].pop(report.nodeid, None)
        return
    if report.nodeid in _known[vendor]:
        return
    tests = _results[vendor]
    survived = tests.get(report.nodeid, True)
    tests[report.nodeid] = survived and not report.failed and not report.skipped


def tally() -> dict[str, tuple[int, int]]:
    """Survived and total fault tests per vendor."""
    return {vendor: (sum(tests.values()), len(tests)) for vendor, tests in sorted(_results.items())}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print one line per vendor."""
    for vendor, (survived, total) in tally().items():
        known = len(_known[vendor])
        note = f" ({known} known failures, xfail)" if known else ""
        terminalreporter.write_line(f"FAULTS {vendor}: survived {survived}/{total}{note}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run unless every vendor survived every fault it met."""
    if any(survived != total for survived, total in tally().values()) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
