"""What the index says about each document beyond its description, and what a spec leaves out.

29 photos with one description must still be told apart: a photo's entry adds its
capture time, and where a description is shared the original file name (never in a
redacted bundle: a file name can name a third party).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath

from evidencekit.bundle.facts import Facts, taken
from evidencekit.bundle.spec import BundleSpec
from evidencekit.core.errors import BundleError, InputError
from evidencekit.custody.exhibits import Item, ref_sort_key
from evidencekit.redact.media import PHOTO_TYPES
from evidencekit.redact.typeset import drawable


def left_out(originals: list[Item], spec: BundleSpec) -> list[str]:
    """One warning per exhibit of the case that ``spec`` does not list."""
    listed = set(spec.refs)
    return [f"{i.ref} ({i.description[:60]}) is in the case but not in the bundle spec; "
            "it is left out" for i in sorted(originals, key=lambda i: ref_sort_key(i.ref))
            if i.ref not in listed]


def repeated_descriptions(items: list[Item]) -> set[str]:
    """Descriptions that more than one document of the bundle shares."""
    seen = Counter(i.description for i in items)
    return {text for text, count in seen.items() if count > 1}


def index_detail(item: Item, facts: Facts, date: str, name_it: bool) -> str:
    """What tells an index entry from its neighbours.

    A photo's capture time, and the file name where the description is shared (never
    in a redacted bundle: a file name can name a third party).
    """
    parts = [taken(facts, date)] if item.media_type in PHOTO_TYPES else []
    if name_it and item.original_name:
        parts.append(_shown_name(PurePath(item.original_name).name))
    return ", ".join(p for p in parts if p)


def _shown_name(name: str) -> str:
    """A file name as the index can print it: one line, in ASCII if the font lacks a letter.

    A file name only helps the reader find a picture: it is never a reason to stop.
    """
    line = " ".join(name.split())
    try:
        return drawable(line, "A file name", BundleError)
    except InputError:
        return re.sub(r"[^A-Za-z0-9._ -]+", "_", line)
