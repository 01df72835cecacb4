"""Generated passphrases: six words drawn at random from the EFF large word list.

The list (``data/eff_large_wordlist.txt``, 7,776 words, © 2016 Electronic Frontier
Foundation, CC BY 3.0; see ``data/EFF-WORDLIST-LICENSE.txt``) is the one the EFF made
for dice: each word is easy to type and spell. Six words give log2(7776^6) = 77.5
bits, drawn with :mod:`secrets`. A passphrase made here is shown once and never
stored.
"""

from __future__ import annotations

import functools
import math
import secrets
from importlib import resources

WORDS_PER_PASSPHRASE = 6
_LIST_SIZE = 7776


@functools.cache
def word_list() -> tuple[str, ...]:
    """The 7,776 words, in the list's dice order."""
    text = resources.files("evidencekit.keys").joinpath("data/eff_large_wordlist.txt")
    words = tuple(line.split("\t")[1].strip() for line in text.read_text("utf-8").splitlines()
                  if line.strip())
    if len(words) != _LIST_SIZE or len(set(words)) != _LIST_SIZE:  # a damaged install
        raise RuntimeError("evidencekit's word list is damaged; reinstall evidencekit.")
    return words


def passphrase_bits(words: int = WORDS_PER_PASSPHRASE) -> float:
    """The entropy of a generated passphrase of ``words`` words, in bits."""
    return words * math.log2(_LIST_SIZE)


def generate_passphrase(words: int = WORDS_PER_PASSPHRASE) -> str:
    """A new random passphrase: ``words`` words joined by hyphens (77.5 bits for six).

    Hyphens, as age joins the passphrases it makes: one token to copy or type.
    """
    chosen = word_list()
    return "-".join(secrets.choice(chosen) for _ in range(words))
