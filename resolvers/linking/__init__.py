"""Probabilistic record linkage: blocking, Fellegi–Sunter scoring, constrained clustering.

The public front; the modules behind it are small and named after the step they implement.
"""

from resolvers.linking.blocking import BlockingDiagnostics, CandidatePairs, RuleDiagnostics
from resolvers.linking.engine import LinkResult, dedupe, link
from resolvers.linking.errors import InputError, LinkingError, SpecError
from resolvers.linking.explain import Explanation, FieldExplanation, explain_pair
from resolvers.linking.model import FieldModel, FSModel
from resolvers.linking.presets import febrl_spec, get_spec, legal_entity_spec, person_spec
from resolvers.linking.spec import (
    BlockingRule,
    DecisionRule,
    Derived,
    EMSettings,
    FieldSpec,
    KeyRule,
    LinkSpec,
    Thresholds,
)

__all__ = [
    "BlockingDiagnostics",
    "BlockingRule",
    "CandidatePairs",
    "DecisionRule",
    "Derived",
    "EMSettings",
    "Explanation",
    "FSModel",
    "FieldExplanation",
    "FieldModel",
    "FieldSpec",
    "InputError",
    "KeyRule",
    "LinkResult",
    "LinkSpec",
    "LinkingError",
    "RuleDiagnostics",
    "SpecError",
    "Thresholds",
    "dedupe",
    "explain_pair",
    "febrl_spec",
    "get_spec",
    "legal_entity_spec",
    "link",
    "person_spec",
]
