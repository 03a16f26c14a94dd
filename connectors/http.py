"""HTTP connector: a JSON API read page by page (numbered pages or cursors), with an auth header
from the environment, retries with exponential backoff (honouring Retry-After) and a rate limit.

A request that still fails after its retries, a refused token, or a response that is not the
declared JSON shape stops the sync with `SourceUnavailable` naming the URL (never the token).
A record that is not a JSON object is handed on as an ``__invalid__`` row for quarantine.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Generator, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import structlog

from connectors.errors import SourceUnavailable
from connectors.secrets import redact_url
from connectors.specs import CursorPagination, HttpSpec, PagePagination
from connectors.throttle import TokenBucket, backoff_delay, retry_after_seconds
from connectors.values import PathMissing, dig, expand_env, later

if TYPE_CHECKING:
    import httpx

log = structlog.get_logger(__name__)
Params = dict[str, Any]
Page = tuple[str, list[Any]]  # (where it came from, e.g. "page 3", its records)
# Worth another try: the server is busy, restarting, or asks to slow down. 5xx are added below.
_TRANSIENT = {408, 425, 429}


class HttpConnector:
    def __init__(self, source: str, spec: HttpSpec, cursor_column: str | None = None) -> None:
        self.source = source
        self.spec = spec
        self.cursor_column = cursor_column
        # Largest cursor-column value yielded (APIs do not all return rows in cursor order).
        self.cursor: Any = None
        self.location = redact_url(spec.url)
        self._bucket = TokenBucket(spec.rate_limit_per_s)

    def rows(self, since: Any = None) -> Generator[dict[str, Any]]:
        """Every record of every page. With ``since`` and a ``since_param``, the API is asked for
        newer rows only; rows at or before ``since`` that it returns anyway are dropped here."""
        try:
            url = expand_env(self.spec.url)
        except KeyError as exc:
            raise self._unavailable(f"environment variable {exc} (in connector.url) is not set") from None
        self.location = redact_url(url)
        headers = {**self.spec.headers, **self._auth_header()}
        # Imported here: every `gridhub` command loads the connectors, few read an HTTP source,
        # and httpx (with ssl) adds 0.07 s to each start.
        import httpx

        origin = httpx.URL(url).netloc

        def keep_secrets_home(request: httpx.Request) -> None:
            # httpx drops Authorization on a redirect to another origin, but not a custom
            # header (X-API-Key…): a token must never be sent to a host it was not given for.
            if request.url.netloc != origin:
                request.headers.pop(self.spec.auth_header, None)

        with httpx.Client(
            headers=headers,
            timeout=self.spec.timeout_s,
            follow_redirects=True,
            event_hooks={"request": [keep_secrets_home]},
        ) as client:
            for where, records in self._pages(client, url, since):
                for index, record in enumerate(records):
                    if not isinstance(record, dict):
                        yield {"__invalid__": f"{where}, record {index}: not an object", "__value__": record}
                    elif self._after(record, since):
                        if self.cursor_column is not None:
                            self.cursor = later(self.cursor, record.get(self.cursor_column))
                        yield record

    def _unavailable(self, reason: str) -> SourceUnavailable:
        return SourceUnavailable(self.source, self.location, reason)

    def _auth_header(self) -> dict[str, str]:
        if self.spec.auth_env is None:
            return {}
        token = os.environ.get(self.spec.auth_env)
        if not token:
            raise self._unavailable(f"environment variable {self.spec.auth_env} (auth_env) is not set")
        return {self.spec.auth_header: self.spec.auth_prefix + token}

    def _pages(self, client: httpx.Client, url: str, since: Any) -> Iterator[Page]:
        spec, paging = self.spec, self.spec.pagination
        base: Params = dict(spec.params)
        if since is not None and spec.since_param:
            base[spec.since_param] = since.isoformat() if isinstance(since, date) else since
        if paging is None:
            yield "response", self._records(self._fetch(client, url, base, "response"), "response")
        elif isinstance(paging, PagePagination):
            sized = {paging.size_param: paging.size} if paging.size_param else {}
            # Until an empty page: a short page is not the end, since servers may cap the size.
            for number in itertools.count(paging.start):
                where = f"page {number}"
                body = self._fetch(client, url, {**base, **sized, paging.page_param: number}, where)
                records = self._records(body, where)
                if not records:
                    return
                yield where, records
        else:
            yield from self._cursor_pages(client, url, base, paging)

    def _cursor_pages(
        self, client: httpx.Client, url: str, base: Params, paging: CursorPagination
    ) -> Iterator[Page]:
        sized = {paging.size_param: paging.size} if paging.size_param else {}
        cursor: Any = None
        seen: set[str] = set()
        for number in itertools.count(1):
            where = f"page {number}" + (f" (cursor {cursor})" if cursor is not None else "")
            params = {**base, **sized, **({paging.cursor_param: cursor} if cursor is not None else {})}
            body = self._fetch(client, url, params, where)
            yield where, self._records(body, where)
            try:
                cursor = dig(body, paging.next_cursor_path)
            except PathMissing:
                return
            if cursor is None or cursor == "":
                return
            if str(cursor) in seen:  # the server would send us round in circles
                raise self._unavailable(f"{where}: next cursor {cursor!r} was already read")
            seen.add(str(cursor))

    def _fetch(self, client: httpx.Client, url: str, params: Params, where: str) -> Any:
        import httpx  # loaded already by rows(); see there

        spec = self.spec
        for attempt in itertools.count():
            self._bucket.acquire()
            wait: float | None = None
            try:
                if spec.method == "GET":
                    response = client.get(url, params=params)
                else:
                    response = client.post(url, json=params)
            except httpx.TransportError as exc:  # refused, unreachable, timed out, broken off
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return self._json(response, where)
                problem = self._refusal(response, where)
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > spec.max_backoff_s:
                    raise self._unavailable(
                        f"{where}: {problem}, Retry-After {wait:.0f} s is more than max_backoff_s"
                    )
            if attempt >= spec.max_retries:
                raise self._unavailable(f"{where}: {problem} (gave up after {attempt + 1} attempts)")
            delay = wait if wait is not None else backoff_delay(attempt, spec.backoff_s, spec.max_backoff_s)
            log.warning(
                "http retry",
                source=self.source,
                url=self.location,
                where=where,
                problem=problem,
                attempt=attempt + 1,
                wait_s=round(delay, 3),
            )
            time.sleep(delay)
        raise AssertionError("unreachable")  # itertools.count never ends

    def _refusal(self, response: httpx.Response, where: str) -> str:
        """The problem for a retryable status; raises for a status no retry would change."""
        status = response.status_code
        if status in (401, 403):
            hint = (
                f"check the token in ${self.spec.auth_env}" if self.spec.auth_env else "no auth_env declared"
            )
            raise self._unavailable(f"{where}: authentication failed (HTTP {status}; {hint})")
        if status not in _TRANSIENT and status < 500:
            raise self._unavailable(f"{where}: HTTP {status} {response.reason_phrase}: {_snippet(response)}")
        return f"HTTP {status} {response.reason_phrase}"

    def _json(self, response: httpx.Response, where: str) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise self._unavailable(f"{where}: response is not JSON ({kind}): {_snippet(response)}") from None

    def _records(self, body: Any, where: str) -> list[Any]:
        path = self.spec.records_path
        records = body
        if path is not None:
            try:
                records = dig(body, path)
            except PathMissing as exc:
                raise self._unavailable(
                    f"{where}: records_path {path!r}: no key {exc} in the response"
                ) from None
        if records is None:
            return []
        if not isinstance(records, list):
            what = f"records_path {path!r}" if path else "the response (set records_path)"
            raise self._unavailable(f"{where}: {what} is a {type(records).__name__}, not an array")
        return records

    def _after(self, record: dict[str, Any], since: Any) -> bool:
        if since is None or self.cursor_column is None:
            return True
        value = record.get(self.cursor_column)
        # Compare like with like only; an API's "since" may be inclusive (>=), ours is not.
        comparable = type(value) is type(since) or (
            isinstance(value, int | float) and isinstance(since, int | float)
        )
        try:
            return not comparable or bool(value > since)
        except TypeError:
            return True


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:limit] + ("…" if len(text) > limit else "")
