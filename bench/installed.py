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


# A child process's own peak RSS, for the code the benches run in fresh processes (prepended to
# it; the child calls peak_rss_mb()). Not ru_maxrss: Linux carries the parent's high-water mark
# across fork and exec into the child's ru_maxrss, so a child of a parent that once held 7 GB
# reports at least 7 GB (measured: a parent of 1.5 GB, a child of 13 MB reporting 1,513 MB).
# /proc/self/status's VmHWM is the high-water mark of the child's own address space since exec.
PEAK_RSS = """
def peak_rss_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def vm_hwm_mb(pid: int | None) -> float | None:
    """Another process's peak resident memory (its VmHWM), read from /proc while it runs."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
