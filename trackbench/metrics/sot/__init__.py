"""Single-object tracking metrics: OPE success / precision, GOT-10k AO / SR, the protocols naming each
official tool, and the result readers."""
