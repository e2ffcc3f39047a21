"""TAO: Track AP with TAO's dataset rules, and TETA."""
