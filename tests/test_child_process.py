"""ingest.child_process: a forked child produces, this process receives; errors and deaths in the
child arrive here as exceptions, and a consumer that stops early stops the child."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from klagestat.ingest.child_process import can_fork, in_child_process
from klagestat.ingest.problems import InputError, Problem

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")


def test_items_arrive_in_order_and_the_child_is_gone():
    items = list(in_child_process(lambda: (f"{i}".encode() * 1000 for i in range(300))))
    assert items == [f"{i}".encode() * 1000 for i in range(300)]
    assert multiprocessing.active_children() == []


def test_the_child_has_its_own_copy_of_this_process():
    seen = []

    def produce():
        seen.append("in the child")  # appended to the child's copy of the list
        yield str(len(seen)).encode()

    assert list(in_child_process(produce)) == [b"1"]
    assert seen == []


def test_an_input_error_in_the_child_is_raised_here_with_its_problems():
    def produce():
        yield b"first chunk"
        raise InputError([Problem("register.csv", "Et anførselstegn lukkes aldrig.", 70001, None)],
                         headline="Filen kan ikke læses:")

    received = []
    with pytest.raises(InputError) as caught:
        for item in in_child_process(produce):
            received.append(item)
    assert received == [b"first chunk"]
    assert caught.value.problems == [Problem("register.csv", "Et anførselstegn lukkes aldrig.", 70001, None)]
    assert str(caught.value).startswith("Filen kan ikke læses:")


class _TwoArguments(Exception):
    def __init__(self, what, count):
        super().__init__(f"{what} ({count})")


def test_an_error_that_cannot_be_pickled_arrives_with_its_traceback():
    def produce():
        raise _TwoArguments("noget gik galt", 3)
        yield b""  # a generator

    with pytest.raises(RuntimeError, match=r"(?s)_TwoArguments.*noget gik galt \(3\)"):
        list(in_child_process(produce))


def test_a_child_that_dies_is_reported_in_danish():
    def produce():
        yield b"a"
        os.kill(os.getpid(), signal.SIGKILL)
        yield b"never"

    with pytest.raises(RuntimeError, match="sluttede med kode -9"):
        list(in_child_process(produce))


def test_a_consumer_that_stops_early_stops_the_child():
    def produce():
        while True:
            yield b"x" * 100_000

    items = in_child_process(produce)
    assert next(items) == b"x" * 100_000
    assert len(multiprocessing.active_children()) == 1
    items.close()
    assert multiprocessing.active_children() == []
