"""The court bundle: spec, rendering of each exhibit, assembly, cleaning of PDFs, exhibit list."""
