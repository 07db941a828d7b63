"""Same data, same parameters: the same bits, whatever the algorithm and the thread count, and
the same bits as km's C++ example program cluster_csv (when the build tree has it)."""

import numpy as np
import pytest

import km
from conftest import blobs, cluster_csv, sklearn_set

ALGORITHMS = km.strategies + ("auto",)


def fingerprint(model):
    """Everything a fit returns, as bytes: equal fingerprints are equal bits."""
    return (
        model.labels_.tobytes(),
        model.cluster_centers_.tobytes(),
        np.float64(model.inertia_).tobytes(),
        model.n_iter_,
        model.cluster_centers_.dtype,
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("init", km.init_methods)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_algorithm_and_thread_count_gives_the_same_bits(dtype, init, weighted):
    X = blobs(3000, 5, 12, dtype=dtype)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(X)) if weighted else None
    reference = None
    for algorithm in ALGORITHMS:
        for threads in (1, 2, 3):
            model = km.KMeans(
                9, init=init, n_init=2, tol=0, random_state=11, algorithm=algorithm,
                n_threads=threads,
            ).fit(X, sample_weight=weights)
            got = fingerprint(model) + (
                model.predict(X).tobytes(), model.transform(X[:100]).tobytes(),
            )
            if reference is None:
                reference = got
            assert got == reference, f"algorithm={algorithm}, n_threads={threads}"


def test_predict_equals_labels_and_score_the_inertia():
    X, _ = sklearn_set("digits")
    model = km.KMeans(10, random_state=3).fit(X)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    assert model.score(X) == pytest.approx(-model.inertia_, rel=1e-12)
    distances = model.transform(X)
    np.testing.assert_array_equal(distances.argmin(axis=1), model.labels_)


def test_seed_is_kms_seed_and_none_follows_numpys_global_state():
    X = blobs(500, 3, 6)
    same = [km.KMeans(6, init="random", random_state=5).fit(X).cluster_centers_ for _ in range(2)]
    np.testing.assert_array_equal(same[0], same[1])
    np.random.seed(3)
    first = km.KMeans(6, init="random").fit(X).cluster_centers_
    np.random.seed(3)
    again = km.KMeans(6, init="random").fit(X).cluster_centers_
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("algorithm", ["naive", "kd_tree", "automatic"])
@pytest.mark.parametrize("name, k, seed", [("iris", 3, 0), ("digits", 10, 7), ("wine", 3, 12)])
def test_same_bits_as_the_cpp_program(tmp_path, name, k, seed, algorithm):
    X, _ = sklearn_set(name)
    X = X + np.random.RandomState(seed).normal(scale=1e-3, size=X.shape)  # not only short decimals
    labels, centres, inertia, passes, converged = cluster_csv(
        tmp_path, X, k, algorithm, "--seed", seed, "--max-iterations", 300)
    # cluster_csv: k-means++, one run, tolerance 0, at most 300 assignment passes.
    model = km.KMeans(k, n_init=1, tol=0, max_iter=299, random_state=seed, algorithm=algorithm)
    model.fit(X)
    np.testing.assert_array_equal(model.labels_, labels)
    assert model.cluster_centers_.tobytes() == centres.tobytes()
    assert np.float64(model.inertia_).tobytes() == np.float64(inertia).tobytes()
    assert model.n_iter_ == min(passes, 299)
    assert model.converged_ == converged


def test_converged_says_whether_the_fit_stopped_before_max_iter():
    X, _ = sklearn_set("digits")
    full = km.KMeans(10, tol=0, random_state=1).fit(X)
    assert full.converged_ and 3 <= full.n_iter_ < 300
    # n_iter_ counts the pass that changed no label; one update less still reaches it.
    last_update = km.KMeans(10, tol=0, max_iter=full.n_iter_ - 1, random_state=1).fit(X)
    assert last_update.converged_
    capped = km.KMeans(10, tol=0, max_iter=full.n_iter_ - 2, random_state=1).fit(X)
    assert not capped.converged_ and capped.n_iter_ == full.n_iter_ - 2
