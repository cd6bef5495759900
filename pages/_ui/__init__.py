"""Page-side support for the dashboard: session state, caching, rendering helpers.

Nothing here computes a metric: numbers come from ``audit``.
"""
