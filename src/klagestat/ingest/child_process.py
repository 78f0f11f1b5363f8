"""Reading a large file on the machine's other core while this process writes to the database.

A million-row register takes as long to read and check (Python) as to insert (SQLite), and the
two can't overlap in one process: the GIL lets only one run at a time. So a forked child reads
and checks, and sends each chunk back through a pipe as bytes; the parent, which holds the
database transaction, inserts one chunk while the child checks the next. The pipe is the only
thing the child uses: it never touches the parent's database connection, and it leaves with
os._exit (multiprocessing's way for a forked child), so nothing of the parent is closed or
flushed twice. And it dies with its parent: an import killed with kill -9 leaves no reader behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator

_DATA, _END, _ERROR = b"d", b"e", b"x"


def can_fork() -> bool:
    """Fork only where it is safe: a platform that has it, and a process with one thread. A
    threaded process (the web server) may hold locks in other threads that the child would
    inherit locked, so there the file is read in-process instead."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def in_child_process(produce: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """What `produce()` yields, produced in a forked child process.

    An exception in the child is raised here (re-created from its pickle). When the caller stops
    early, the child is stopped too.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # The child flushes the standard streams when it ends: anything buffered now would print twice.
    sys.stdout.flush()
    sys.stderr.flush()
    child = context.Process(target=_run, args=(produce, sender, receiver, os.getpid()), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv_bytes()
            except EOFError:
                child.join(5)
                raise RuntimeError("Indlæsningen stoppede uventet: processen, der læste filen, sluttede "
                                   f"med kode {child.exitcode}.") from None
            kind, payload = message[:1], message[1:]
            if kind == _DATA:
                yield payload
            elif kind == _END:
                return
            else:
                raise pickle.loads(payload)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _run(produce: Callable[[], Iterator[bytes]], sender, receiver, parent: int) -> None:
    _die_with(parent)
    receiver.close()
    try:
        for item in produce():
            sender.send_bytes(_DATA + item)
        sender.send_bytes(_END)
    except BaseException as error:  # noqa: BLE001 - every error goes to the parent, which raises it
        sender.send_bytes(_ERROR + _pickled(error))
    finally:
        sender.close()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies, however it dies. (Elsewhere a
    dead parent is noticed only when the pipe breaks, at the next chunk sent.)"""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _pickled(error: BaseException) -> bytes:
    try:
        data = pickle.dumps(error)
        pickle.loads(data)  # an exception whose constructor takes other arguments can't come back
        return data
    except Exception:  # noqa: BLE001
        return pickle.dumps(RuntimeError("".join(traceback.format_exception(error))))
