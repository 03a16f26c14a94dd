"""Feature-column naming: which mention features a spec reads."""

from __future__ import annotations

from resolvers.linking import legal_entity_spec
from resolvers.linking.feature_columns import DERIVED_MARK, derived_key, feature_key, feature_keys


def test_spec_columns_name_their_features() -> None:
    assert feature_key("name") == "name"
    assert feature_key("legal_rep_id") == "REPRESENTS.identity_number"
    assert derived_key("name_pinyin") == "~name_pinyin"
    keys = feature_keys(legal_entity_spec())
    assert "REPRESENTS.identity_number" in keys
    assert "~name_core" in keys
    assert "~name_tokens" not in keys  # token lists are derived again, not stored
    assert keys[-1] == DERIVED_MARK
