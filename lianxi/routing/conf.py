"""The router's knobs: ``settings.LIANXI_ROUTING`` (config/settings.py) over these defaults."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Retrain in the background after this many new dispatches (交办 and 仲裁交办) since the active model.
    "RETRAIN_EVERY": 500,
    # How often a process may look at the database for a retrain being due (maybe_retrain), in seconds.
    "RETRAIN_CHECK_SECONDS": 60,
    # A process rereads which model is active, and the departments' remits, at most this often (seconds).
    "RELOAD_SECONDS": 30,
    # Suggestions: how many, and the best score below which the answer is "no suggestion" ([]).
    "TOP": 5,
    "MIN_SCORE": 0.2,
    # Listed after the first only from this score up: a 2 % department is not a suggestion.
    "MIN_LISTED": 0.05,
    # A text needs this many known 2–3 character n-grams (in the history's or the remits' vocabulary) to be read.
    "MIN_EVIDENCE": 2,
    # Blend: department d's learned score weighs n_d / (n_d + BLEND_EXAMPLES), its remit score the rest.
    "BLEND_EXAMPLES": 30,
    # Remit scores: softmax of the cosine similarities divided by this temperature.
    "REMIT_TEMPERATURE": 0.04,
    # A department that already returned this very appeal: its score is multiplied by this on the appeal's page.
    "RETURNED_FACTOR": 0.3,
    # Training: the held-out share (newest), negatives' weight, minimum examples, smoothing, vocabulary.
    "HOLDOUT": 0.2,
    "NEGATIVE_WEIGHT": 1.0,
    "MIN_EXAMPLES": 30,
    # The newest examples trained on: a city's history grows without end, training time must not (200,000 train in
    # about 25 s on two cores), and last year's routing says more about tomorrow's than that of five years ago.
    "MAX_EXAMPLES": 200_000,
    "ALPHA": 0.3,
    "MIN_DF": 2,
    "MAX_FEATURES": 200_000,
    # Model rows whose serialized model is kept (older rows keep their metrics, not their model).
    "KEEP_VERSIONS": 5,
}


def routing_setting(name: str):
    return getattr(settings, "LIANXI_ROUTING", {}).get(name, DEFAULTS[name])
