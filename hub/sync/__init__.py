"""Batch sync: read sources, map rows to mentions, resolve them, write the graph."""

from hub.sync.pipeline import resolve_pass, sync_sources
from hub.sync.report import RunReport, SourceReport

__all__ = ["RunReport", "SourceReport", "resolve_pass", "sync_sources"]
