"""clipper: clip news articles into SQLite, re-check their links, and draft quote posts."""

__version__ = "0.1.0"

__all__ = ["__version__"]
