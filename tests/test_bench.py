"""`python -m bench --quick` runs end to end and reports every scenario with figures (speed is not asserted)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.search import SHAPES

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"^\d+(\.\d+)?$")


def run_bench(module: str, *arguments: object, out: Path, heading: str) -> tuple[str, str]:
    """``python -m <module> <arguments> --out <out>`` run to its end: its section of ``out`` (which starts with
    ``heading`` and is also printed) and its output."""
    result = subprocess.run(
        [sys.executable, "-m", module, *map(str, arguments), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    section = out.read_text()
    assert section.startswith(heading) and section in result.stdout
    return section, result.stdout


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


def test_index_sync_makes_exactly_the_calls_of_section_8(tmp_path):
    """A tiny real sync (moto, the app, indexUserPool): its Cognito calls by operation are exactly the cost of
    section 8 (200 users: 4 ListUsers pages; 3 groups of 66-67 members: 2 ListUsersInGroup pages each)."""
    section, _ = run_bench(
        "bench.index_sync",
        "--users",
        200,
        "--groups",
        3,
        "--slow-rates",
        0,
        out=tmp_path / "results.md",
        heading="## Index sync",
    )
    rows = {row[0]: row[1:3] for row in table_rows(section, "| operation |")}
    assert rows == {
        "DescribeUserPool": ["1", "1"],
        "ListUsers": ["4", "4"],
        "ListGroups": ["1", "1"],
        "ListUsersInGroup": ["6", "6"],
        "**total**": ["**12**", "**12**"],
    }
    assert "READY with 200 users" in section
    assert re.search(r"\| default \| 12 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \*\*[\d.]+x\*\* \|", section)


def test_index_memory_reads_the_gateways_peak_memory(tmp_path):
    section, _ = run_bench(
        "bench.index_memory", "--users", 300, "--repeats", 1, out=tmp_path / "results.md", heading="## Index memory"
    )
    rows = {row[0]: row[1:] for row in table_rows(section, "| after |")}
    assert list(rows) == ["at start", *SHAPES]
    assert all(NUMBER.match(cell) for cells in rows.values() for cell in cells[1:])
    assert int(rows["sort custom DESC, page 10"][0]) == 300  # every user matches a sort
    peaks = [int(cells[2]) for cells in rows.values()]
    assert peaks == sorted(peaks) and peaks[0] > 0  # VmHWM never goes down
    assert re.search(rf"Peak RSS \(VmHWM\): {peaks[-1]} MB\*\*", section)


def table_rows(section: str, header: str) -> list[list[str]]:
    """The cells of the table starting with ``header`` (header and separator left out)."""
    table = section.split("\n" + header, 1)[1].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]


def test_jobs_bench_sends_one_call_per_item_and_reads_meanwhile(tmp_path):
    """A tiny real ADD_TO_GROUP job (moto, the app, startUserJob over HTTP): one AdminAddUserToGroup per item and the
    group's one GetGroup, every item DONE, interactive reads before and during the job, each figure in the section;
    then a tiny export in a gateway process, every user in its download."""
    section, _ = run_bench(
        "bench.jobs", "--users", 60, "--export-users", 300, out=tmp_path / "results.md", heading="## Jobs"
    )
    assert "The job then: SUCCEEDED, total 60, done 60, failed 0, unknown 0;" in section
    calls = {row[0]: row[1:3] for row in table_rows(section, "| operation |")}
    assert calls["AdminAddUserToGroup"] == ["60", "1.00"]
    assert calls["GetGroup"][0] == "1"
    assert not [operation for operation in calls if "unexpected" in operation]
    figures = {row[0]: row[1:] for row in table_rows(section, "| figure |")}
    rate, per_item, p50, p95 = figures.values()
    assert re.fullmatch(r"60 in [\d.]+ s = [\d.]+/s = \*\*[\d.]+\*\*", rate[0])
    assert per_item[:2] == ["60 / 60 = **1.00**", "1.0"] and per_item[2] == "met"
    assert re.fullmatch(r"[\d.]+ / [\d.]+ ms = \*\*[\d.]+x\*\*", p50[0])
    assert re.fullmatch(r"[\d.]+ / [\d.]+ ms = [\d.]+x", p95[0])
    idle, during = map(int, re.search(r"(\d+) idle, before the job, (\d+) during it", section).groups())
    assert idle > 0 and during > 0
    assert "AdminAddUserToGroup 60, startUserJob 1." in section  # an audit record per item, one per start
    assert "errors: idle none, during the job none" in section
    export = section.split("### Export of 300 users", 1)[1]
    assert "| job: total / done / failed | 300 / 300 / 0 |" in export
    assert re.search(r"\| download \| [\d.]+ s, [\d.]+ MB, 300 lines \|", export)
    assert re.search(r"\| \*\*peak RSS \(VmHWM\)\*\* \| \*\*\d+ MB\*\* \(target < 300 MB: ", export)


@pytest.mark.slow
def test_replicas_bench_keeps_three_replicas_to_one_budget(tmp_path):
    """A short run of the replicas bench (three serve processes, Redis, PostgreSQL; no job killed): every figure is
    in its section, the busiest second within 1.2x the budget, and no stale read."""
    section, _ = run_bench(
        "bench.replicas",
        *("--seconds", 3, "--users", 30, "--rounds", 3, "--latency-requests", 10, "--job-users", 0),
        out=tmp_path / "results.md",
        heading="## Replicas",
    )
    figures = {row[0]: row[1:] for row in table_rows(section, "| figure |")}
    busiest = next(cells for name, cells in figures.items() if name.startswith("the busiest one second"))
    assert re.fullmatch(r"\*\*(\d+)\*\* calls = [\d.]+ x the budget", busiest[0]) and busiest[2] == "met", busiest
    stale = next(cells for name, cells in figures.items() if name.startswith("stale reads"))
    assert stale[0] == "**0** of 6" and stale[2] == "met"
    assert any(name.startswith("`user` (one AdminGetUser) p50") for name in figures)
    assert "Errors: none." in section
