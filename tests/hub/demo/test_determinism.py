"""Same seed, same bytes; another seed, another district."""

from __future__ import annotations

from pathlib import Path

from hub.demo.generator import DemoManifest, generate_district
from tests.hub.demo.conftest import PERSONS, SEED


def _contents(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_the_same_seed_writes_byte_identical_files(manifest: DemoManifest, tmp_path: Path) -> None:
    again = generate_district(tmp_path, persons=PERSONS, seed=SEED)
    assert again.rows() == manifest.rows()
    assert _contents(tmp_path) == _contents(manifest.out_dir)


def test_another_seed_writes_another_district(manifest: DemoManifest, tmp_path: Path) -> None:
    generate_district(tmp_path, persons=PERSONS, seed=SEED + 1)
    ours, theirs = _contents(manifest.out_dir), _contents(tmp_path)
    assert ours.keys() == theirs.keys()
    assert [name for name in ours if ours[name] == theirs[name]] == []


def test_the_manifest_counts_the_rows_written(manifest: DemoManifest) -> None:
    assert [f.name for f in manifest.files] == [
        "address_library", "grid_workers", "population", "grid_collection",
        "business_registry", "licenses", "housing", "newborns",
    ]  # fmt: skip
    for f in (*manifest.files, manifest.truth, manifest.noise):
        text = f.path.read_text(encoding="utf-8")
        lines = text.count("\n") - (1 if f.path.suffix == ".csv" else 0)
        assert lines == f.rows > 0, f.name
    assert (manifest.out_dir / "manifest.json").is_file()
