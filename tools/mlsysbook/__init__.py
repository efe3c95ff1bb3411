"""Repository tooling for MLSysBook: site build, checks, slides and content reports."""
__version__ = "0.1.0"
