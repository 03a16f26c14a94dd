"""A mention snapshot that cannot be built is logged without the value that stopped it."""

from __future__ import annotations

import numpy as np
from structlog.testing import capture_logs

from hub.resolution.snapshot import to_table
from hub.state.mentions import MentionColumns

NAME = "张伟"


def _objects(*values: object) -> np.ndarray[tuple[int], np.dtype[np.object_]]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def test_mixed_feature_types_are_logged_by_feature_not_by_value() -> None:
    # One source gave a number where the others gave text: Arrow quotes the text it cannot convert.
    mentions = MentionColumns(
        ids=_objects("a\x1fR1\x1fself", "b\x1fR2\x1fself"),
        entity_ids=_objects("p-1", "p-2"),
        run_ids=_objects("run1", "run1"),
        trust=np.array([50, 50], dtype=np.int64),
        features={"name": _objects(7, NAME)},
        present={"name": 2},
    )
    with capture_logs() as logs:
        assert to_table(mentions) is None
    assert NAME not in repr(logs)
    (event,) = [e for e in logs if e["event"] == "mentions not snapshotted"]
    assert event["feature"] == "name"
