"""The Wilcoxon signed-rank test on per-sequence scores of two trackers (VOT's methodology for "is A better than
B"), two-sided, scipy's implementation; identical scores on every sequence give p = 1 rather than an error."""

from __future__ import annotations

import numpy as np


def signed_rank_test(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """``{"statistic", "p", "n"}`` for paired per-sequence values (``n``: pairs that differ)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    n = int(np.count_nonzero(d))
    if n == 0:
        return {"statistic": 0.0, "p": 1.0, "n": 0}
    from scipy.stats import wilcoxon  # only the comparison commands need scipy

    res = wilcoxon(a[ok], b[ok], zero_method="wilcox", alternative="two-sided")
    return {"statistic": float(res.statistic), "p": float(res.pvalue), "n": n}
