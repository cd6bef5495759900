"""Fairness audit engine (public names are re-exported here; see ``__all__``)."""
