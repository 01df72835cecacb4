"""evidencekit review: a local web app for reviewing and redacting evidence in a browser.

The CLI may import only :func:`serve` from here (tests/unit/test_layers.py checks it),
and this package imports only the public ``evidencekit`` API, like the CLI.
"""

from __future__ import annotations

from .server import serve

__all__ = ["serve"]
