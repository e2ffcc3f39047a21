"""Dataset converters: one module per family, all into CocoVID through the shared writer."""
