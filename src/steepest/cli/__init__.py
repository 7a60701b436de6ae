"""The ``steepest`` command line."""
