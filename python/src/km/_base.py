"""What km.KMeans and km.MiniBatchKMeans share: predict, transform, score, and the checks of
scikit-learn-style parameters."""

import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _core

# scikit-learn's names for Lloyd's algorithm; every km strategy computes it exactly.
_LLOYD_ALIASES = ("auto", "lloyd")


class _Clustering(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Predict, transform and score against ``cluster_centers_``, as km::kmeans does them."""

    # The strategy of predict (km.KMeans has an ``algorithm`` parameter).
    def _strategy(self):
        return "automatic"

    def fit_predict(self, X, y=None, sample_weight=None):
        """Compute the clustering and return each sample's cluster (``labels_``)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X, y=None, sample_weight=None):
        """Compute the clustering and return the distances of X to the centres."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X):
        """The index of the closest centre of each sample (ties to the lowest index), exactly as
        km's assignment decides it: ``predict(X)`` equals ``labels_`` on the training X."""
        X = self._check_test_data(X)
        return _core.predict(X, self.cluster_centers_, self._strategy(), _threads(self.n_threads))

    def transform(self, X):
        """Euclidean distances of each sample to each centre: (n_samples, n_clusters)."""
        X = self._check_test_data(X)
        return _core.transform(X, self.cluster_centers_, _threads(self.n_threads))

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the k-means objective of X: minus the (weighted) sum of squared distances
        of the samples to their closest centre."""
        X = self._check_test_data(X)
        labels = _core.predict(X, self.cluster_centers_, self._strategy(), _threads(self.n_threads))
        difference = X - self.cluster_centers_[labels]
        squares = np.einsum("ij,ij->i", difference, difference, dtype=np.float64)
        if sample_weight is not None:
            squares *= _check_sample_weight(sample_weight, X, dtype=np.float64)
        return -float(squares.sum())

    def _check_training_data(self, X, sample_weight):
        """X (read in place when C-contiguous float32 or float64), n_clusters and the weights."""
        X = self._validate_data(X, dtype=[np.float64, np.float32], order="C")
        n_clusters = _check_int(self.n_clusters, "n_clusters", 1)
        if X.shape[0] < n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        return X, n_clusters, sample_weight

    def _tolerance(self, X, tol):
        """scikit-learn's tolerance: tol times the mean of the per-feature variances of X."""
        if tol == 0:
            return 0.0  # spares a pass over X
        variance = _core.mean_variance(X)
        # Not finite: X is (km's check of the points then says where) or overflows.
        return tol * variance if tol > 0 and np.isfinite(variance) else 0.0

    def _check_test_data(self, X):
        check_is_fitted(self)
        # In the centres' dtype: km compares a point with a centre in one precision.
        return self._validate_data(X, dtype=self.cluster_centers_.dtype, order="C", reset=False)


def _check_int(value, name, least):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < least:
        raise ValueError(f"{name} = {value!r} must be an integer >= {least}")
    return int(value)


def _check_real(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value < np.inf:
        raise ValueError(f"{name} = {value!r} must be a finite number >= 0")
    return float(value)


def _check_init(init, X, n_clusters):
    """The init method's name, and the initial centres when init is an array (else None)."""
    if isinstance(init, str):
        if init not in _core.init_methods:
            raise ValueError(
                f"init = {init!r} must be an array of initial centres or one of "
                f"{', '.join(repr(name) for name in _core.init_methods)}"
            )
        return init, None
    if callable(init):
        raise ValueError("init: callables are not supported; pass an array of initial centres")
    centres = check_array(init, dtype=X.dtype, order="C", input_name="init")
    if centres.shape != (n_clusters, X.shape[1]):
        raise ValueError(
            f"init has shape {centres.shape}, but must be (n_clusters, n_features) = "
            f"{(n_clusters, X.shape[1])}"
        )
    return _core.init_methods[0], centres


def _n_init(n_init, init, given_centres):
    if isinstance(n_init, str):
        if n_init != "auto":
            raise ValueError(f"n_init = {n_init!r} must be 'auto' or an integer >= 1")
        return 10 if isinstance(init, str) and init == "random" else 1
    n_init = _check_int(n_init, "n_init", 1)
    if given_centres and n_init != 1:
        warnings.warn(
            f"Explicit initial center position passed: performing only one init in KMeans "
            f"instead of n_init={n_init}.",
            RuntimeWarning,
            stacklevel=3,
        )
        return 1
    return n_init


def _seed(random_state):
    """km's 64-bit seed: an int as it is, else drawn from a RandomState (None: NumPy's global)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**64:
            raise ValueError(f"random_state = {random_state} must be in [0, 2**64)")
        return int(random_state)
    if random_state is not None and not isinstance(random_state, np.random.RandomState):
        raise ValueError(
            f"random_state = {random_state!r} must be None, an int or a numpy.random.RandomState"
        )
    state = check_random_state(random_state)
    return int(state.randint(np.iinfo(np.int64).max, dtype=np.int64))


def _strategy_named(algorithm):
    if algorithm in _LLOYD_ALIASES:
        return "automatic"
    if not isinstance(algorithm, str) or algorithm not in _core.strategies:
        raise ValueError(
            f"algorithm = {algorithm!r} must be one of "
            f"{', '.join(repr(name) for name in _LLOYD_ALIASES + _core.strategies)}"
        )
    return algorithm


def _threads(n_threads):
    """km's thread count: 0 means all hardware threads."""
    if n_threads is None:
        return 0
    return _check_int(n_threads, "n_threads", 1)
