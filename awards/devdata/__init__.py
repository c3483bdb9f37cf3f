"""Data for development, not rules: the demo (`flask seed-demo`, `demo.py`) and the data set at
scale for benchmarks (`flask seed-scale`, `scale.py`). The demo goes through the domain functions,
as people's actions would; the scale data is bulk-inserted for speed."""
