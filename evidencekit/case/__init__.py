"""The case: its folder and object store, ingest, metadata, derived copies, verification."""
