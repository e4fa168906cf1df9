"""Shared fixtures: the seed articles (read from ../shared/seeds, never copied) and indexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import missing

from index.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        missing(f"seed articles not found at {SEEDS}")
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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed (all skipped or deselected) fails: it checked nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == 0 and reporter is not None and not reporter.stats.get("passed"):
        reporter.write_line("no test passed: failing the run, since it checked nothing", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
