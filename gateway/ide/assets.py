"""GraphiQL's assets, pinned: fetched from the npm registry, checked against the integrity the registry
published, and unpacked into a directory the gateway serves. Nothing is committed and nothing comes from a CDN.

Standard library only: the Docker image's asset stage runs this file as a script, before the gateway is installed
(``python assets.py DIR``)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity
    files: dict[str, str]  # member of the tarball -> the name it is served as

    @property
    def tarball(self) -> str:
        return f"{self.name}/-/{self.name.rpartition('/')[2]}-{self.version}.tgz"


# graphiql 3 is the last major version with a UMD bundle (4 and 5 are ES modules that need a bundler or an import
# map); React 18 is the last with UMD builds; plugin-explorer 3.2 is the release for graphiql 3.9's @graphiql/react.
IDE_PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {"package/umd/react.production.min.js": "react-18.3.1.min.js"},
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {"package/umd/react-dom.production.min.js": "react-dom-18.3.1.min.js"},
    ),
    Package(
        "graphiql",
        "3.9.0",
        "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        {"package/graphiql.min.js": "graphiql-3.9.0.min.js", "package/graphiql.min.css": "graphiql-3.9.0.min.css"},
    ),
    Package(
        "@graphiql/plugin-explorer",
        "3.2.6",
        "sha512-MXzG/zVNzZfes4Em253bHyAbD/lwwAZkPKvxCAQkjz0i3dtcv4uF3D8iqJ7214iu3SCphbORYZZUC93fik1yew==",
        {
            "package/dist/index.umd.js": "plugin-explorer-3.2.6.umd.js",
            "package/dist/style.css": "plugin-explorer-3.2.6.css",
        },
    ),
)
# The admin console (gateway/console): Preact 10 (the last major version with UMD builds) and its hooks, with htm for
# templates in plain JavaScript: no build step, nothing served but these files and the console's own.
CONSOLE_PACKAGES = (
    Package(
        "preact",
        "10.29.8",
        "sha512-ej2aVZ+vZ8WO7tvlQWRM9N63A0KzF9q4mWJfDUHgYaIofWY9hu74QdnQrjoPMmZi2/nZ5gN0bJCQF49xQqx09Q==",
        {
            "package/dist/preact.min.umd.js": "preact-10.29.8.min.umd.js",
            "package/hooks/dist/hooks.umd.js": "hooks-10.29.8.umd.js",
        },
    ),
    Package(
        "htm",
        "3.1.1",
        "sha512-983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ==",
        {"package/dist/htm.umd.js": "htm-3.1.1.umd.js"},
    ),
)
# Fetched, checked and served together (one directory).
PACKAGES = IDE_PACKAGES + CONSOLE_PACKAGES
# The directory's name changes with the pins, so a set fetched for other versions is never mixed in.
KEY = hashlib.sha256("".join(package.integrity for package in PACKAGES).encode()).hexdigest()[:12]


class IntegrityError(Exception):
    pass


def default_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cognito-gateway" / "ide" / KEY


def missing(directory: Path, packages: tuple[Package, ...] = PACKAGES) -> list[str]:
    return [name for package in packages for name in package.files.values() if not (directory / name).is_file()]


def check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise IntegrityError(f"expected {integrity}, got {algorithm}-{actual}")


def fetch(
    directory: Path,
    *,
    registry: str | None = None,
    packages: tuple[Package, ...] = PACKAGES,
    log=print,
    timeout: float = 30,
) -> Path:
    """Downloads each tarball, refuses it unless it matches its pinned integrity, and unpacks the files the page
    needs into ``directory``, which appears whole or not at all."""
    registry = (registry or os.environ.get("npm_config_registry") or REGISTRY).rstrip("/")
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent, prefix=f".{directory.name}-") as staging:
        for package in packages:
            url = f"{registry}/{package.tarball}"
            log(f"ide: fetching {package.name}@{package.version} from {url}")
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
            try:
                check_integrity(data, package.integrity)
            except IntegrityError as error:
                raise IntegrityError(f"{url}: {error}") from None
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tarball:
                for member, name in package.files.items():
                    source = tarball.extractfile(member)
                    if source is None:
                        raise IntegrityError(f"{url}: {member} is not a file")
                    (Path(staging) / name).write_bytes(source.read())
        if directory.exists():
            shutil.rmtree(directory)  # an incomplete set
        os.chmod(staging, 0o755)  # TemporaryDirectory's is 0700: the image's user could not read it
        try:
            os.replace(staging, directory)
            os.makedirs(staging)  # for TemporaryDirectory's cleanup
        except OSError:  # another process got there first
            if missing(directory, packages):
                raise
    log(f"ide: GraphiQL's and the console's assets are in {directory}")
    return directory


if __name__ == "__main__":
    fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else default_dir())
