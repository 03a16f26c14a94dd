"""SearchService: person, company and address search for the API layer (no GraphQL here).

Each index is built on first use and kept: a query touches only its candidates, in memory,
without a database round trip. Indexes are rebuilt in the background when their data moves (see
refresh.py): person and company indexes when the mention table does, the address library and the
building → community map when a run finishes (a sync of the standard address library is one).
Every public method is safe to call from many threads at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from hub.search.addresses import AddressIndex, build_address_index
from hub.search.companies import FEATURES as COMPANY_FEATURES
from hub.search.companies import CompanyIndex, build_company_index
from hub.search.hits import AddressHit, SearchHit
from hub.search.persons import FEATURES as PERSON_FEATURES
from hub.search.persons import PersonIndex, build_person_index
from hub.search.refresh import Refreshing
from hub.search.source import Places, mentions_version, read_mentions, read_places, runs_version
from hub.state import StateStore
from hub.store import GraphStore
from resolvers.pinyin import lazy_pinyin

PERSON, COMPANY = "Person", "LegalEntity"
T = TypeVar("T")


class SearchService:
    def __init__(
        self,
        store: GraphStore,
        state: StateStore,
        *,
        check_interval: float = 5.0,
        background: bool = True,
        person_type: str = PERSON,
        company_type: str = COMPANY,
    ) -> None:
        """``check_interval``: seconds between checks whether the data moved (each a few
        aggregate queries on the state database); ``background``: rebuild on a thread while
        the old index serves (False: the caller that notices waits for the rebuild)."""
        self.store = store
        self.state = state
        self._person_type, self._company_type = person_type, company_type

        self._interval, self._background = check_interval, background
        self._places = self._refreshing("places", self._runs_version, self._read_places)
        self._persons = self._refreshing("persons", self._mentions_version, self._build_persons)
        self._companies = self._refreshing("companies", self._mentions_version, self._build_companies)
        self._addresses = self._refreshing("addresses", self._runs_version, self._build_addresses)

    def _refreshing(
        self, name: str, version: Callable[[], Hashable], build: Callable[[], T]
    ) -> Refreshing[T]:
        return Refreshing(name, version, build, interval=self._interval, background=self._background)

    # -- queries --------------------------------------------------------------------------------

    def persons(
        self,
        name: str,
        birth_year: int | None = None,
        gender: str | None = None,
        community: str | None = None,
        limit: int = 10,
    ) -> list[SearchHit]:
        """People by name (homophones, traditional characters and one-character slips found),
        optionally born in ``birth_year``, of ``gender`` (M/F, 男/女, 1/2) and placed in the
        Community node ``community``; best first (score descending, then id)."""
        return self._persons.get().search(name, birth_year, gender, community, limit)

    def companies(self, name: str, community: str | None = None, limit: int = 10) -> list[SearchHit]:
        """Legal entities by name or part of it (city marker, legal-form spelling and traditional
        characters set aside), optionally registered in the Community node ``community``."""
        return self._companies.get().search(name, community, limit)

    def addresses(self, text: str, limit: int = 5) -> list[AddressHit]:
        """The standard address (room) and building a free-text address denotes, the matcher's
        decision first, then the other buildings it weighed."""
        return self._addresses.get().search(text, limit)

    # -- upkeep ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Check every index that was built and rebuild now those whose data moved (batch jobs,
        tests; the API relies on the background checks). True if any was rebuilt."""
        rebuilt = False
        for index in (self._places, self._persons, self._companies, self._addresses):
            if index.built is not None:
                rebuilt |= index.refresh()
        return rebuilt

    def wait(self, timeout: float | None = None) -> bool:
        """Until background checks and rebuilds under way have finished."""
        return all(
            index.wait(timeout) for index in (self._places, self._persons, self._companies, self._addresses)
        )

    @property
    def ready(self) -> bool:
        """Whether every index has been built (a search then waits for none)."""
        indexes = (self._places, self._persons, self._companies, self._addresses)
        return all(index.built is not None for index in indexes)

    def warm(self) -> None:
        """Build every index now (at start-up, rather than on the first query)."""
        self._persons.get()
        self._companies.get()
        self._addresses.get()

    # -- builds ---------------------------------------------------------------------------------

    def _mentions_version(self) -> Hashable:
        return mentions_version(self.state)

    def _runs_version(self) -> Hashable:
        return runs_version(self.state)

    def _build_addresses(self) -> AddressIndex:
        return build_address_index(self.store)

    def _read_places(self) -> Places:
        return read_places(self.store)

    def _survivorship(self, entity_type: str) -> Sequence[str]:
        node = self.store.schema.node(entity_type)
        return tuple(rule.value for rule in node.prop("name").survivorship)

    def _build_persons(self) -> PersonIndex:
        rows = read_mentions(self.state, self._person_type, PERSON_FEATURES)
        lazy_pinyin("张")  # pypinyin's dictionary loads here (0.4 s), not in the first query
        return build_person_index(rows, self._places.get(), self._survivorship(self._person_type))

    def _build_companies(self) -> CompanyIndex:
        rows = read_mentions(self.state, self._company_type, COMPANY_FEATURES)
        return build_company_index(rows, self._places.get(), self._survivorship(self._company_type))
