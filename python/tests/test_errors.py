"""Bad input raises ValueError (TypeError for an unknown constructor argument, as in Python)
with a message that names the problem; km's own checks pass their message through unchanged."""

import numpy as np
import pytest
import sklearn

import km
from km import _core
from conftest import blobs

X = blobs(20, 3, 2)


@pytest.mark.parametrize("bad, message", [(np.nan, "Input X contains NaN"),
                                          (np.inf, "Input X contains infinity")])
def test_nan_or_infinity_in_X(bad, message):
    Y = X.copy()
    Y[3, 1] = bad
    with pytest.raises(ValueError, match=message):
        km.KMeans(2).fit(Y)
    model = km.KMeans(2).fit(X)
    for method in (model.predict, model.transform, model.score):
        with pytest.raises(ValueError, match=message):
            method(Y)


def test_kms_own_check_when_sklearn_assumes_finite():
    Y = X.copy()
    Y[3, 1] = np.nan
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match=r"^km: points: row 3, column 1 is nan: every value"):
            km.KMeans(2).fit(Y)


@pytest.mark.parametrize("shape", [(20,), (2, 5, 2), (0, 3), (20, 0)])
def test_wrong_shapes(shape):
    with pytest.raises(ValueError, match="array"):
        km.KMeans(2).fit(np.ones(shape))


def test_wrong_number_of_features_after_fit():
    model = km.KMeans(2).fit(X)
    with pytest.raises(ValueError, match="X has 4 features, but KMeans is expecting 3"):
        model.predict(np.ones((5, 4)))


def test_more_clusters_than_samples():
    with pytest.raises(ValueError, match=r"n_samples=20 should be >= n_clusters=21"):
        km.KMeans(21).fit(X)


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.ones(19), r"sample_weight.shape == \(19,\), expected \(20,\)"),
        (np.ones((20, 1)), "Sample weights must be 1D array or scalar"),
        (np.r_[np.ones(19), np.nan], "Input sample_weight contains NaN"),
        (np.r_[np.ones(19), -1.0], r"^km: weights: entry 19 is -1"),
        (np.zeros(20), r"^km: weights: every weight is 0"),
        (np.r_[np.ones(2), np.zeros(18)], r"^km: k = 3 is more than the 2"),
    ],
)
def test_bad_sample_weight(weights, message):
    with pytest.raises(ValueError, match=message):
        km.KMeans(3).fit(X, sample_weight=weights)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"n_clusters": 0}, "n_clusters = 0 must be an integer >= 1"),
        ({"n_clusters": 2.5}, "n_clusters = 2.5 must be an integer"),
        ({"init": "kmeans++"}, "init = 'kmeans\\+\\+' must be an array of initial centres or one"),
        ({"init": np.ones((3, 3))}, r"init has shape \(3, 3\), but must be"),
        ({"init": lambda X, k, state: X[:k]}, "callables are not supported"),
        ({"n_init": 0}, "n_init = 0 must be 'auto' or an integer|n_init = 0 must be an integer"),
        ({"n_init": "all"}, "n_init = 'all' must be 'auto' or an integer >= 1"),
        ({"max_iter": 0}, "max_iter = 0 must be an integer >= 1"),
        ({"tol": -1.0}, "tol = -1.0 must be a finite number >= 0"),
        ({"tol": np.nan}, "tol = nan must be a finite number >= 0"),
        ({"random_state": -1}, r"random_state = -1 must be in \[0, 2\*\*64\)"),
        ({"random_state": "seven"}, "random_state = 'seven' must be None, an int"),
        ({"algorithm": "full"}, "algorithm = 'full' must be one of 'auto', 'lloyd', 'naive'"),
        ({"n_threads": 0}, "n_threads = 0 must be an integer >= 1"),
    ],
)
def test_bad_parameter_values(parameters, message):
    with pytest.raises(ValueError, match=message):
        km.KMeans(**{"n_clusters": 2, **parameters}).fit(X)


def test_unknown_parameters():
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_job'"):
        km.KMeans(n_job=2)
    with pytest.raises(ValueError, match="Invalid parameter 'n_job' for estimator KMeans"):
        km.KMeans().set_params(n_job=2)


def test_initial_centres_with_nan():
    init = X[:2].copy()
    init[1, 2] = np.nan
    with pytest.raises(ValueError, match="Input init contains NaN"):
        km.KMeans(2, init=init).fit(X)


def test_core_refuses_what_it_would_have_to_copy():
    # The Python layer converts; the C++ layer only reads in place, and says so otherwise.
    arguments = dict(algorithm="automatic", k=2, init="k-means++", seed=0, n_init=1,
                     max_iterations=10, tolerance=0.0, threads=1, sample_weight=None,
                     initial_centres=None)
    with pytest.raises(ValueError, match="km: X must be C-contiguous"):
        _core.fit(np.asfortranarray(X), **arguments)
    with pytest.raises(TypeError, match="km: X must be float32 or float64, got int64"):
        _core.fit(X.astype(np.int64), **arguments)
    with pytest.raises(TypeError, match="km: sample_weight must have dtype float64 like X"):
        _core.fit(X, **{**arguments, "sample_weight": np.ones(20, dtype=np.float32)})
    with pytest.raises(ValueError, match="km: algorithm = 'fast' is not one of naive, vectorised"):
        _core.fit(X, **{**arguments, "algorithm": "fast"})
