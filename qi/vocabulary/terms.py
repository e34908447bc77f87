"""``Vocabulary``: the shape every vocabulary here takes.

A vocabulary is a fixed list of codes (what the database and the engine store) with, for each,
the words people read. It is a read-only mapping of code to words, in order: ``list()`` gives
the codes, ``.get`` serves a selectbox's ``format_func``, and polars' ``replace_strict`` takes
it as it is.
"""

from collections.abc import Iterator, Mapping


class Vocabulary(Mapping[str, str]):
    """Codes, in order, each with the words people read for it."""

    def __init__(self, what: str, words: Mapping[str, str]) -> None:
        self.what = what  # what one code is, for messages: "kind of measure"
        self._words = dict(words)

    def __getitem__(self, code: str) -> str:
        return self._words[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def __repr__(self) -> str:
        return f"Vocabulary({self.what!r}, {self._words!r})"

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes, in order (for a database check or polars' ``is_in``)."""
        return tuple(self._words)
