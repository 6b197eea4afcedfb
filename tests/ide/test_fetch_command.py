"""`cognito-gateway fetch-ide-assets`, the fetch on `serve`'s first start, and the image's copy of the assets."""

import re
from pathlib import Path

from gateway.cli import _ensure_ide_assets, main
from gateway.ide.assets import PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def test_fetch_ide_assets_without_a_registry_fails_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("npm_config_registry", f"file://{tmp_path}/no-registry")

    assert main(["fetch-ide-assets", "--dir", str(tmp_path / "assets")]) == 1

    assert capsys.readouterr().err.startswith("fetch-ide-assets: ")
    assert not (tmp_path / "assets").exists()


def test_serve_starts_without_the_assets_when_the_registry_is_unreachable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("npm_config_registry", f"file://{tmp_path}/no-registry")

    _ensure_ide_assets(tmp_path / "assets")  # does not raise: POST /graphql needs no assets

    printed = capsys.readouterr()
    assert "fetching them from the npm registry" in printed.out
    assert "could not be fetched" in printed.err and "cognito-gateway fetch-ide-assets" in printed.err


def test_serve_fetches_nothing_when_the_assets_are_there(tmp_path, capsys):
    for package in PACKAGES:
        for name in package.files.values():
            (tmp_path / name).write_text("")

    _ensure_ide_assets(tmp_path)

    assert capsys.readouterr() == ("", "")


def test_the_image_carries_the_assets_where_the_gateway_looks():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied_to = re.search(r"^COPY --from=ide-assets /opt/ide (\S+)$", dockerfile, re.M).group(1)
    assert re.search(rf"^\s+GATEWAY_IDE_ASSETS_DIR={re.escape(copied_to)}\b", dockerfile, re.M)
    assert "python /ide/assets.py /opt/ide" in dockerfile
