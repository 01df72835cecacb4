"""The core: canonical form, errors, reports, limits, hashing, storage and file types.

Pure values and the one module that touches the disk (``storage``); nothing here knows about
keys, custody, cases or any service above it.
"""
