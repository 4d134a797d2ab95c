"""The generated Terraform CLI config: a mirror where one is found or named, the registry otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.tf_cli_config import MirrorError, find_mirror, main, render, search_mirror


def make_mirror(root: Path) -> Path:
    build = root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64"
    build.mkdir(parents=True)
    (build / "terraform-provider-aws_v5.100.0_x5").write_bytes(b"")
    return root


def test_a_named_mirror_is_used(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "plugins")
    assert find_mirror({"TF_PLUGIN_MIRROR": str(mirror)}) == mirror.resolve()


def test_a_named_folder_without_the_provider_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match=r"must name the folder that contains registry\.terraform\.io/"):
        find_mirror({"TF_PLUGIN_MIRROR": str(tmp_path)})


def test_naming_the_registry_folder_itself_is_refused(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "plugins")
    with pytest.raises(MirrorError):
        find_mirror({"TF_PLUGIN_MIRROR": str(mirror / "registry.terraform.io")})


def test_search_finds_a_mirror_within_its_depth_and_not_beyond(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "a" / "b")
    assert search_mirror(tmp_path, depth=2) == mirror
    assert search_mirror(tmp_path, depth=1) is None


def test_render_uses_the_mirror_for_aws_and_the_registry_for_the_rest(tmp_path: Path) -> None:
    text = render(tmp_path / "m", tmp_path / "cache")
    assert f'path    = "{(tmp_path / "m").as_posix()}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text


def test_render_without_a_mirror_downloads_from_the_registry(tmp_path: Path) -> None:
    text = render(None, tmp_path / "cache")
    assert "direct {}" in text
    assert "filesystem_mirror" not in text


def test_main_reports_a_bad_mirror_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TF_PLUGIN_MIRROR", str(tmp_path / "nothing"))
    assert main(["--out", str(tmp_path / "rc"), "--plugin-cache-dir", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: TF_PLUGIN_MIRROR=") and "\n" not in err
