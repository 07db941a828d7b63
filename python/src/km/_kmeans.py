"""km.KMeans: scikit-learn's KMeans API on km's exact Lloyd iteration."""

import numpy as np

from . import _core
from ._base import (
    _check_init,
    _check_int,
    _check_real,
    _Clustering,
    _n_init,
    _seed,
    _strategy_named,
    _threads,
)


class KMeans(_Clustering):
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
        ('naive', 'vectorised', 'kd_tree', 'hamerly', 'exponion', 'yinyang', 'elkan',
        'automatic'), or 'auto' or 'lloyd' for 'automatic'. Only the speed differs, never the
        result.
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
    converged_ : bool
        Whether the fit stopped because an assignment changed no label or the centres moved
        within ``tol``, rather than at max_iter (km's ``result.converged``; scikit-learn's KMeans
        has no such attribute, its GaussianMixture has).
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
        X, n_clusters, sample_weight = self._check_training_data(X, sample_weight)
        init, centres = _check_init(self.init, X, n_clusters)
        n_init = _n_init(self.n_init, self.init, centres is not None)
        max_iter = _check_int(self.max_iter, "max_iter", 1)
        self._tol = self._tolerance(X, _check_real(self.tol, "tol"))
        labels, centers, inertia, iterations, converged = _core.fit(
            X,
            algorithm=self._strategy(),
            k=n_clusters,
            init=init,
            seed=_seed(self.random_state),
            n_init=n_init,
            max_iterations=max_iter + 1,
            tolerance=self._tol,
            threads=_threads(self.n_threads),
            sample_weight=sample_weight,
            initial_centres=centres,
        )
        self.cluster_centers_ = centers
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = min(iterations, max_iter)
        self.converged_ = converged
        self._n_features_out = n_clusters
        return self

    def _strategy(self):
        return _strategy_named(self.algorithm)

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
