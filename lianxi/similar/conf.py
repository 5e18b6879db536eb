"""The knobs of similar-appeal search and hot topics: ``settings.LIANXI_SIMILAR`` over these defaults."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # LSH: BANDS bands of ROWS min-hashes each (BANDS × ROWS min-hashes per appeal). A pair of appeals becomes a
    # candidate when all ROWS min-hashes of at least one band agree: with 16 × 2 that is 64 % of the pairs at
    # Jaccard 0.25, 84 % at 0.33, 95 % at 0.43. Changing either needs ``similar_index --rebuild``.
    "BANDS": 16,
    "ROWS": 2,
    # Search: at most BAND_CAP appeals read per band (the newest in its bucket), and the CANDIDATES sharing the
    # most bands are scored exactly.
    "BAND_CAP": 100,
    "CANDIDATES": 150,
    # Also scored exactly, whatever LSH found: the enterprise's own latest appeals (merge candidates must never
    # be missed), and the appeals registered since the index's last pass (so a new appeal is found at once). The
    # background step indexes every minute, so a county's minute fits well within 100; every row read costs a
    # registration's 201 answer time (bench_register: 107/s with 200 and 500, 137/s with 100 and 100).
    "SAME_ENTERPRISE": 100,
    "UNINDEXED": 100,
    # An enterprise user (or a deputy) sees few appeals: their latest SCOPE_SCAN visible appeals are scored.
    "SCOPE_SCAN": 500,
    # Similar means a cosine of the two texts' character-bigram sets of at least MIN_SCORE; TOP are returned.
    "MIN_SCORE": 0.3,
    "TOP": 10,
    # Stop shingles learnt by a rebuild: bigrams in at least STOP_DF of the appeals (at most STOP_MAX of them),
    # counted over the newest STOP_SAMPLE appeals.
    "STOP_DF": 0.05,
    "STOP_MAX": 300,
    "STOP_SAMPLE": 50_000,
    # Hot topics: two appeals of the period join a topic when their min-hash signatures agree on at least
    # CLUSTER_SIMILARITY of the positions (an estimate of their Jaccard similarity) and they share a band; a
    # topic needs CLUSTER_MIN_SIZE appeals in the period. HOTSPOTS topics are returned, each with up to
    # HOTSPOT_APPEALS of its appeals listed and KEY_TERMS key terms.
    "CLUSTER_SIMILARITY": 0.45,
    "CLUSTER_MIN_SIZE": 3,
    "HOTSPOTS": 20,
    "HOTSPOT_APPEALS": 20,
    "KEY_TERMS": 5,
    # Key terms are read from at most TERM_SAMPLE appeals per topic, against BACKGROUND_SAMPLE of the period's.
    "TERM_SAMPLE": 30,
    "BACKGROUND_SAMPLE": 400,
    # index_pending(): re-examine this many ids below the high-water marks (a transaction that took an id
    # earlier may commit later).
    "LOOKBACK": 1000,
}


def similar_setting(name: str):
    return getattr(settings, "LIANXI_SIMILAR", {}).get(name, DEFAULTS[name])
