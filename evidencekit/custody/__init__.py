"""Custody: signed events, the hash-chained log and its check, key lifecycle, the exhibits view.

Pure functions of bytes, events and keys; no case folder.
"""
