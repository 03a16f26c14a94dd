"""Domain priors for the district's presets: what the field knows better than EM on a new district.

Each bounds one comparison level (see :class:`~resolvers.linking.spec.LevelPrior`): an
identical identifier or registered name is strong evidence of a match whatever a district's
data look like, so EM may not make it weak (m low) or common among non-matches (u high).
The bounds are loose enough that the districts seen so far fit well inside them (Futian's demo:
m 0.95-0.98, u below 1e-4), so a bound that binds says the fit went wrong, not the district.
"""

from __future__ import annotations

from resolvers.linking.spec import LevelPrior

# Level 2 of `resident_id`: the same number. Two people never share a valid identity number,
# and most mentions of one person carry it intact (a slip is level 1).
SAME_IDENTITY_NUMBER = LevelPrior(
    level=2,
    m_min=0.5,
    u_max=1e-3,
    reason="an identical identity number: most matches share it, non-matches (almost) never",
)
# Level 2 of `social_credit_code`: the same code. Codes are unique per legal entity; matches
# without a code on one side compare at the missing level, so m stays lower than a person's.
SAME_CREDIT_CODE = LevelPrior(
    level=2,
    m_min=0.3,
    u_max=1e-3,
    reason="an identical unified social credit code: one per legal entity",
)
# The top level of `company_name`: the same full name. The registry refuses a second one.
SAME_COMPANY_NAME = LevelPrior(
    level="top",
    m_min=0.3,
    u_max=1e-2,
    reason="an identical full company name: the registry refuses a second one",
)
