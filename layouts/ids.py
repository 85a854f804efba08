"""Every component id, declared once; imported by layouts, callbacks and tests."""

PAGE = "page"
OVERVIEW = "overview"
