"""Which files of a source tree ship to MWAA: everything but interpreter and tool caches."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

# Folders that tools write beside the code; none of them is source, and shipping __pycache__ built by another
# Python version would only be ignored by MWAA's Python 3.12 at best.
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints", ".git"})
CACHE_SUFFIXES = frozenset({".pyc", ".pyo"})


def is_shipped(relative: PurePosixPath) -> bool:
    """False for anything inside a cache folder or a compiled Python file."""
    return not (
        CACHE_DIRS.intersection(relative.parts[:-1]) or relative.suffix in CACHE_SUFFIXES or relative.name in CACHE_DIRS
    )


def source_files(root: Path) -> list[PurePosixPath]:
    """Files under root as sorted POSIX paths relative to it, caches left out; a missing root has none."""
    if not root.is_dir():
        return []
    found = (PurePosixPath(path.relative_to(root).as_posix()) for path in root.rglob("*") if path.is_file())
    return sorted(relative for relative in found if is_shipped(relative))
