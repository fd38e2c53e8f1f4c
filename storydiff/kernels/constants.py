"""Values both kernel backends share, and their callers' table markers.

Kept apart from :mod:`~storydiff.kernels.compiled` so that building a table or
running the references never imports numba.
"""

from __future__ import annotations

import numpy as np

#: The FNV-64 prime: a word's hash weighs its n-th UTF-8 byte by its n-th power
#: (odd, so invertible mod 2^64).
BYTE_BASE = 0x100000001B3
#: The golden-ratio constant: a shingle's hash weighs its n-th word by its n-th
#: power; band keys and bucket partitions mix with it too.
WORD_BASE = 0x9E3779B97F4A7C15
KEY_MIX = WORD_BASE
#: A MinHash slot no shingle has filled (datasketch's empty value).
EMPTY_SLOT = 0xFFFFFFFF
#: In a character table (the shingle kernel's fast table, the normalising
#: kernel's table): a character whose form depends on its neighbours, or that
#: the table leaves to Python for another reason.
NEEDS_PYTHON = np.uint32(0xFFFFFFFF)
#: Set in a normalising table character that is white space.
WHITE_SPACE = np.uint32(1 << 31)
#: ``group_rows`` marks a row whose bucket holds more than ``max_bucket``
#: rows with ``OVERSIZE - end`` (where the bucket ends), a row alone with -1.
OVERSIZE = -2
