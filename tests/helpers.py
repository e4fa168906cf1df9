"""Helpers shared by the tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def missing(what: str) -> None:
    """Something a test needs is absent: a skip on a developer's machine, a failure in CI, where
    everything must be there and a skipped test would let a green run check nothing."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{what} (required in CI)")
    pytest.skip(what, allow_module_level=True)


def seed_path(prefix: str) -> Path:
    """The seed article whose name starts with `prefix` ("001")."""
    if not SEEDS.is_dir():
        missing(f"seed articles not found at {SEEDS}")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        missing(f"seed {prefix} not found in {SEEDS}")
    return matches[0]


def seed(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
