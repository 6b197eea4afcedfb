"""The directory package serves the graph, the CLI and the tests alike: it never imports Strawberry."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_directory_module_imports_strawberry_or_fastapi():
    program = (
        "import importlib, pkgutil, sys, gateway.directory as d\n"
        "names = [m.name for m in pkgutil.iter_modules(d.__path__, 'gateway.directory.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), sorted(m for m in ('strawberry', 'fastapi') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)

    count, loaded = result.stdout.split(" ", 1)
    assert int(count) >= 2
    assert loaded.strip() == "[]"
