"""Exceptions shared by macslint modules (kept tiny so any module can import it)."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """Invalid configuration (pyproject.toml ``[tool.macslint]`` or command-line flags).

    The message is complete and meant for the user as is: it names the source
    (file path or "command line"), the key, the offending value, what is wrong
    and what to do.
    """
