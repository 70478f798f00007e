"""Run a function on a thread with a large stack: libcst recurses once per nesting level."""

from __future__ import annotations

import sys
import threading

DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_RECURSION_LIMIT = 60_000
DEEP_THREAD = "macslint-deep"  # the name of the thread on_deep_stack runs on


def on_deep_stack(function, *args):
    """Run `function` in a thread with a large stack and recursion limit: libcst recurses once
    per nesting level, and valid code (a 500-branch elif chain) can go past the default."""
    outcome: dict = {}

    def target() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, DEEP_RECURSION_LIMIT))
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            outcome["error"] = exc
        finally:
            sys.setrecursionlimit(old)

    previous = threading.stack_size(DEEP_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name=DEEP_THREAD)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
