"""A VOT supervised-experiment trajectory: one region per frame, or a code (1 initialization, 2 failure,
0 unknown = a frame skipped after a failure), as the VOT toolkits write ``<seq>_001.txt`` files."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNKNOWN, INITIALIZATION, FAILURE = 0, 1, 2
NOT_SPECIAL = -1


@dataclass(frozen=True)
class Trajectory:
    """``regions[i]`` is a 1-D array (1 value: a code; 4: x, y, w, h; 2n: a polygon)."""

    regions: tuple[np.ndarray, ...]

    @classmethod
    def from_rows(cls, rows) -> "Trajectory":
        return cls(tuple(np.asarray(r, dtype=np.float64).ravel() for r in rows))

    def __len__(self) -> int:
        return len(self.regions)

    def codes(self) -> np.ndarray:
        """Per frame: the special code, or -1 for a region."""
        return np.array([int(r[0]) if len(r) == 1 else NOT_SPECIAL for r in self.regions], dtype=np.int64)

    def failures(self) -> int:
        return int(np.count_nonzero(self.codes() == FAILURE))


def failure_and_init_frames(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices of failures and of initializations (vot-toolkit ``locate_failures_inits``)."""
    return np.flatnonzero(codes == FAILURE), np.flatnonzero(codes == INITIALIZATION)
