"""Connected components of a bipartite graph given as edge lists, for splitting one big assignment problem into
independent small ones (the Identity metric's global id matching)."""

from __future__ import annotations

import numpy as np


def component_labels(a: np.ndarray, b: np.ndarray, n_nodes: int) -> np.ndarray:
    """Connected-component label (smallest node index) of each node of the undirected graph with edges (a, b)."""
    label = np.arange(n_nodes)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # pointer jumping: follow labels to their own labels
        if np.array_equal(new, label):
            return label
        label = new
