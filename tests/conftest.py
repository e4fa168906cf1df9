"""Shared fixtures: the seed articles (read from ../shared/seeds, never copied) and indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def seeds_settings(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Settings:
    """An index of the seed articles, built once per test session."""
    from index.build import build_index

    settings = Settings.load(index_dir=tmp_path_factory.mktemp("seeds-index"))
    build_index([seeds_dir], settings, progress=False)
    return settings
