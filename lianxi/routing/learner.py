"""The learned half of the router: TF-IDF of character n-grams and a Complement Naive Bayes model, calibrated.

Pure numpy/scipy, no database: ``lianxi.routing.training`` feeds it the history, the benchmark feeds it generated
appeals, and both get the same model.

Why Complement Naive Bayes (Rennie et al. 2003, “Tackling the poor assumptions of naive Bayes text
classifiers”): it trains in one sparse product over the whole history (seconds for 100,000 appeals on two cores,
where a logistic regression over ~60 classes takes minutes), it is as accurate as a linear SVM on short texts with
skewed classes, and it has a natural place for what a return teaches. Department d's weights come from the
n-gram counts of the appeals that are *not* d's (its complement); an n-gram frequent there counts against d.

* **Returned dispatches (negatives).** A dispatch that department d returned is one more appeal that d does not
  handle: its text is added once more to d's complement, with weight ``negative_weight`` (default 1). An appeal
  returned by d and finally handled by e thus counts twice against d (as e's positive and as d's negative); its
  n-grams lose weight in d in proportion to how often d returned such texts, compared with how often it kept them.
* **Calibration.** Naive Bayes scores are not probabilities. A softmax with a temperature τ and a weight β on the
  log class prior, ``p_d ∝ exp(τ·jll_d + β·log π_d)``, is fitted (minimum log loss) on scores of examples the
  scoring model did not see: the newest tenth of the training examples scored by a model of the older nine
  tenths, or, below 2,000 examples, out-of-fold scores of a 5-fold split; the final model reuses τ and β. The
  scores are then honest enough to blend with the remits and to answer “no suggestion” below a threshold.

Serialised with ``numpy.savez_compressed`` (arrays and a JSON header, no pickle): loading a model row never runs
code.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from .text import HASH_BITS, ngram_hashes

FORMAT = 1
N_BUCKETS = 1 << HASH_BITS
SMALL_HISTORY = 2_000  # below this many examples, calibrate on 5-fold out-of-fold scores


# ---- features -------------------------------------------------------------------------------------------------

def _counts(rows, buckets, n_rows: int) -> sparse.csr_matrix:
    m = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, buckets)), shape=(n_rows, N_BUCKETS))
    m.sum_duplicates()
    return m


def hashed_counts(texts: list[str], chunk: int = 20_000, *, min_n: int = 1) -> sparse.csr_matrix:
    """n-gram counts of normalised texts over the hashed space (rows: texts, columns: 2**HASH_BITS buckets)."""
    parts = [_counts(*ngram_hashes(texts[start: start + chunk], min_n=min_n), min(chunk, len(texts) - start))
             for start in range(0, len(texts), chunk)]
    if not parts:
        return sparse.csr_matrix((0, N_BUCKETS), dtype=np.float32)
    return sparse.vstack(parts, format="csr")


def hashed_counts_by_length(texts: list[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(all n-grams, only those of 2 or 3 characters) from one pass: what a suggestion needs."""
    rows, buckets, lengths = ngram_hashes(texts, with_n=True)
    multi = lengths >= 2
    return _counts(rows, buckets, len(texts)), _counts(rows[multi], buckets[multi], len(texts))


@dataclass
class Vectorizer:
    """Which hashed n-grams are features, and their IDF. ``select`` gives sublinear TF × IDF, L2-normalised."""

    buckets: np.ndarray  # sorted bucket ids kept as features
    idf: np.ndarray  # float32, one per feature

    def __post_init__(self):
        self._lookup = None

    @classmethod
    def fit(cls, counts: sparse.csr_matrix, *, min_df: int = 2, max_features: int = 200_000) -> "Vectorizer":
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        candidates = np.flatnonzero(df >= min_df)
        if len(candidates) > max_features:
            # The most frequent ones; ties broken by bucket id so that a refit on the same data is identical.
            order = np.lexsort((candidates, -df[candidates]))
            candidates = np.sort(candidates[order[:max_features]])
        n = counts.shape[0]
        idf = (np.log((1.0 + n) / (1.0 + df[candidates])) + 1.0).astype(np.float32)
        return cls(candidates.astype(np.int64), idf)

    def columns(self, buckets: np.ndarray) -> np.ndarray:
        """The feature column of each bucket, -1 where it is not a feature. A large vocabulary keeps a dense
        table (16 MB, one array read per n-gram); a small one (the remits') a binary search."""
        if len(self.buckets) > 50_000:
            if self._lookup is None:
                lookup = np.full(N_BUCKETS, -1, np.int32)
                lookup[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)
                self._lookup = lookup
            return self._lookup[buckets]
        if not len(self.buckets):
            return np.full(len(buckets), -1, np.int64)
        pos = np.minimum(np.searchsorted(self.buckets, buckets), len(self.buckets) - 1)
        return np.where(self.buckets[pos] == buckets, pos, -1)

    def select(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Hashed counts → TF-IDF rows over this vocabulary."""
        counts = counts.tocsr()
        cols = self.columns(counts.indices)
        keep = cols >= 0
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        tf = 1.0 + np.log(counts.data[keep])  # sublinear TF
        x = sparse.csr_matrix((tf * self.idf[cols[keep]], (row_of[keep], cols[keep])),
                              shape=(counts.shape[0], len(self.buckets)), dtype=np.float32)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms).dot(x).tocsr().astype(np.float32)


# ---- the model ------------------------------------------------------------------------------------------------

@dataclass
class LearnedModel:
    vectorizer: Vectorizer
    classes: np.ndarray  # department ids, one per column of the scores
    class_counts: np.ndarray  # positive examples per class
    weights: np.ndarray  # (features × classes) float32: CNB weights, centred per feature
    log_prior: np.ndarray  # per class
    tau: float = 1.0
    beta: float = 0.0
    info: dict = field(default_factory=dict)

    def joint(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights, dtype=np.float64)

    def probabilities(self, x: sparse.csr_matrix) -> np.ndarray:
        """(texts × classes) calibrated probabilities; a text with no known n-gram gets the prior's shape."""
        return softmax(self.tau * self.joint(x) + self.beta * self.log_prior)

    # -- storage --
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        header = {"format": FORMAT, "tau": self.tau, "beta": self.beta, "info": self.info}
        np.savez_compressed(buffer, header=np.frombuffer(json.dumps(header).encode(), np.uint8),
                            buckets=self.vectorizer.buckets.astype(np.int32), idf=self.vectorizer.idf,
                            classes=self.classes.astype(np.int64), class_counts=self.class_counts.astype(np.int64),
                            weights=self.weights.astype(np.float16), log_prior=self.log_prior)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "LearnedModel":
        with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as arrays:
            header = json.loads(arrays["header"].tobytes().decode())
            if header.get("format") != FORMAT:
                raise ValueError(f"unknown routing model format {header.get('format')!r}")
            vectorizer = Vectorizer(arrays["buckets"].astype(np.int64), arrays["idf"].astype(np.float32))
            return cls(vectorizer, arrays["classes"], arrays["class_counts"], arrays["weights"].astype(np.float32),
                       arrays["log_prior"], header["tau"], header["beta"], header.get("info", {}))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _indicator(labels: np.ndarray, n_classes: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((np.ones(len(labels), np.float32), (np.arange(len(labels)), labels)),
                             shape=(len(labels), n_classes))


def cnb_weights(x: sparse.csr_matrix, labels: np.ndarray, n_classes: int, *, x_neg=None, neg_labels=None,
                negative_weight: float = 1.0, alpha: float = 0.3) -> np.ndarray:
    """(features × classes) Complement NB weights −log θ̃, centred per feature (softmax does not see a per-feature
    constant, and centred values keep their precision as float16)."""
    per_class = np.asarray((_indicator(labels, n_classes).T @ x).todense(), dtype=np.float64)
    complement = per_class.sum(axis=0, keepdims=True) - per_class + alpha
    if x_neg is not None and x_neg.shape[0]:
        complement += negative_weight * np.asarray((_indicator(neg_labels, n_classes).T @ x_neg).todense())
    logged = np.log(complement / complement.sum(axis=1, keepdims=True))
    weights = -logged
    weights -= weights.mean(axis=0, keepdims=True)
    return np.ascontiguousarray(weights.T, dtype=np.float32)


def fit_calibration(joint: np.ndarray, labels: np.ndarray, log_prior: np.ndarray) -> tuple[float, float]:
    """τ, β minimising the log loss of softmax(τ·joint + β·log π) on held-out (joint, labels)."""
    rows = np.arange(len(labels))

    def loss(params):
        tau, beta = params
        z = tau * joint + beta * log_prior
        z = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(log_norm - z[rows, labels]))

    best = minimize(loss, x0=[1.0, 0.5], method="L-BFGS-B", bounds=[(1e-3, 1e4), (0.0, 2.0)])
    return float(best.x[0]), float(best.x[1])


@dataclass
class Examples:
    """Training material, already normalised. Positives: (text, department, time); negatives: (text, the
    department that returned it, time). Times order the examples for the time-based split."""

    texts: list[str]
    labels: np.ndarray  # department ids
    times: np.ndarray  # float seconds
    neg_texts: list[str] = field(default_factory=list)
    neg_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    neg_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    places: list = field(default_factory=list)  # per positive: the towns and parks its text named


def train(examples: Examples, *, negative_weight: float = 1.0, alpha: float = 0.3, min_df: int = 2,
          max_features: int = 200_000, calibration_share: float = 0.1, counts=None, neg_counts=None,
          rows: np.ndarray | None = None, neg_rows: np.ndarray | None = None) -> LearnedModel:
    """Fit a model on ``examples`` (or on the subset ``rows`` / ``neg_rows`` of precomputed hashed counts)."""
    if counts is None:
        counts = hashed_counts(examples.texts)
    if neg_counts is None:
        neg_counts = hashed_counts(examples.neg_texts)
    rows = np.arange(len(examples.texts)) if rows is None else rows
    neg_rows = np.arange(len(examples.neg_texts)) if neg_rows is None else neg_rows
    # Known departments only: a return by a department that has no positive example has no class to count against.
    classes, class_counts = np.unique(examples.labels[rows], return_counts=True)
    if len(classes) < 2:
        raise ValueError("at least two departments with examples are needed to learn")
    index = {int(c): i for i, c in enumerate(classes)}
    labels = np.array([index[int(v)] for v in examples.labels[rows]], dtype=np.int64)
    neg_known = np.array([int(v) in index for v in examples.neg_labels[neg_rows]], dtype=bool)
    neg_rows = neg_rows[neg_known]
    neg_labels = np.array([index[int(v)] for v in examples.neg_labels[neg_rows]], dtype=np.int64)
    log_prior = np.log((class_counts + 1.0) / (class_counts.sum() + len(classes)))

    train_counts = counts[rows]
    vectorizer = Vectorizer.fit(train_counts, min_df=min_df, max_features=max_features)
    x = vectorizer.select(train_counts)
    x_neg = vectorizer.select(neg_counts[neg_rows]) if len(neg_rows) else None

    # Calibration on scores of examples the scoring model did not see: the newest share scored by a model of the
    # older ones; with little history (under SMALL_HISTORY examples) out-of-fold scores of a 5-fold split instead.
    times = examples.times[rows]
    neg_times = examples.neg_times[neg_rows]
    order = np.argsort(times, kind="stable")
    folds = []
    if len(rows) >= SMALL_HISTORY:
        n_cal = int(len(rows) * calibration_share)
        folds.append((order[:-n_cal], order[-n_cal:]))
    elif len(rows) >= 20:
        rank = np.empty(len(rows), np.int64)
        rank[order] = np.arange(len(rows))
        folds = [(np.flatnonzero(rank % 5 != k), np.flatnonzero(rank % 5 == k)) for k in range(5)]
    tau, beta = 1.0, 0.0
    if folds:
        joint, truth = [], []
        for fit_rows, score_rows in folds:
            cutoff = times[score_rows].min()
            # Returns of the scored appeals stay out of the scoring model (their text would leak in).
            neg_fit = (np.flatnonzero(neg_times < cutoff) if len(folds) == 1
                       else np.flatnonzero(~np.isin(neg_times, times[score_rows])))
            inner = cnb_weights(x[fit_rows], labels[fit_rows], len(classes),
                                x_neg=x_neg[neg_fit] if x_neg is not None else None, neg_labels=neg_labels[neg_fit],
                                negative_weight=negative_weight, alpha=alpha)
            joint.append(np.asarray(x[score_rows] @ inner, dtype=np.float64))
            truth.append(labels[score_rows])
        tau, beta = fit_calibration(np.vstack(joint), np.concatenate(truth), log_prior)

    weights = cnb_weights(x, labels, len(classes), x_neg=x_neg, neg_labels=neg_labels,
                          negative_weight=negative_weight, alpha=alpha)
    return LearnedModel(vectorizer, classes, class_counts, weights, log_prior, tau, beta,
                        {"alpha": alpha, "negative_weight": negative_weight, "features": int(len(vectorizer.buckets)),
                         "examples": int(len(rows)), "negatives": int(len(neg_rows))})
