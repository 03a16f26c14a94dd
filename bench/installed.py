"""Benchmarks time gridhub as installed: its modules byte-compiled.

`pip install` compiles a package's modules to bytecode once, at install time (the Docker image
gets them that way). A checkout run in place is compiled again by every process unless Python
may cache the bytecode, and this machine sets PYTHONDONTWRITEBYTECODE=1: measured here, that
costs each `gridhub` command 0.3–0.6 s of compiling, which is no part of syncing or resolving.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGES = ("hub", "resolvers", "connectors", "graph_schema")


def byte_compile(root: Path) -> None:
    """Write the bytecode of gridhub's packages under ``root`` (as an install does)."""
    for package in PACKAGES:
        if not compileall.compile_dir(root / package, quiet=1):
            raise SystemExit(f"byte-compiling {root / package} failed")
