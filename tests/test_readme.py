"""The README's commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "pytest" in line]

    assert ci_commands, ".ci/run runs no pytest command"
    for command in ci_commands:
        assert command in readme, f"the README does not give the command CI runs: {command}"


def test_readme_demo_command_serves_the_demo():
    readme = (ROOT / "README.md").read_text()

    assert "cognito-gateway serve --demo" in readme
