"""The two threads that let reading, transforming and storing a file overlap (Sentry and log loads).

`prefetched` reads the next batch (file I/O, gunzip, numpy) while the caller transforms the current one
in its scratch DuckDB; `one_writer` stores the previous batch in the warehouse meanwhile. DuckDB and
numpy release the GIL, so on 2 cores the three stages really run side by side. Only the writer touches
the warehouse connection and the load's counts, one batch in flight, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager


@contextmanager
def one_writer(name: str) -> Iterator[Callable[..., None]]:
    """Yields `submit(fn, *args)`: runs `fn(*args)` on one writer thread, after the previous call has
    finished (whose error, if any, is raised here, in the caller). Leaving the block waits for the last
    call and raises its error; leaving it by an exception waits for the writer too, so the caller's
    rollback never races a write."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        pending: list[Future] = []

        def submit(fn: Callable[..., None], *args) -> None:
            if pending:
                pending.pop().result()
            pending.append(pool.submit(fn, *args))

        yield submit
        if pending:
            pending.pop().result()


def prefetched(items: Iterator, depth: int = 1) -> Iterator:
    """Iterate `items` in a background thread, `depth` items ahead: the reader decodes the next batch
    (file I/O, gunzip, numpy) while DuckDB works on the current one (native, GIL released). Exceptions
    of the producer are raised in the consumer, in order; a consumer that stops early stops the producer."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                out.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((done, exc))
            return
        put((done, None))

    thread = threading.Thread(target=produce, name="hindsight-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = out.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join()  # the producer checks `stop` between items and while waiting to put
