"""What a run measured, and its Markdown report (printed, and written to ``--out``)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One client's figures in one scenario: ``requests`` requests, the upstream calls they made together."""

    client: str
    requests: int
    calls: Counter[str]
    latencies_ms: list[float]
    elapsed_s: float
    errors: int = 0
    gateway_cpu_s: float | None = None  # CPU time the gateway process used meanwhile, where measured
    extra: dict[str, str] = field(default_factory=dict)  # scenario-specific columns, already formatted

    def calls_per_request(self, operation: str | None = None) -> float:
        total = self.calls[operation] if operation else sum(self.calls.values())
        return total / self.requests if self.requests else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def gateway_cpu_per_request_us(self) -> float:
        return 1e6 * (self.gateway_cpu_s or 0.0) / max(self.requests, 1)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


@dataclass
class Target:
    text: str
    measured: str
    met: bool


@dataclass
class Scenario:
    key: str
    title: str
    what: str
    rows: list[Row]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def number(value: float) -> str:
    """62 → ``62``, 1.5 → ``1.5``, 0.333 → ``0.33``, 0.0021 → ``0.0021``: the digits the figure needs."""
    if value != value:  # nan
        return "–"
    if value == round(value):
        return str(round(value))
    if abs(value) < 0.1:
        return f"{value:.2g}"
    return f"{value:.2f}".rstrip("0") if abs(value) < 10 else f"{value:.1f}"


def by_operation(row: Row) -> str:
    ops = sorted(row.calls, key=lambda op: (-row.calls[op], op))
    return ", ".join(f"{op} {number(row.calls_per_request(op))}" for op in ops) or "none"


def scenario_table(scenario: Scenario) -> list[str]:
    extra_columns = list(dict.fromkeys(key for row in scenario.rows for key in row.extra))
    header = ["client", "requests", "errors", "upstream calls / request", "by operation (per request)"]
    header += ["p50 ms", "p95 ms", "requests/s", *extra_columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in scenario.rows:
        cells = [row.client, str(row.requests), str(row.errors), number(row.calls_per_request()), by_operation(row)]
        cells += [f"{row.percentile(50):.1f}", f"{row.percentile(95):.1f}", f"{row.requests_per_second:.1f}"]
        cells += [row.extra.get(column, "") for column in extra_columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def target_lines(targets: list[Target]) -> list[str]:
    if not targets:
        return []
    lines = ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t.text} | {t.measured} | {'met' if t.met else '**not met**'} |" for t in targets]
    return lines


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        revision = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "gateway")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{revision} (with uncommitted changes in gateway/)" if dirty else revision


def machine_line() -> str:
    return f"{os.cpu_count()} CPUs ({_cpu_model()}), {datetime.now().astimezone().isoformat(timespec='seconds')}"


# Sections other commands write into the same report (`python -m bench.soak`, `.fuzz`, `.hostile`, `.pauses`, `.search`,
# `.index_sync`, `.index_memory`, `.jobs`, `.replicas`), kept when the bench rewrites it.
KEPT_SECTIONS = (
    "## Soak",
    "## Fuzz",
    "## Hostile input",
    "## GC pauses",
    "## Search",
    "## Index sync",
    "## Index memory",
    "## Jobs",
    "## Replicas",
)


def _split(text: str, heading: str) -> tuple[str, str]:
    """``text`` without the section ``heading`` (up to the next ``## ``), and that section."""
    if f"\n{heading}\n" not in text:
        return text, ""
    before, rest = text.split(f"\n{heading}\n", 1)
    body, separator, after = rest.partition("\n## ")
    section = f"{heading}\n{body}".rstrip("\n") + "\n"
    return before.rstrip("\n") + ("\n\n## " + after if separator else "\n"), section


def write_section(path: Path, heading: str, text: str) -> None:
    """Put ``text`` (starting with ``heading``) at the end of the report, in place of that section's old text."""
    rest, _ = _split(path.read_text() if path.exists() else "", heading)
    rest = rest.rstrip("\n")
    path.write_text((rest + "\n\n" if rest else "") + text)


def keep_sections(path: Path, text: str) -> str:
    """``text`` followed by the kept sections of the report at ``path``, if it has any."""
    old = path.read_text() if path.exists() else ""
    for heading in KEPT_SECTIONS:
        _, section = _split(old, heading)
        if section:
            text = text.rstrip("\n") + "\n\n" + section
    return text


def render(
    settings: dict[str, Any], gateway_settings: dict[str, Any], scenarios: list[Scenario], failures: Counter[str]
) -> str:
    lines = [
        "# cognito-gateway bench",
        "",
        f"- date: {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} CPUs ({_cpu_model()}), {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- gateway code: git {git_revision()}",
        "- bench settings: " + ", ".join(f"{key} {value}" for key, value in settings.items()),
        "- gateway settings (as the gateway process reports them): "
        + ", ".join(f"{key} {value}" for key, value in gateway_settings.items()),
        "",
        "Every client's upstream calls go through the same counting proxy, which adds the latency above to each"
        " call. `ideal` is boto3 making the fewest calls in the fewest parallel rounds; `naive` is boto3 making"
        " one call per row, one after another.",
    ]
    for scenario in scenarios:
        lines += ["", f"## ({scenario.key}) {scenario.title}", "", scenario.what, ""]
        lines += scenario_table(scenario)
        lines += target_lines(scenario.targets)
        if scenario.notes:
            lines += ["", *(f"- {note}" for note in scenario.notes)]
    targets = [(scenario.key, target) for scenario in scenarios for target in scenario.targets]
    met = sum(target.met for _, target in targets)
    lines += [
        "",
        "## Targets",
        "",
        f"{met} of {len(targets)} met.",
        "",
        "| | target | measured | |",
        "|---|---|---|---|",
    ]
    lines += [f"| ({key}) | {t.text} | {t.measured} | {'met' if t.met else '**not met**'} |" for key, t in targets]
    if failures:
        lines += ["", "## Failed requests, by what went wrong", ""]
        lines += [f"- {count} × {failure}" for failure, count in failures.most_common(10)]
    return "\n".join(lines) + "\n"
