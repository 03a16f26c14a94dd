"""The root of the hub's exceptions; the CLI and API translate these to messages in one place."""

from __future__ import annotations


class HubError(Exception):
    """Something the operator must act on; the message says what and where."""


class ConfigError(HubError):
    """A setting or configuration file is invalid; names the setting or file."""
