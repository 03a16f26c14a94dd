"""Event intake (民生诉求分拨) without the HTTP layer: an event in, a dispatch decision out.

``EventIntake(gazetteer, matcher, search).decide(event)`` takes a validated :class:`EventIn`
(:func:`parse_event` checks a raw one) and decides where it goes:

- **where** — the address field, then the text, placed by :class:`~hub.tasks.event_places.Gazetteer`
  on the standard address library: a building (and room), else a grid, else not placed;
- **what** — the item of the item list (:class:`~hub.tasks.matching.ItemMatcher`);
- **who** — the companies and persons the text names, found with the search service (hub/search/);
- the **decision**: a :class:`DispatchDecision` with the grid, building, item and subjects, or the
  reasons it goes to the dispatchers' queue (``address unresolved``, ``item unknown``,
  ``subject ambiguous``). An item its list hands to a department (handling_unit not ``grid``) needs
  no place in the district: the department gets it wherever it happened in the district.

Nothing here creates a task or writes the graph: the task lifecycle takes the decision.

Repeated reports of one event (another resident, the same problem at the same spot, within
``DUPLICATE_WINDOW``) share a key (:func:`duplicate_keys`); :class:`DuplicateFinder` finds the
earlier report.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.errors import HubError
from hub.search.hits import SearchHit
from hub.tasks.catalog import GRID
from hub.tasks.event_places import Gazetteer, Level
from hub.tasks.matching import ItemMatcher, fold
from resolvers.normalize import get_normalizer

CHINA = timezone(timedelta(hours=8))
DUPLICATE_WINDOW = timedelta(hours=48)
SUBJECT_SCORE = 0.9  # a search hit this good names the subject …
SUBJECT_TIE = 0.05  # … unless another is within this of it: then the subject is ambiguous

Channel = Literal["hotline", "wechat", "grid_app", "other"]
CHANNELS: dict[str, Channel] = {
    "12345": "hotline", "12345热线": "hotline", "热线": "hotline", "hotline": "hotline",
    "微信": "wechat", "微信公众号": "wechat", "公众号": "wechat", "wechat": "wechat",
    "网格员app": "grid_app", "网格通": "grid_app", "网格员": "grid_app", "grid_app": "grid_app", "app": "grid_app",
}  # fmt: skip
QueueKind = Literal["address unresolved", "item unknown", "subject ambiguous"]
ADDRESS_UNRESOLVED: QueueKind = "address unresolved"
ITEM_UNKNOWN: QueueKind = "item unknown"
SUBJECT_AMBIGUOUS: QueueKind = "subject ambiguous"
_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d%H%M%S",
)
# A business named in a complaint: up to 12 characters before what businesses are called. Where
# the name starts is unknown (新开的X便利店, 1栋后面X茶餐厅): search tries the longest first.
_KINDS = (
    "有限公司|公司|便利店|士多店|餐饮店|茶餐厅|水果店|美发店|理发店|服装店|五金店|维修店|药店|超市|诊所|酒楼"
    "|饭店|餐厅|商行|美容院"
)
_BUSINESS = re.compile(rf"[\u4e00-\u9fff]{{2,12}}(?:{_KINDS})")
_KIND_AT_END = re.compile(rf"(?:{_KINDS})$")
MIN_TRADE = 2  # characters of a trade name (字号) at least
_PERSON = re.compile(r"(?:房东|业主|租客|店主|户主|负责人|经营者)(?:叫|是|姓名|名叫)?([\u4e00-\u9fff]{2,3})")


class EventError(HubError):
    """An event that cannot be taken in as it is; names the event and the field."""

    def __init__(self, event_id: str, message: str, field: str | None = None) -> None:
        super().__init__(f"event {event_id or '(no id)'}: {message}")
        self.event_id = event_id
        self.field = field  # the field at fault, when one is


class EventIn(BaseModel):
    """An event as a channel delivers it, validated: the text is required, the rest may be thin."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    event_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=4000)
    address_text: str = Field("", max_length=500)
    category: str | None = Field(None, max_length=100)
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=40)  # E.164 when it reads as a number
    channel: Channel = "other"
    reported_at: datetime

    @field_validator("address_text", "reporter_name", "reporter_phone", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("category", mode="before")
    @classmethod
    def _no_category(cls, value: Any) -> Any:
        return None if value is None or not str(value).strip() else value

    @field_validator("reporter_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not value:
            return value
        normalized = get_normalizer("phone")(value)
        return str(normalized.value) if normalized.valid else value

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        if value is None:
            return "other"
        key = unicodedata.normalize("NFKC", str(value)).strip().lower()
        return CHANNELS.get(key, next((c for k, c in CHANNELS.items() if k in key), "other"))

    @field_validator("reported_at", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()
            for form in _DATE_FORMATS:
                try:
                    return datetime.strptime(text, form)  # naive: China time (below)
                except ValueError:
                    continue
        return value

    @field_validator("reported_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


def parse_event(raw: Mapping[str, Any]) -> EventIn:
    """A raw event (a JSON object as a channel sends it) validated, or an EventError naming the field."""
    try:
        return EventIn.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "event"
        raise EventError(str(raw.get("event_id") or ""), f"{where}: {first['msg']}", where) from None


@dataclass(frozen=True, slots=True)
class Subject:
    """A person or company the event names, as the search service found it."""

    entity_type: str  # Person / LegalEntity
    entity_id: str
    written: str  # as the text names it
    label: str  # as the hub shows it
    score: float


@dataclass(frozen=True, slots=True)
class Queued:
    """Why a dispatcher must look at the event: the kind, and the details for them."""

    kind: QueueKind
    detail: str


@dataclass(frozen=True)
class DispatchDecision:
    """Where an event goes. ``queue`` empty: dispatch it — to the grid worker of ``grid_id`` when
    the item is handled by the grid (``handling_unit`` ``grid``), else to the handling department
    (``grid_id`` then says where, when known). Otherwise the dispatchers' queue, with the reasons;
    every field is still filled as far as it was found, to spare the dispatcher the work."""

    event_id: str
    reported_at: datetime
    channel: Channel
    item_code: str | None
    handling_unit: str | None  # "grid" or a department code, from the item list
    grid_id: str | None
    building_id: str | None
    address_id: str | None  # the room, when the words give it
    place_level: Level | None
    subjects: tuple[Subject, ...] = ()
    queue: tuple[Queued, ...] = ()
    notes: tuple[str, ...] = ()  # how the place, the item and the subjects were found
    spot: str | None = None  # what a repeated report names again (event_places.PlaceMatch.spot)
    estate_spot: str | None = None

    @property
    def dispatch(self) -> bool:
        return not self.queue


class Searcher(Protocol):
    """What event intake asks of the search service (hub.search.SearchService has it)."""

    def persons(
        self,
        name: str,
        birth_year: int | None = None,
        gender: str | None = None,
        community: str | None = None,
        limit: int = 10,
    ) -> list[SearchHit]: ...

    def companies(self, name: str, community: str | None = None, limit: int = 10) -> list[SearchHit]: ...


class EventIntake:
    """Decides events: place, item, subjects. Safe to share across threads (it keeps no state)."""

    def __init__(self, gazetteer: Gazetteer, matcher: ItemMatcher, search: Searcher | None = None) -> None:
        self.gazetteer = gazetteer
        self.matcher = matcher
        self.search = search

    def decide_raw(self, raw: Mapping[str, Any]) -> DispatchDecision:
        return self.decide(parse_event(raw))

    def decide(self, event: EventIn) -> DispatchDecision:
        place = self.gazetteer.locate(event.address_text, event.text)
        item = self.matcher.match(event.text, event.category)
        subjects, ambiguous = self._subjects(event.text) if self.search is not None else ((), [])
        handling = self.matcher.catalog.items[item.code].handling_unit if item.code else None
        queue: list[Queued] = []
        if place.level is None and (place.outside or handling in (GRID, None)):
            queue.append(Queued(ADDRESS_UNRESOLVED, place.reason))
        if item.code is None:
            queue.append(Queued(ITEM_UNKNOWN, item.reason))
        queue += [Queued(SUBJECT_AMBIGUOUS, detail) for detail in ambiguous]
        notes = [
            f"place: {place.reason}" if place.level else f"no place: {place.reason}",
            f"item: {item.reason}",
        ]
        notes += [f"subject: {s.written} → {s.label} ({s.entity_id}, {s.score:.2f})" for s in subjects]
        return DispatchDecision(
            event_id=event.event_id,
            reported_at=event.reported_at,
            channel=event.channel,
            item_code=item.code,
            handling_unit=handling,
            grid_id=place.grid_id,
            building_id=place.building_id,
            address_id=place.address_id,
            place_level=place.level,
            subjects=subjects,
            queue=tuple(queue),
            notes=tuple(notes),
            spot=place.spot,
            estate_spot=place.estate_spot,
        )

    # -- subjects ------------------------------------------------------------------------------

    def _subjects(self, text: str) -> tuple[tuple[Subject, ...], list[str]]:
        assert self.search is not None
        folded = fold(text)
        found: list[Subject] = []
        ambiguous: list[str] = []
        for written in dict.fromkeys(m.group() for m in _BUSINESS.finditer(folded)):
            subject, tie = self._best("LegalEntity", _business_names(written))
            found += [subject] if subject else []
            ambiguous += [tie] if tie else []
        for written in dict.fromkeys(m.group(1) for m in _PERSON.finditer(folded)):
            subject, tie = self._best("Person", [written])
            found += [subject] if subject else []
            ambiguous += [tie] if tie else []
        return tuple(found), ambiguous

    def _best(self, entity_type: str, names: list[str]) -> tuple[Subject | None, str | None]:
        """The entity the longest of `names` finds with a good hit; a tie is ambiguous."""
        assert self.search is not None
        for name in names:
            hits = (
                self.search.companies(name, limit=5)
                if entity_type == "LegalEntity"
                else self.search.persons(name, limit=5)
            )
            good = [h for h in hits if h.score >= SUBJECT_SCORE]
            if not good:
                continue
            close = [h for h in good if good[0].score - h.score <= SUBJECT_TIE]
            if len(close) > 1:
                return None, tie_detail(name, entity_type, close)
            top = good[0]
            return Subject(entity_type, top.entity_id, name, top.label, round(top.score, 3)), None
        return None, None


# -- what a tie tells whom --------------------------------------------------------------------

# A tie names the entities and their ids: for a dispatcher who may read them (hub/api/events.py
# shows it only to a caller reading the type, unrestricted). Others get what kind of entity tied.
_TIE = re.compile(r"^.*?: \d+ (?P<label>[A-Za-z]\w*) entities fit about equally: ")
_TIED_KIND = {"Person": ("a person", "residents"), "LegalEntity": ("a business", "companies")}


def tie_detail(name: str, entity_type: str, hits: list[SearchHit]) -> str:
    """The reason of a ``subject ambiguous`` queue entry, for a dispatcher: the name, how many
    entities of the type fit it about equally, and (up to three) which, with their ids."""
    named = "、".join(f"{h.label} ({h.entity_id})" for h in hits[:3])
    return f"{name}: {len(hits)} {entity_type} entities fit about equally: {named}"


def tie_label(detail: str) -> str | None:
    """The node type a ``subject ambiguous`` reason (:func:`tie_detail`) is about; None when it
    does not read as one."""
    found = _TIE.match(detail)
    return found.group("label") if found else None


def masked_tie(label: str | None) -> str:
    """A ``subject ambiguous`` reason for a caller that may not read the entities: neither the
    name nor the entities, their ids or how many fit — only what kind of entity tied."""
    named, fits = _TIED_KIND.get(label or "", ("a name", "entities"))
    return f"{named} named in the text matched several {fits} about equally: left for a dispatcher"


def _business_names(written: str) -> list[str]:
    """The business names the words may be, longest first: the whole stretch, then without one
    character more in front each time, down to a trade name of MIN_TRADE characters."""
    kind = _KIND_AT_END.search(written)
    shortest = (len(kind.group()) if kind else 0) + MIN_TRADE
    return [written[i:] for i in range(len(written) - shortest + 1)]


# -- duplicates --------------------------------------------------------------------------------


def duplicate_keys(decision: DispatchDecision) -> tuple[str, ...]:
    """The keys a repeated report of the same event shares with it: the item at the spot (the
    building, or the estate, door, crossing or community in its grid) and at the spot's estate.
    None without an item or a place: such reports are matched by a dispatcher."""
    if decision.item_code is None:
        return ()
    spots = dict.fromkeys(s for s in (decision.spot, decision.estate_spot) if s)
    return tuple(f"{decision.item_code}@{spot}" for spot in spots)


def find_duplicate(
    decision: DispatchDecision, earlier: Iterable[DispatchDecision], window: timedelta = DUPLICATE_WINDOW
) -> DispatchDecision | None:
    """The latest earlier event the decision repeats (a shared key, reported within `window`
    before it), or None."""
    keys = set(duplicate_keys(decision))
    if not keys:
        return None
    best: DispatchDecision | None = None
    for other in earlier:
        gap = decision.reported_at - other.reported_at
        if other.event_id == decision.event_id or not timedelta(0) <= gap <= window:
            continue
        if keys & set(duplicate_keys(other)) and (best is None or other.reported_at > best.reported_at):
            best = other
    return best


@dataclass
class DuplicateFinder:
    """Events as they come (in the order reported), indexed by key: ``check`` returns the earlier
    report an event repeats and remembers the event."""

    window: timedelta = DUPLICATE_WINDOW
    _by_key: dict[str, list[DispatchDecision]] = field(default_factory=lambda: defaultdict(list))

    def check(self, decision: DispatchDecision) -> DispatchDecision | None:
        keys = duplicate_keys(decision)
        candidates = {id(d): d for key in keys for d in self._by_key.get(key, [])}
        earlier = find_duplicate(decision, candidates.values(), self.window)
        for key in keys:
            self._by_key[key].append(decision)
        return earlier
