"""Ctrl-C stops a long fit promptly: the fit checks for signals after its assignment passes (KMeans)
or its steps (MiniBatchKMeans)."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import km


def interrupted_within(model, X, seconds):
    """Sends SIGINT after 0.5 s of model.fit(X); asserts KeyboardInterrupt within `seconds` more."""
    interrupt = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    interrupt.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X)
    finally:
        interrupt.cancel()
    assert time.perf_counter() - start < 0.5 + seconds
    assert not hasattr(model, "cluster_centers_")


def test_ctrl_c_stops_a_long_fit_and_the_next_fit_runs():
    # Uniform points have no clusters to settle into: Lloyd takes hundreds of passes of 10-50 ms
    # each with the naive strategy, a fit of many seconds.
    X = np.random.RandomState(0).uniform(size=(100_000, 16))
    model = km.KMeans(64, init="first", max_iter=1000, tol=0, algorithm="naive", n_threads=1)
    # One pass takes about 30 ms here, the signal check every 50 ms: well under a second.
    interrupted_within(model, X, 1.0)
    small = km.KMeans(3, random_state=0).fit(X[:1000])
    assert np.bincount(small.labels_).sum() == 1000


def test_ctrl_c_stops_a_long_mini_batch_fit():
    # About 97,000 steps of a quarter of a millisecond each, with no early stopping: half a minute.
    X = np.random.RandomState(0).uniform(size=(100_000, 16))
    model = km.MiniBatchKMeans(64, init="first", max_iter=1000, batch_size=1024, tol=0,
                               max_no_improvement=None, n_threads=1)
    # The signal check comes every 50 ms, then one pass over all points labels them.
    interrupted_within(model, X, 1.0)
    small = km.MiniBatchKMeans(3, random_state=0).fit(X[:1000])
    assert np.bincount(small.labels_).sum() == 1000
