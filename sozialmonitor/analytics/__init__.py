"""Analytics for integrated social planning: composite indices (with the Berlin MSS preset), typologies,
hot spots, areal interpolation between partitions that do not nest, scatter plots — and saving any of their
results as a new, documented indicator.

Every module has a pure function over pandas/geopandas objects (testable without a store) and, where useful,
a ``…_for_level`` function that reads its inputs from the store. Results are frozen dataclasses holding
DataFrames indexed by area code; each offers ``derived(…)`` to turn it into
:class:`~sozialmonitor.analytics.derived.DerivedValues` for :func:`~sozialmonitor.analytics.derived.save_as_indicator`.
"""
