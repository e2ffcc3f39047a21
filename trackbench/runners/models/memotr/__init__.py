"""MeMOTR (Gao and Wang, ICCV 2023) and HNCD-MOTR, which shares its inference network: DAB-Deformable-DETR
with track queries, a long-term-memory query updater and the authors' runtime tracker, in pure torch."""
