"""km.KMeans: scikit-learn's KMeans API on km's exact Lloyd iteration."""

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


class KMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Exact k-means (Lloyd's algorithm) on the km C++ library.

    The same data and parameters give the same labels, centres and inertia, bit for bit, whatever
    ``algorithm`` and ``n_threads`` are, and the same bits as km's C++ ``km::kmeans`` given the
    options this estimator passes (see "Mapping to C++" below).

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters, 1 <= n_clusters <= n_samples.
    init : {'k-means++', 'random', 'first', 'k-means||'} or array of shape (n_clusters, n_features), default='k-means++'
        'k-means++': greedy k-means++ (2 + floor(ln k) trials per centre, as scikit-learn).
        'random': n_clusters distinct samples drawn uniformly. 'first': the first n_clusters
        samples. 'k-means||': k-means|| (Bahmani et al. 2012). An array: those initial centres.
        Callables are not accepted.
    n_init : 'auto' or int, default='auto'
        Runs from different initial centres; the lowest inertia wins. 'auto' is 10 for
        init='random' and 1 otherwise (scikit-learn's rule from version 1.4). With an array
        ``init`` a single run is made (a RuntimeWarning says so when n_init is another int).
    max_iter : int, default=300
        At most this many centre updates, as in scikit-learn: the labels are then recomputed once
        for the final centres.
    tol : float, default=1e-4
        As in scikit-learn: the fit stops once the summed squared shift of the centres is at most
        ``tol`` times the mean of the per-feature variances of X (unweighted). It always stops when
        an assignment changes no label. 0 stops on that alone.
    random_state : None, int or numpy.random.RandomState, default=None
        An int is km's seed itself (the C++ ``options.seed``), 0 <= random_state < 2**64.
        None draws a seed from NumPy's global random state (as scikit-learn does, so results
        vary from call to call unless ``numpy.random.seed`` was called); a RandomState draws
        the seed from itself.
    algorithm : str, default='auto'
        How each assignment pass finds the nearest centres: one of ``km.strategies``
        ('naive', 'vectorised', 'kd_tree', 'hamerly', 'elkan', 'automatic'), or 'auto' or
        'lloyd' for 'automatic'. Only the speed differs, never the result.
    n_threads : int or None, default=None
        Threads for the fit, predict and transform; None: all hardware threads. Results never
        depend on it.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features), the dtype of X
    labels_ : ndarray of shape (n_samples,), int32
    inertia_ : float
        Sum of (weighted) squared distances of the samples to their closest centre.
    n_iter_ : int
        Centre updates made, at most max_iter; a fit that stops on ``tol`` counts also its final
        assignment pass (one more than scikit-learn reports).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names (a pandas DataFrame, for instance).

    Notes
    -----
    Mapping to C++: ``km::options{k = n_clusters, init, seed, n_init, max_iterations = max_iter
    + 1, tolerance = tol * mean variance, threads}`` with ``km::kmeans<algorithm>``. km counts
    assignment passes, scikit-learn centre updates; max_iter + 1 passes are max_iter updates and
    the final assignment.

    Differences from scikit-learn: the results are exact and do not depend on the thread count
    (scikit-learn's do, in the last bits); an empty cluster takes as its centre the sample that
    adds most to the inertia (weight x squared distance), and that sample's cluster keeps it
    until the next assignment (scikit-learn moves it out at once, and ignores weights); negative
    sample weights are refused; sparse input and callable ``init`` are not accepted; a C-contiguous
    float32 or float64 X is read in place (anything else is converted once, integers to float64).
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        random_state=None,
        algorithm="auto",
        n_threads=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Compute k-means clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Read in place when C-contiguous float32 or float64; anything else is converted once.
        y : Ignored
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Non-negative weights: a sample of weight w counts as w copies of itself.

        Returns
        -------
        self
        """
        X = self._validate_data(X, dtype=[np.float64, np.float32], order="C")
        n_samples = X.shape[0]
        n_clusters = _check_int(self.n_clusters, "n_clusters", 1)
        if n_samples < n_clusters:
            raise ValueError(f"n_samples={n_samples} should be >= n_clusters={n_clusters}.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        init, centres = _check_init(self.init, X, n_clusters)
        n_init = _n_init(self.n_init, self.init, centres is not None)
        max_iter = _check_int(self.max_iter, "max_iter", 1)
        tol = _check_real(self.tol, "tol")
        seed = _seed(self.random_state)
        algorithm = _strategy(self.algorithm)
        threads = _threads(self.n_threads)

        self._tol = tol * _core.mean_variance(X) if tol > 0 else 0.0
        labels, centers, inertia, iterations, _ = _core.fit(
            X,
            algorithm=algorithm,
            k=n_clusters,
            init=init,
            seed=seed,
            n_init=n_init,
            max_iterations=max_iter + 1,
            tolerance=self._tol,
            threads=threads,
            sample_weight=sample_weight,
            initial_centres=centres,
            interruptible=False,
        )
        self.cluster_centers_ = centers
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = min(iterations, max_iter)
        self._n_features_out = n_clusters
        return self

    def fit_predict(self, X, y=None, sample_weight=None):
        """Compute the clustering and return each sample's cluster (``labels_``)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X, y=None, sample_weight=None):
        """Compute the clustering and return the distances of X to the centres."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X):
        """The index of the closest centre of each sample (ties to the lowest index), exactly as
        the fit's assignment decides it: ``predict(X)`` equals ``labels_`` on the training X."""
        X = self._check_test_data(X)
        return _core.predict(
            X, self.cluster_centers_, _strategy(self.algorithm), _threads(self.n_threads)
        )

    def transform(self, X):
        """Euclidean distances of each sample to each centre: (n_samples, n_clusters)."""
        X = self._check_test_data(X)
        return _core.transform(X, self.cluster_centers_, _threads(self.n_threads))

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the k-means objective of X: minus the (weighted) sum of squared distances
        of the samples to their closest centre."""
        X = self._check_test_data(X)
        labels = _core.predict(
            X, self.cluster_centers_, _strategy(self.algorithm), _threads(self.n_threads)
        )
        difference = X - self.cluster_centers_[labels]
        squares = np.einsum("ij,ij->i", difference, difference, dtype=np.float64)
        if sample_weight is not None:
            squares *= _check_sample_weight(sample_weight, X, dtype=np.float64)
        return -float(squares.sum())

    def _check_test_data(self, X):
        check_is_fitted(self)
        # In the centres' dtype: km compares a point with a centre in one precision.
        return self._validate_data(X, dtype=self.cluster_centers_.dtype, order="C", reset=False)

    def _more_tags(self):
        return {
            "preserves_dtype": [np.float64, np.float32],
            "_xfail_checks": {
                "check_sample_weights_invariance": (
                    "zero sample_weight is not equivalent to removing samples: the shuffled "
                    "samples meet the initialisation's draws in another order, so the same "
                    "clusters come out numbered differently"
                ),
            },
        }


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


def _strategy(algorithm):
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
