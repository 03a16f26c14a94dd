"""Source connectors and the declarative mappings from their rows to the canonical model.

A connector yields raw rows and keeps its cursor; it never writes to a store. A mapping turns
one raw row into the mentions of the entities it names, in roles.
"""

from connectors.config import SourceConfig, load_source_config, load_source_configs
from connectors.errors import ConnectorError, MappingError, RowError, SourceRefused, SourceUnavailable
from connectors.records import Mention, MentionLink, SourceRow

__all__ = [
    "ConnectorError",
    "MappingError",
    "Mention",
    "MentionLink",
    "RowError",
    "SourceConfig",
    "SourceRefused",
    "SourceRow",
    "SourceUnavailable",
    "load_source_config",
    "load_source_configs",
]
