"""Packages: BagIt text formats, the package layout, export, reading and verification."""
