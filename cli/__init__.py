"""The evidencekit command line: a thin shell over the library."""
