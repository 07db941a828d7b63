"""The GIL is released while C++ fits, predicts and transforms: another Python thread runs."""

import threading
import time

import km
from conftest import blobs


def test_another_thread_runs_during_a_long_fit():
    X = blobs(100_000, 16, 64)
    model = km.KMeans(64, init="first", max_iter=20, tol=0, algorithm="naive", n_threads=1)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        start = time.perf_counter()
        model.fit(X)
        end = time.perf_counter()
    finally:
        stop.set()
        counter.join()
    assert end - start > 0.3, "the fit was too short to show anything: make it longer"
    # Ticks in the middle of the fit: the thread ran while C++ worked. With the GIL held, the
    # counter would stall from the call into C++ until its return.
    middle = [t for t in ticks if start + 0.1 < t < end - 0.1]
    assert len(middle) > 0.5 * (end - start - 0.2) / 0.0015
