"""Batch sync: read sources, map rows to mentions, resolve them, write the graph."""

from hub.sync.pipeline import sync_sources
from hub.sync.report import RunReport, SourceReport

__all__ = ["RunReport", "SourceReport", "sync_sources"]
