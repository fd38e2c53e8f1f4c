"""``python -m storydiff``: the same as the ``storydiff`` command."""

from .cli import run

run()
