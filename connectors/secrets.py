"""Secrets kept out of messages: a URL's password and the values of query parameters that carry
tokens are masked wherever a URL is shown (errors, logs, run reports, the store's name)."""

from __future__ import annotations

import re

# user:password@ — the password may itself hold an un-encoded @, so it runs to the last @ before
# the path (a password is masked whole, never half).
_PASSWORD = re.compile(r"(://[^:/@?#]*:)[^/?#]*@")
# Query parameters whose value is a credential, by the names APIs give them.
_SECRET_PARAM = re.compile(
    r"([?&;](?:access_?token|refresh_?token|id_?token|token|api_?key|apikey|key|secret|client_?secret"
    r"|password|passwd|pwd|sig|signature|auth|authorization|session|sessionid|ticket|code)=)[^&#;]*",
    re.IGNORECASE,
)
MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with its password and token-bearing query values masked (it need not parse)."""
    return _SECRET_PARAM.sub(rf"\g<1>{MASK}", _PASSWORD.sub(rf"\g<1>{MASK}@", url))
