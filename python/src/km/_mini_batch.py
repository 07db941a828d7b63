"""km.MiniBatchKMeans: scikit-learn's MiniBatchKMeans API on km::mini_batch_kmeans."""

import numpy as np

from . import _core
from ._base import _check_init, _check_int, _check_real, _Clustering, _seed, _threads


class MiniBatchKMeans(_Clustering):
    """Mini-batch k-means (Sculley 2010) on the km C++ library: approximate, seeded, reproducible.

    Each step draws ``batch_size`` samples (uniformly, with replacement), assigns them exactly to
    the current centres and moves each centre to the running mean of every sample it was given.
    The result is not Lloyd's (use km.KMeans for that), but the same data and parameters give the
    same bits on every thread count, and the same bits as km's C++ ``km::mini_batch_kmeans``.
    ``labels_`` and ``inertia_`` come from one exact assignment of all samples to the final
    centres, so ``predict(X)`` equals ``labels_`` on the training X.

    Parameters
    ----------
    n_clusters : int, default=8
    init : {'k-means++', 'random', 'first', 'k-means||'} or array of shape (n_clusters, n_features), default='k-means++'
        Run on ``init_size`` samples drawn without replacement (an array is used as it is).
    max_iter : int, default=100
        Passes over the data, as in scikit-learn: at most max_iter * n_samples // batch_size
        steps (at least one).
    batch_size : int, default=1024
    tol : float, default=0.0
        As in scikit-learn: stop once a step moves the centres by a summed squared shift of at
        most ``tol`` times the mean per-feature variance of X. 0: never stop on this.
    max_no_improvement : int or None, default=10
        Stop when the smoothed batch inertia has not improved for this many steps; None or 0:
        never stop on this.
    init_size : int or None, default=None
        Samples drawn to choose the initial centres; None: 3 x batch_size, at least 3 x
        n_clusters, at most n_samples.
    random_state : None, int or numpy.random.RandomState, default=None
        As for km.KMeans: an int is km's seed itself.
    n_threads : int or None, default=None
        Threads; None: all hardware threads. Results never depend on it.

    Attributes
    ----------
    cluster_centers_, labels_, inertia_, n_features_in_, feature_names_in_ : as km.KMeans
    n_steps_ : int
        Steps (mini-batches) made.
    n_iter_ : int
        Passes over the data those steps amount to, rounded up (as scikit-learn).
    converged_ : bool
        Whether ``max_no_improvement`` or ``tol`` ended the fit before its cap on steps.

    Notes
    -----
    Differences from scikit-learn: one initialisation (no ``n_init``: km draws one sample of
    ``init_size`` points); no reassignment of small clusters (``reassignment_ratio``); labels are
    always computed (no ``compute_labels``); no ``partial_fit``; batches are drawn with replacement
    at every step rather than by shuffled passes; sample weights must be >= 0.
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        max_iter=100,
        batch_size=1024,
        tol=0.0,
        max_no_improvement=10,
        init_size=None,
        random_state=None,
        n_threads=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.random_state = random_state
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Compute the centres from mini-batches of X, then the labels of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Read in place when C-contiguous float32 or float64; anything else is converted once.
        y : Ignored
        sample_weight : array-like of shape (n_samples,) or float, default=None
            Non-negative weights: each sample is drawn as often as any other, and its weight
            scales what it adds to its centre.

        Returns
        -------
        self
        """
        X, n_clusters, sample_weight = self._check_training_data(X, sample_weight)
        init, centres = _check_init(self.init, X, n_clusters)
        max_iter = _check_int(self.max_iter, "max_iter", 1)
        batch_size = _check_int(self.batch_size, "batch_size", 1)
        max_no_improvement = (
            0 if self.max_no_improvement is None
            else _check_int(self.max_no_improvement, "max_no_improvement", 0)
        )
        init_size = 0 if self.init_size is None else _check_int(self.init_size, "init_size", 1)
        max_steps = max(1, max_iter * X.shape[0] // batch_size)
        self._tol = self._tolerance(X, _check_real(self.tol, "tol"))
        labels, centers, inertia, steps, converged = _core.mini_batch_fit(
            X,
            k=n_clusters,
            init=init,
            seed=_seed(self.random_state),
            batch_size=batch_size,
            max_steps=min(max_steps, np.iinfo(np.int32).max),
            max_no_improvement=max_no_improvement,
            tolerance=self._tol,
            init_size=init_size,
            threads=_threads(self.n_threads),
            sample_weight=sample_weight,
            initial_centres=centres,
        )
        self.cluster_centers_ = centers
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_steps_ = steps
        self.converged_ = converged
        self.n_iter_ = -(-steps * batch_size // X.shape[0])
        self._n_features_out = n_clusters
        return self

    def _more_tags(self):
        return {
            "preserves_dtype": [np.float64, np.float32],
            "_xfail_checks": {
                "check_sample_weights_invariance": (
                    "zero sample_weight is not equivalent to removing samples: batches are "
                    "drawn from every sample, so removing some changes the draws"
                ),
            },
        }
