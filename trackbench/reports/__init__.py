"""Static, self-contained HTML pages that explain a score (the per-identity error report)."""
