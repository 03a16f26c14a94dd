"""A page rendered to PNG by Debian's headless Chromium (never a downloaded browser): the
README's pictures (tools/report_picture.py, tools/model_picture.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def screenshot(page: Path, target: Path, size: str) -> None:
    """Render ``page`` (an HTML file) into ``target`` at ``size`` (``WIDTH,HEIGHT``)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not on PATH")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={target.resolve()}", f"--window-size={size}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    print(f"{target}: {target.stat().st_size:,} bytes")
