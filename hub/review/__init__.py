"""Data stewards' decisions and the review queue they close: judgements about pairs of mentions
(judging.py), chosen golden values (choosing.py), buildings picked for addresses (addresses.py),
quarantined rows fixed and replayed (quarantine.py), bulk decisions (bulk.py), revocation
(revoking.py)."""

from hub.review.judging import Outcome, decide_item, judge

__all__ = ["Outcome", "decide_item", "judge"]
