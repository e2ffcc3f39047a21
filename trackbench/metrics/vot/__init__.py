"""VOT's reset-based (supervised) metrics: region overlap, accuracy / robustness and EAO, as vot-toolkit
computes them."""
