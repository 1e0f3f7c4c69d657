"""The overlap threads: prefetched reading and the one ordered writer."""

import threading
import time

import pytest

from models.sources.overlap import one_writer, prefetched


def test_prefetched_keeps_order_and_reraises_in_place():
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise ValueError("broken stream")

    seen = []
    with pytest.raises(ValueError, match="broken stream"):
        for item in prefetched(failing()):
            seen.append(item)  # noqa: PERF402 - the items before the error are what is checked
    assert seen == [1, 2]


def test_prefetched_consumer_stopping_early_stops_the_producer():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    for item in prefetched(endless()):
        if item == 3:
            break
    assert not any(t.name == "hindsight-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(produced) <= 6  # at most the queue depth (+ the item being put) ahead


def test_one_writer_runs_in_order_on_one_thread_and_raises_in_the_caller():
    done, threads = [], set()

    def write(n):
        time.sleep(0.01 if n % 2 else 0)
        threads.add(threading.current_thread().name)
        done.append(n)

    with one_writer("test-writer") as submit:
        for n in range(6):
            submit(write, n)
    assert done == list(range(6)) and len(threads) == 1 and threads.pop().startswith("test-writer")

    def broken(n):
        raise RuntimeError(f"disk full at {n}")

    with pytest.raises(RuntimeError, match="disk full at 0"), one_writer("test-writer") as submit:
        submit(broken, 0)
        submit(write, 99)  # the previous write's error surfaces here, before this one runs
    assert 99 not in done


def test_one_writer_lets_the_last_write_finish_when_the_caller_fails():
    finished = []

    def slow_write():
        time.sleep(0.2)
        finished.append(True)

    with pytest.raises(ValueError, match="transform failed"), one_writer("test-writer") as submit:
        submit(slow_write)
        raise ValueError("transform failed")
    assert finished == [True]  # the caller's rollback comes only after the write in flight
