"""How many places name each Cognito operation: the files of ``gateway/`` (``gateway/demo/`` left out, as it is the
stand-in backend, not the gateway) in which each operation of the installed botocore model appears as a whole word,
averaged over the operations that appear at all. Adding an operation should touch as few files as possible.

    python -m bench.declarations [--list]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gateway.cognito import model

ROOT = Path(__file__).resolve().parent.parent


def files_naming(root: Path = ROOT) -> dict[str, list[str]]:
    """Operation -> the files of gateway/ outside gateway/demo/ that name it (whole word)."""
    sources = {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((root / "gateway").rglob("*.py"))
        if "demo" not in path.relative_to(root / "gateway").parts[:1]
    }
    return {
        operation: [name for name, text in sources.items() if re.search(rf"\b{operation}\b", text)]
        for operation in sorted(model.service_model().operation_names)
    }


def main(argv: list[str]) -> None:
    found = files_naming()
    named = {operation: files for operation, files in found.items() if files}
    average = sum(map(len, named.values())) / len(named)
    if "--list" in argv:
        for operation, files in sorted(named.items(), key=lambda item: (-len(item[1]), item[0])):
            print(f"{len(files)}  {operation}: {', '.join(files)}")
    print(
        f"{len(named)} of {len(found)} operations named in gateway/ (demo/ left out);"
        f" {average:.2f} files per operation on average, at most {max(map(len, named.values()))}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
