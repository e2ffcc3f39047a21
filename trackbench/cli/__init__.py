"""Command-line interface: one module per command group; commands parse options, call one library function,
and render its return value."""
