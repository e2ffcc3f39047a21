"""MOT metrics: HOTA, CLEAR, Identity and Count over per-frame ids and similarities, with the evaluation that
feeds them and the rows they report."""
