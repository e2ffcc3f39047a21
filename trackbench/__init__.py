"""trackbench: convert, run and score video-tracking benchmarks."""

__version__ = "0.1.0"
