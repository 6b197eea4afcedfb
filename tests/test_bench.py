"""`python -m bench --quick` runs end to end and reports every scenario with figures (speed is not asserted)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"^\d+(\.\d+)?$")


def scenario_rows(report: str, key: str) -> list[list[str]]:
    """The cells of the table rows of scenario ``key`` (header and separator left out)."""
    section = report.split(f"\n## ({key}) ", 1)[1].split("\n## ", 1)[0]
    table = section.split("\n| client |", 1)[1].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]


@pytest.mark.slow
def test_quick_bench_reports_every_scenario(tmp_path):
    out = tmp_path / "results.md"

    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = out.read_text()
    assert report in result.stdout  # what is written is what was printed
    for key in "abcde":
        rows = scenario_rows(report, key)
        clients = [row[0] for row in rows]
        assert any(client.startswith("gateway") for client in clients), (key, clients)
        # client | requests | errors | calls/request | by operation | p50 | p95 | requests/s
        for row in rows:
            assert all(NUMBER.match(cell) for cell in [row[1], row[3], row[5], row[6], row[7]]), (key, row)
            assert int(row[1]) > 0, (key, row)
    for key in "abcd":
        assert {"ideal", "naive"} <= {row[0] for row in scenario_rows(report, key)}, key
    assert "## Targets" in report
    assert re.search(r"\| gateway peak RSS < 250 MB .* \| \d+ MB \|", report)


def test_overhead_prints_both_routes_and_their_ratio():
    result = subprocess.run(
        [sys.executable, "-m", "bench.overhead", "--requests", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
    assert re.search(r"\{ __typename \}: \d+ µs/request", result.stdout)
    assert re.search(r"bare FastAPI route: \d+ µs/request", result.stdout)
    assert re.search(r"bare ÷ gateway: \d\.\d\d", result.stdout)
