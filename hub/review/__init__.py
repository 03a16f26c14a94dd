"""Data stewards' decisions: judgements about pairs of mentions, and the review queue they close."""

from hub.review.judging import Outcome, decide_item, judge

__all__ = ["Outcome", "decide_item", "judge"]
