"""The fetcher: a tarball is unpacked only if it matches its pinned integrity, and the set appears whole."""

import base64
import hashlib
import io
import tarfile

import pytest

from gateway.ide.assets import KEY, PACKAGES, IntegrityError, Package, default_dir, fetch, missing


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def registry(tmp_path):
    """A registry on disk (file:// URLs) holding @scope/widget 1.0.0, the package pinned to its integrity."""
    data = tarball({"package/dist/widget.js": b"widget()", "package/README.md": b"not needed"})
    (tmp_path / "registry/@scope/widget/-").mkdir(parents=True)
    path = tmp_path / "registry/@scope/widget/-/widget-1.0.0.tgz"
    path.write_bytes(data)
    package = Package("@scope/widget", "1.0.0", integrity(data), {"package/dist/widget.js": "widget-1.0.0.js"})
    return f"file://{tmp_path}/registry", package, path


def test_fetch_unpacks_only_the_files_the_page_needs(registry, tmp_path):
    url, package, _ = registry
    target = tmp_path / "assets"
    lines = []

    fetch(target, registry=url, packages=(package,), log=lines.append)

    assert sorted(path.name for path in target.iterdir()) == ["widget-1.0.0.js"]
    assert (target / "widget-1.0.0.js").read_bytes() == b"widget()"
    assert missing(target, (package,)) == []
    assert "@scope/widget@1.0.0" in lines[0]


def test_a_tampered_tarball_is_refused_and_nothing_is_installed(registry, tmp_path):
    url, package, path = registry
    path.write_bytes(tarball({"package/dist/widget.js": b"steal(document.cookie)"}))
    target = tmp_path / "assets"

    with pytest.raises(IntegrityError, match="expected sha512-"):
        fetch(target, registry=url, packages=(package,), log=lambda line: None)

    assert not target.exists()
    assert [path.name for path in target.parent.iterdir()] == ["registry"]  # no staging directory left behind


def test_an_incomplete_set_is_replaced_whole(registry, tmp_path):
    url, package, _ = registry
    target = tmp_path / "assets"
    target.mkdir()
    (target / "stale.js").write_text("old")

    fetch(target, registry=url, packages=(package,), log=lambda line: None)

    assert sorted(path.name for path in target.iterdir()) == ["widget-1.0.0.js"]
    assert oct(target.stat().st_mode & 0o777) == "0o755"  # readable by the image's non-root user


def test_the_pins_are_exact_and_the_default_directory_is_keyed_on_them(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    assert {package.name for package in PACKAGES} == {
        *("react", "react-dom", "graphiql", "@graphiql/plugin-explorer"),  # GraphiQL
        *("preact", "htm"),  # the admin console
    }
    for package in PACKAGES:
        assert package.version.count(".") == 2 and package.integrity.startswith("sha512-")
        assert all(package.version in name for name in package.files.values())  # served names change with versions
    assert default_dir() == tmp_path / "cognito-gateway" / "ide" / KEY
