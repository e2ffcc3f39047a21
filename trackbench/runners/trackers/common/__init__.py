"""Parts the association trackers share: the Kalman filters, matching costs, camera-motion compensation,
interpolation and the per-frame output type."""
