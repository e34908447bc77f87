"""What a measure or place code may look like: letters, digits, ``_``, ``.`` and ``-``, starting
with a letter or a digit.

Codes travel everywhere (file names of downloads, CSV cells, URLs, chart labels); a code that a
spreadsheet would run (``=cmd|...``, ``+1``, ``@SUM``) or that carries markup cannot be stored.
"""

import re

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
CODE_FIX = (
    "use letters, digits, '_', '.' or '-' only, starting with a letter or a digit "
    "(such as E08000035 or ae_attendances)"
)


def is_safe_code(code: str) -> bool:
    return re.match(CODE_PATTERN, code) is not None
