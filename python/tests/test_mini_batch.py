"""km.MiniBatchKMeans: reproducible on every thread count, the same bits as km's C++ example
program cluster_csv (when the build tree has it), close to Lloyd's result, and its labels those of
an exact assignment to its centres."""

import numpy as np
import pytest

import km
from conftest import blobs, cluster_csv, sklearn_set


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_bits_on_every_thread_count(dtype, weighted):
    X = blobs(20_000, 6, 15, dtype=dtype)
    weights = np.random.RandomState(2).uniform(0.5, 2.0, len(X)) if weighted else None
    fits = [
        km.MiniBatchKMeans(15, batch_size=512, random_state=4, n_threads=threads).fit(
            X, sample_weight=weights)
        for threads in (1, 2, 3)
    ]
    for fit in fits[1:]:
        assert fit.cluster_centers_.tobytes() == fits[0].cluster_centers_.tobytes()
        np.testing.assert_array_equal(fit.labels_, fits[0].labels_)
        assert fit.inertia_ == fits[0].inertia_
        assert fit.n_steps_ == fits[0].n_steps_


@pytest.mark.parametrize(
    "name, k, batch_size, max_iter, seed",
    [("iris", 3, 32, 100, 0), ("digits", 10, 256, 100, 7), ("digits", 10, 100, 3, 8),
     ("wine", 3, 64, 100, 12)],
)
def test_same_bits_as_the_cpp_program(tmp_path, name, k, batch_size, max_iter, seed):
    X, _ = sklearn_set(name)
    X = X + np.random.RandomState(seed).normal(scale=1e-3, size=X.shape)  # not only short decimals
    # The cap on steps that max_iter means (km.MiniBatchKMeans's docstring).
    max_steps = max(1, max_iter * len(X) // batch_size)
    labels, centres, inertia, steps, converged = cluster_csv(
        tmp_path, X, k, "--mini-batch", batch_size, "--max-steps", max_steps, "--seed", seed)
    # cluster_csv: k-means++, max_no_improvement 10, tolerance 0, init_size chosen by km.
    model = km.MiniBatchKMeans(k, batch_size=batch_size, max_iter=max_iter, random_state=seed)
    model.fit(X)
    np.testing.assert_array_equal(model.labels_, labels)
    assert model.cluster_centers_.tobytes() == centres.tobytes()
    assert np.float64(model.inertia_).tobytes() == np.float64(inertia).tobytes()
    assert model.n_steps_ == steps
    assert model.converged_ == converged


def test_close_to_lloyd_and_labels_exact():
    X, _ = sklearn_set("digits")
    mini = km.MiniBatchKMeans(10, batch_size=256, random_state=0).fit(X)
    full = km.KMeans(10, random_state=0).fit(X)
    assert mini.inertia_ < 1.05 * full.inertia_
    np.testing.assert_array_equal(mini.predict(X), mini.labels_)
    assert mini.score(X) == pytest.approx(-mini.inertia_, rel=1e-12)


def test_steps_follow_max_iter_batch_size_and_tol():
    X = blobs(10_000, 3, 5)
    capped = km.MiniBatchKMeans(5, max_iter=2, batch_size=1000, max_no_improvement=None,
                                random_state=0).fit(X)
    assert (capped.n_steps_, capped.n_iter_, capped.converged_) == (20, 2, False)
    early = km.MiniBatchKMeans(5, max_iter=50, batch_size=1000, tol=1e-3, random_state=0).fit(X)
    assert early.n_steps_ < 500 and early.converged_


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"batch_size": 0}, "batch_size = 0 must be an integer >= 1"),
        ({"max_no_improvement": -1}, "max_no_improvement = -1 must be an integer >= 0"),
        ({"init_size": 0}, "init_size = 0 must be an integer >= 1"),
        ({"n_clusters": 41}, r"n_samples=40 should be >= n_clusters=41"),
    ],
)
def test_bad_parameters(parameters, message):
    with pytest.raises(ValueError, match=message):
        km.MiniBatchKMeans(**{"n_clusters": 2, **parameters}).fit(blobs(40, 2, 2))
