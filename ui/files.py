"""Uploads -> files in the corpus folder: safe names, never outside it, never overwriting."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".pdf", ".docx")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120


def safe_filename(name: str) -> str:
    """A plain file name made of [A-Za-z0-9._-]: no folders, no hidden file, no '..'.

    safe_filename("../../etc/passwd.txt") == "passwd.txt"
    safe_filename("Añón: ataque (2023).html") == "Anon_ataque_2023.html"
    """
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    stem = re.sub(r"[._-]*_[._-]*", "_", stem)  # one separator where several were
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-")
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()[:10]
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


@dataclass
class Saved:
    name: str  # the name as uploaded
    path: Path | None  # where it is now, None when refused
    status: str  # "added", "unchanged", "renamed" or "refused"
    reason: str = ""


def save_upload(source: str | Path, folder: Path, original_name: str | None = None) -> Saved:
    """Copy an uploaded file into `folder` under a safe name.

    The same content under the same name is "unchanged"; a different file that would take an
    existing name gets a numbered name ("report-2.txt") instead of overwriting it."""
    source = Path(source)
    name = original_name or source.name
    safe = safe_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return Saved(name, None, "refused", f"not an article file ({', '.join(ALLOWED_SUFFIXES)})")
    try:
        size = source.stat().st_size
    except OSError as e:
        return Saved(name, None, "refused", f"cannot read the upload: {e.strerror or e}")
    if size > MAX_UPLOAD_BYTES:
        return Saved(name, None, "refused", f"{size / 2**20:.1f} MiB is over the "
                     f"{MAX_UPLOAD_BYTES // 2**20} MiB limit")
    data = source.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    stem = Path(safe).stem
    for i in range(1, 1000):
        candidate = root / (safe if i == 1 else f"{stem}-{i}{suffix}")
        if candidate.parent != root:  # cannot happen with a safe name; never write elsewhere
            return Saved(name, None, "refused", "unsafe file name")
        if candidate.is_symlink():
            continue
        if candidate.exists():
            if candidate.is_file() and _digest(candidate.read_bytes()) == _digest(data):
                return Saved(name, candidate, "unchanged")
            continue
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                         0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return Saved(name, candidate, "added" if i == 1 else "renamed")
    return Saved(name, None, "refused", "too many files with this name")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
