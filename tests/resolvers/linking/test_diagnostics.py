"""Fit diagnostics: the numbers of a known model, the warnings it deserves, the chart."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from resolvers.linking import FieldSpec, dedupe
from resolvers.linking.charts import models_html
from resolvers.linking.diagnostics import ModelDiagnostics, diagnose
from resolvers.linking.model import FieldModel, FitReport, FSModel
from resolvers.linking.spec import LevelPrior
from tests.resolvers.linking.factories import people, person_spec, with_key

IDENTITY = ("different numbers", "a slip", "same number")


def known_model(**fit: object) -> FSModel:
    report = {
        "iterations": 12,
        "converged": True,
        "candidate_pairs": 1_000,
        "candidate_match_share": 0.3,
        "random_pairs": 5_000,
        "level_pairs": ((600, 40, 300, 60), (500, 400, 100)),
        "bound_hits": (),
    }
    report.update(fit)
    return FSModel(
        "Person",
        1e-4,
        (
            FieldModel("identity_number", IDENTITY, (0.05, 0.05, 0.9), (0.98, 0.01, 0.01), (True,) * 3, 3),
            FieldModel(
                "phone", ("different", "similar", "same"), (0.2, 0.3, 0.5), (0.9, 0.09, 0.01), (True,) * 3, 3
            ),
        ),
        fit=FitReport(**report),  # type: ignore[arg-type]
    )


def test_a_sound_model_has_its_numbers_and_no_warnings() -> None:
    d = diagnose(known_model(), run_id="r1", fitted_at="2026-01-01T00:00:00+00:00")
    assert d.prior == 1e-4
    assert d.prior_weight == pytest.approx(math.log2(1e-4 / (1 - 1e-4)))
    identity = d.comparisons[0]
    assert [level.description for level in identity.levels] == list(IDENTITY)
    assert identity.levels[2].m == 0.9
    assert identity.levels[2].u == 0.01
    assert identity.levels[2].weight == pytest.approx(math.log2(90))
    assert identity.levels[0].weight == pytest.approx(math.log2(0.05 / 0.98))
    assert [level.pairs for level in identity.levels] == [600, 40, 300]
    assert identity.missing_pairs == 60
    assert (d.candidate_pairs, d.iterations, d.converged, d.run_id) == (1_000, 12, True, "r1")
    assert d.warnings == ()
    assert ModelDiagnostics.from_json(d.to_json()) == d


def test_implausible_parameters_are_warned_about() -> None:
    model = known_model(
        converged=False,
        candidate_match_share=0.99,
        level_pairs=((600, 0, 400, 0), (500, 400, 100), (10, 10, 0)),
        bound_hits=(("identity_number", 2, "m", 0.1, 0.5),),
    )
    bad = FieldModel("identity_number", IDENTITY, (0.6, 0.3, 0.1), (0.5, 1e-12, 0.5), (True,) * 3, 3)
    flat = FieldModel("room", ("different", "same"), (0.5, 0.5), (0.8, 0.2), (True, True))
    model = FSModel("Person", 0.2, (bad, model.fields[1], flat), fit=model.fit)
    warnings = "\n".join(diagnose(model).warnings)
    assert "identity_number: its top level (same number) has m 0.1 below u 0.5" in warnings
    assert "identity_number level 1 (a slip): u = 1e-12 is degenerate" in warnings
    assert "room: m is the same on every level" in warnings
    assert "identity_number: no candidate pair at level 1" in warnings
    assert "λ = 0.2 is implausible" in warnings
    assert "EM did not converge in 12 iterations" in warnings
    assert "EM takes 99.0% of the candidate pairs for matches" in warnings
    assert "identity_number level 2: the prior held m at 0.5 (the data alone said 0.1)" in warnings


def test_the_priors_bounds_are_shown_per_level() -> None:
    spec = person_spec()
    fields = tuple(
        f.model_copy(update={"priors": (LevelPrior(level="top", m_min=0.5, u_max=1e-3),)})
        if f.name == "identity_number"
        else f
        for f in spec.fields
    )
    bounded = spec.model_copy(update={"fields": fields})
    assert isinstance(bounded.fields[2], FieldSpec)
    result = dedupe(people(150), with_key(bounded))
    d = diagnose(result.model, bounded)
    identity = next(c for c in d.comparisons if c.name == "identity_number")
    assert identity.levels[2].bound == "m ≥ 0.5, u ≤ 0.001"
    assert identity.levels[2].m >= 0.5
    # Pairs per level were counted while fitting: they add up to the candidate pairs.
    assert (
        sum(level.pairs or 0 for level in identity.levels) + (identity.missing_pairs or 0)
        == d.candidate_pairs
    )


def test_the_html_page_is_self_contained_and_draws_every_comparison() -> None:
    d = diagnose(known_model(), run_id="r1")
    page = models_html([d])
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"(src|href)=", page)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2  # the match weights and the m/u probabilities
    for svg in svgs:
        ET.fromstring(svg)  # well-formed
    weights = svgs[0]
    for name in ("prior (λ as a weight)", "identity_number", "phone", "2: same number"):
        assert name in weights
    assert weights.count("<rect") == 1 + 3 + 3  # the prior, then one bar per level
    assert "+6.49" in weights  # log2(0.9 / 0.01)


def test_a_bound_that_holds_against_the_data_is_reported_by_the_fit() -> None:
    spec = person_spec()
    # Deliberately wrong: most matches do share their identity number, so the bound must hold.
    wrong = LevelPrior(level="top", m_max=0.2, reason="a test")
    fields = tuple(
        f.model_copy(update={"priors": (wrong,)}) if f.name == "identity_number" else f for f in spec.fields
    )
    bounded = spec.model_copy(update={"fields": fields})
    result = dedupe(people(150), bounded)
    assert result.model.field("identity_number").m[2] == pytest.approx(0.2)
    assert result.model.fit is not None
    hit = next(h for h in result.model.fit.bound_hits if h[0] == "identity_number")
    assert hit[1:3] == (2, "m")
    assert hit[3] > 0.2
    assert hit[4] == 0.2
    assert any("the prior held m at 0.2" in w for w in diagnose(result.model, bounded).warnings)
    # The report survives the model's JSON.
    assert FSModel.from_json(result.model.to_json()).fit == result.model.fit
