"""Which sources are flagged, and that the flag is the first thing an operator reads."""

from __future__ import annotations

from rich.console import Console

from hub.quality import print_quality, render_html
from hub.quality.report import (
    ADDRESS_WARNING_SHARE,
    MentionOutcomes,
    QualityReport,
    Share,
    SourceQuality,
    warnings,
)


def _source(name: str, addresses: dict[str, int], invalid: Share | None = None) -> SourceQuality:
    source = SourceQuality(name, run_id="r1", rows_written=sum(addresses.values()), addresses=addresses)
    source.mentions = [MentionOutcomes("Person", {"identifier": 8, "new": 2})]
    if invalid is not None:
        source.invalid_identifiers = {"self.identity_number": invalid}
        source.identifier_kinds = {"self.identity_number": "Person.identity_number"}
    source.warnings = warnings(source)
    return source


def test_addresses_that_all_go_to_review_flag_the_source() -> None:
    assert warnings(_source("a", {"ambiguous": 30})) == [
        "100% of its addresses (30 of 30) reach no standard building: 30 ambiguous"
    ]
    assert not warnings(_source("b", {"room": 29, "ambiguous": 1}))
    # At the threshold, flagged; just below it, not.
    assert warnings(_source("c", {"room": 50, "unknown": 50}))  # at the threshold (one half)
    assert ADDRESS_WARNING_SHARE == 0.5
    assert not warnings(_source("d", {"room": 51, "unknown": 49}))


def test_mostly_invalid_identifiers_flag_the_source() -> None:
    (warning,) = warnings(_source("a", {"room": 10}, Share(6, 10)))
    assert warning == "60% of its Person.identity_number values in self.identity_number (6 of 10) are invalid"
    assert not warnings(_source("b", {"room": 10}, Share(4, 10)))


def test_the_warning_comes_before_the_tables_and_tops_the_page() -> None:
    report = QualityReport([_source("fine", {"room": 10}), _source("broken", {"ambiguous": 10})])
    console = Console(record=True, width=200)
    print_quality(console, report)
    text = console.export_text()
    assert text.startswith("⚠ broken: 100% of its addresses")
    assert "fine:" not in text
    page = render_html(report)
    assert page.index("<b>broken</b>: 100% of its addresses") < page.index("Overview")
