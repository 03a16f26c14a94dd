"""Value normalisers, shared by the mapping layer and the resolver.

Each returns a :class:`Normalized`: the value to store, and a problem when the input is not a
valid instance (a bad checksum, say). An invalid value is kept as written, flagged, and never
used as a key. Which normaliser a property uses is declared in the schema (``normalizer:``).
"""

# Importing the normaliser modules registers them: the package is imported before any of its
# modules, so the registry is complete whichever module a caller names.
from resolvers.normalize import identifiers, names, phones  # noqa: F401
from resolvers.normalize.base import Normalized, Normalizer, get_normalizer, normalizer_names

__all__ = ["Normalized", "Normalizer", "get_normalizer", "normalizer_names"]
