"""Search for the API layer: people and companies by name, addresses by free text.

``SearchService(store, state)`` answers ``persons(name, birth_year=, gender=, community=)``,
``companies(name, community=)`` and ``addresses(text)`` from in-memory indexes built with the
resolver's own normalisers, blocking keys, comparators and address matcher, and rebuilt in the
background when the data moves. Hits carry a score in [0, 1] and the comparators' reasons.
"""

from hub.search.hits import AddressHit, Outcome, SearchHit
from hub.search.service import SearchService

__all__ = ["AddressHit", "Outcome", "SearchHit", "SearchService"]
