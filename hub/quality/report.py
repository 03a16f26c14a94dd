"""The coverage and quality report per source (数据质量核查), computed from the state database.

Two kinds of figure, each from where it is recorded:

- **Mentions by resolution outcome** are the current state: the mentions table keeps how each
  mention came to its entity (by identifier, probabilistic merge, an entity of its own), and the
  open merge candidates name the mentions waiting for a steward ("review" wins over the others).
- **Row figures** (address outcomes and their reasons, invalid identifiers, completeness per
  mapped field) are counted by the sync over the rows it maps and writes, and kept in the run
  report: the report shows those of the latest successful run that wrote rows of the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hub.state import StateStore
from hub.state.mentions import IDENTIFIER, NEW, PROBABILISTIC, SEP

REVIEW, UNRECORDED = "review", "unrecorded"
# The order of the outcome columns.
MENTION_OUTCOMES = (IDENTIFIER, PROBABILISTIC, NEW, REVIEW, UNRECORDED)
ADDRESS_OUTCOMES = ("room", "by code", "building", "ambiguous", "unknown", "no standard match")
# Outcomes that leave an address without a standard building: filed for review (ambiguous) or not
# linked at all.
UNRESOLVED_ADDRESSES = ("ambiguous", "unknown", "no standard match")
# A source is flagged when at least this share of its addresses is unresolved …
ADDRESS_WARNING_SHARE = 0.5
# … or at least this share of the identifiers it gives (of one kind) fail their check …
INVALID_IDENTIFIER_WARNING_SHARE = 0.5
# … or at least this share of its mentions waits for a steward.
MENTION_REVIEW_WARNING_SHARE = 0.5
TOP_REASONS = 3


@dataclass(frozen=True)
class Share:
    count: int
    of: int

    @property
    def ratio(self) -> float:
        return self.count / self.of if self.of else 0.0


@dataclass
class MentionOutcomes:
    entity_type: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class SourceQuality:
    source: str
    # The run whose rows the row figures describe (None: no run wrote rows of the source).
    run_id: str | None = None
    rows_written: int = 0
    mentions: list[MentionOutcomes] = field(default_factory=list)
    addresses: dict[str, int] = field(default_factory=dict)
    # Outcome → the most frequent kinds of reason, most frequent first.
    address_reasons: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # Identifier field ("role.property") → invalid values, of the rows that give one.
    invalid_identifiers: dict[str, Share] = field(default_factory=dict)
    # … and the kind of identifier each field holds ("Type.property").
    identifier_kinds: dict[str, str] = field(default_factory=dict)
    # Mapped field ("role.property") → rows in which it is non-empty, of the rows written.
    completeness: dict[str, Share] = field(default_factory=dict)
    open_address_reviews: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def address_total(self) -> int:
        return sum(self.addresses.values())

    @property
    def unresolved_addresses(self) -> int:
        return sum(self.addresses.get(o, 0) for o in UNRESOLVED_ADDRESSES)

    def mention_total(self, outcome: str | None = None) -> int:
        return sum(m.counts.get(outcome, 0) if outcome else m.total for m in self.mentions)


@dataclass
class QualityReport:
    sources: list[SourceQuality] = field(default_factory=list)

    @property
    def flagged(self) -> list[SourceQuality]:
        return [s for s in self.sources if s.warnings]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for source, quality in zip(data["sources"], self.sources, strict=True):
            for key in ("invalid_identifiers", "completeness"):
                shares: Mapping[str, Share] = getattr(quality, key)
                source[key] = {
                    k: {"count": v.count, "of": v.of, "share": round(v.ratio, 4)} for k, v in shares.items()
                }
            source["address_reasons"] = {k: dict(v) for k, v in quality.address_reasons.items()}
        return data


def build_report(state: StateStore, sources: Iterable[str] = ()) -> QualityReport:
    """The report over every source the state knows (or those named)."""
    by_source: dict[str, SourceQuality] = {}

    def quality(name: str) -> SourceQuality:
        return by_source.setdefault(name, SourceQuality(name))

    _row_figures(state, quality)
    _mention_outcomes(state, quality)
    for item in state.review_queue("address", limit=2**62):
        quality(str(item["payload"].get("source", ""))).open_address_reviews += 1
    wanted = set(sources)
    report = QualityReport(
        sorted((q for n, q in by_source.items() if not wanted or n in wanted), key=lambda q: q.source)
    )
    for source in report.sources:
        source.warnings = warnings(source)
    return report


def _row_figures(state: StateStore, quality: Callable[[str], SourceQuality]) -> None:
    """From the newest successful run that wrote rows of each source."""
    done: set[str] = set()
    for run in state.run_reports("succeeded"):
        for figures in run.get("sources", []):
            name = figures["source"]
            if name in done or not figures.get("rows_written"):
                continue
            done.add(name)
            q = quality(name)
            q.run_id, q.rows_written = run["run_id"], int(figures["rows_written"])
            q.addresses = {k: int(v) for k, v in figures.get("addresses", {}).items()}
            q.address_reasons = {
                outcome: sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
                for outcome, kinds in figures.get("address_reasons", {}).items()
            }
            filled: dict[str, int] = figures.get("filled", {})
            q.completeness = {f: Share(int(n), q.rows_written) for f, n in sorted(filled.items())}
            q.identifier_kinds = dict(figures.get("identifier_kinds", {}))
            q.invalid_identifiers = {
                f: Share(int(n), int(filled.get(f, n)))
                for f, n in sorted(figures.get("invalid_identifiers", {}).items())
            }


def _mention_outcomes(state: StateStore, quality: Callable[[str], SourceQuality]) -> None:
    """Current mentions by outcome; those named by an open merge candidate count as "review"."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for (source, entity_type, resolution), n in state.resolution_counts().items():
        outcome = resolution or UNRECORDED
        bucket = counts.setdefault((source, entity_type), {})
        bucket[outcome] = bucket.get(outcome, 0) + n
    named = {
        m for item in state.review_queue("merge", limit=2**62) for m in item["payload"].get("mentions", [])
    }
    for mention_id, (entity_type, resolution) in state.resolutions_of(named).items():
        bucket = counts[(mention_id.split(SEP, 1)[0], entity_type)]
        bucket[resolution or UNRECORDED] -= 1
        bucket[REVIEW] = bucket.get(REVIEW, 0) + 1
    for (source, entity_type), bucket in sorted(counts.items()):
        ordered = {o: bucket[o] for o in MENTION_OUTCOMES if bucket.get(o)}
        quality(source).mentions.append(MentionOutcomes(entity_type, ordered))


def warnings(source: SourceQuality) -> list[str]:
    """What an operator must see at once about the source."""
    out = []
    total = source.address_total
    if total and source.unresolved_addresses / total >= ADDRESS_WARNING_SHARE:
        parts = ", ".join(
            f"{source.addresses[o]:,} {o}" for o in UNRESOLVED_ADDRESSES if source.addresses.get(o)
        )
        out.append(
            f"{source.unresolved_addresses / total:.0%} of its addresses ({source.unresolved_addresses:,} of "
            f"{total:,}) reach no standard building: {parts}"
        )
    for name, share in source.invalid_identifiers.items():
        if share.of and share.ratio >= INVALID_IDENTIFIER_WARNING_SHARE:
            kind = source.identifier_kinds.get(name, name)
            out.append(
                f"{share.ratio:.0%} of its {kind} values in {name} ({share.count:,} of {share.of:,}) are invalid"
            )
    mentions = source.mention_total()
    review = source.mention_total(REVIEW)
    if mentions and review / mentions >= MENTION_REVIEW_WARNING_SHARE:
        out.append(f"{review / mentions:.0%} of its mentions ({review:,} of {mentions:,}) wait for a steward")
    return out
