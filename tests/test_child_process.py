"""ingest.child_process: a forked child produces, this process receives; errors and deaths in the
child arrive here as exceptions, and a consumer that stops early stops the child."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from klagestat.domain.problems import InputError, Problem
from klagestat.ingest.child_process import can_fork, in_child_process

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
        raise InputError([Problem("register.csv", "Et anførselstegn lukkes aldrig.", 70001, None, code="csv-quote-unclosed")],
                         headline="Filen kan ikke læses:")

    received = []
    with pytest.raises(InputError) as caught:
        for item in in_child_process(produce):
            received.append(item)
    assert received == [b"first chunk"]
    assert caught.value.problems == [Problem("register.csv", "Et anførselstegn lukkes aldrig.", 70001, None, code="csv-quote-unclosed")]
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


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to collect it."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


CHILD_THAT_WORKS_FOREVER = """
import os, sys, time
from klagestat.ingest.child_process import in_child_process

def produce():
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(3600)  # checking a huge chunk, sending nothing
    yield b""

list(in_child_process(produce))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_the_child_dies_when_its_parent_is_killed(tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", CHILD_THAT_WORKS_FOREVER, str(pid_file)])
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists():
            assert parent.poll() is None and time.monotonic() < deadline, "the child never started"
            time.sleep(0.02)
        child = int(pid_file.read_text())
        assert _alive(child)
        parent.kill()  # kill -9: no finally, no cleanup in the parent
        parent.wait()
        deadline = time.monotonic() + 30
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the reader lives on after its parent was killed"
    finally:
        parent.kill()
