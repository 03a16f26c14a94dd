"""Batch sync: read sources, map rows to mentions, link them by identifiers, write the graph; then
the resolution pass (:mod:`hub.resolution`) over the mentions written."""

from hub.sync.pipeline import resolve_pass, sync_sources
from hub.sync.report import RunReport, SourceReport

__all__ = ["RunReport", "SourceReport", "resolve_pass", "sync_sources"]
