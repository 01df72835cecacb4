"""Redaction: regions, faces, photos, footage, the people register, detectors, statements."""
