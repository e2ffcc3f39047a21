"""``trackbench eval``: the command (``command``) and one module per task family it dispatches to."""
