"""storydiff: group news articles into stories and show what changed between versions."""

__version__ = "0.1.0"
