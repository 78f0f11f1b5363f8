"""The public pages' memory: a bounded, thread-safe cache that builds each value once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future


class NotCached(Exception):
    """A page needs something that isn't computed yet: serve it from the threadpool instead."""


class Cache:
    """A bounded, thread-safe cache (least recently used goes first) that builds each value once:
    a thread asking for a value another is building waits for it, so 32 clients asking for one
    cold page cost one build, not 32. A build that fails is not kept; its waiters get its error."""

    def __init__(self, limit: int, weigh: Callable[[object], int] = lambda _: 1):
        self._limit = limit
        self._weigh = weigh
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._weight = 0
        self._building: dict[Hashable, Future] = {}

    def get(self, key: Hashable, build: Callable[[], object]):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
            waiting_for = self._building.get(key)
            if waiting_for is None:
                future: Future = Future()
                self._building[key] = future
        if waiting_for is not None:
            return waiting_for.result()
        try:
            value = build()
        except BaseException as error:
            with self._lock:
                del self._building[key]
            future.set_exception(error)
            raise
        with self._lock:
            del self._building[key]
            self._keep(key, value)
        future.set_result(value)
        return value

    def cached(self, key: Hashable):
        """The value if it is kept; NotCached (never a build, never a wait) if not."""
        with self._lock:
            if key not in self._values:
                raise NotCached()
            self._values.move_to_end(key)
            return self._values[key][0]

    def __len__(self) -> int:
        return len(self._values)

    def _keep(self, key: Hashable, value) -> None:
        weight = self._weigh(value)
        if weight > self._limit:
            return  # would push out everything else
        self._values[key] = (value, weight)
        self._weight += weight
        while self._weight > self._limit:
            _, (_, dropped) = self._values.popitem(last=False)
            self._weight -= dropped
