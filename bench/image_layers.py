"""The container image's layers, and what a one-line source edit ships: builds the image twice with BuildKit and
prints each layer's size (raw and gzipped, as a registry stores it) and which layers the edit made new.

    python -m bench.image_layers [--docker docker] [--build-arg PYTHON_IMAGE=...] [--tree DIR]

Needs a Docker daemon with BuildKit. The build context is a copy of the tree (the checkout, or --tree: another
commit's `git archive`, to compare), so the edit (a comment appended to gateway/readiness.py) never touches it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDITED = "gateway/readiness.py"


def build(docker: str, context: Path, tag: str, build_args: list[str]) -> float:
    """Builds ``tag``; returns the seconds it took."""
    started = time.monotonic()
    command = [docker, "build", "--network=host", "--quiet", "--tag", tag]
    for build_arg in build_args:
        command += ["--build-arg", build_arg]
    subprocess.run(
        [*command, str(context)], check=True, stdout=subprocess.DEVNULL, env={**os.environ, "DOCKER_BUILDKIT": "1"}
    )
    return time.monotonic() - started


def layers(docker: str, tag: str) -> list[tuple[str, int, int, str]]:
    """(diff ID, raw bytes, gzipped bytes, instruction) of each layer of ``tag``, base image first."""
    with tempfile.TemporaryDirectory() as saved:
        archive = Path(saved) / "image.tar"
        subprocess.run([docker, "save", "--output", str(archive), tag], check=True)
        with tarfile.open(archive) as image:
            manifest = json.load(image.extractfile("manifest.json"))[0]
            config = json.load(image.extractfile(manifest["Config"]))
            history = [entry for entry in config["history"] if not entry.get("empty_layer")]
            # A base image imported from a tarball has one layer and no history of it.
            history = [{}] * (len(manifest["Layers"]) - len(history)) + history
            found = []
            for path, diff_id, entry in zip(manifest["Layers"], config["rootfs"]["diff_ids"], history):
                raw = image.extractfile(path).read()
                found.append((diff_id, len(raw), len(gzip.compress(raw, 6)), entry.get("created_by", "(base image)")))
            return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docker", default=shutil.which("docker") or "docker")
    parser.add_argument("--build-arg", action="append", default=[], dest="build_args")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree to build (default: this checkout)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        context = Path(work) / "context"
        shutil.copytree(args.tree, context, ignore=shutil.ignore_patterns(".git", ".venv", ".ci-cache", "__pycache__"))
        first = build(args.docker, context, "cognito-gateway:bench-layers-1", args.build_args)
        with (context / EDITED).open("a") as edited:
            edited.write("# a one-line edit (bench/image_layers.py)\n")
        second = build(args.docker, context, "cognito-gateway:bench-layers-2", args.build_args)

    before = layers(args.docker, "cognito-gateway:bench-layers-1")
    after = layers(args.docker, "cognito-gateway:bench-layers-2")
    unchanged = {diff_id for diff_id, *_ in before}
    print(f"first build {first:.1f} s; after a one-line edit of {EDITED}: {second:.1f} s\n")
    print("| layer | raw MB | gzipped MB | after the edit |")
    print("|---|---|---|---|")
    for diff_id, raw, gzipped, instruction in after:
        state = "cached" if diff_id in unchanged else "**new**"
        print(f"| `{instruction[:70]}` | {raw / 1e6:.2f} | {gzipped / 1e6:.2f} | {state} |")
    shipped = [(raw, gzipped) for diff_id, raw, gzipped, _ in after if diff_id not in unchanged]
    print(
        f"\nthe edit ships {len(shipped)} layer(s): {sum(r for r, _ in shipped) / 1e6:.2f} MB raw, "
        f"{sum(g for _, g in shipped) / 1e6:.2f} MB gzipped; the image is {sum(r for _, r, _, _ in after) / 1e6:.1f} MB "
        f"raw, {sum(g for _, _, g, _ in after) / 1e6:.1f} MB gzipped (base image included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
