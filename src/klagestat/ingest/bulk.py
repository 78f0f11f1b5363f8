"""What a bulk import needs from Python itself."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a large file is imported.

    An import allocates millions of small lists, tuples and strings, none of them in a reference
    cycle; reference counting frees them all. The collector would only walk every surviving one
    again and again: a fifth of a million-row register import went to it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
