"""The per-source coverage and quality report (`gridhub report`)."""

from hub.quality.html import render_html
from hub.quality.report import QualityReport, SourceQuality, build_report
from hub.quality.terminal import print_quality

__all__ = ["QualityReport", "SourceQuality", "build_report", "print_quality", "render_html"]
