"""The version of evidencekit, recorded in packages and custody events."""

__version__ = "0.1.0"
