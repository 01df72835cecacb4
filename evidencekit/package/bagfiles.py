"""BagIt (RFC 8493) text formats and path safety: pure functions of strings.

Manifest lines are ``HASH  PATH`` (two spaces, as bagit-python and sha256sum write
and read them); in paths, ``%``, CR and LF are percent-encoded (RFC 8493 §2.1.3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from evidencekit.core.errors import InputError

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
_HEX = {"sha256": 64, "sha512": 128}
_WINDOWS_DEVICE = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")


def encode_path(path: str) -> str:
    """Percent-encode ``%``, CR and LF in a manifest path."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    """Undo :func:`encode_path`."""
    return re.sub(r"%(0[ADad]|25)", lambda m: chr(int(m.group(1), 16)), text)


def unsafe_reason(path: str) -> str | None:
    """Why ``path`` may not appear in a package, or ``None`` when it is safe.

    Refused: empty, absolute (``/x``, ``C:``, UNC), ``..`` or ``.``
    segments, ``~``, backslashes, NUL, and Windows device names.
    """
    if not path or "\x00" in path:
        return "empty path or NUL character"
    if "\\" in path:
        return "backslash in path"
    if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path):
        return "absolute path"
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "'..', '.' or empty segment in path"
    if any(_WINDOWS_DEVICE.match(p) for p in parts):
        return "Windows device name in path"
    return None


def format_manifest(entries: Mapping[str, str]) -> bytes:
    """Manifest text for ``{path: hexdigest}``, sorted by path."""
    return "".join(f"{digest}  {encode_path(path)}\n"
                   for path, digest in sorted(entries.items())).encode("utf-8")


MANIFEST_NAME = re.compile(r"^(tag)?manifest-([a-z0-9]{1,16})\.txt$")
"""Any payload or tag manifest, whatever its algorithm."""


def parse_manifest(data: bytes, algorithm: str) -> dict[str, str]:
    """Parse a manifest into ``{path: hexdigest}`` (any algorithm's; SHA-2 lengths checked).

    Raises:
        InputError: a malformed line, a bad digest, an unsafe or repeated path.
    """
    entries, problems = read_manifest(data, algorithm)
    if problems:
        raise InputError(problems[0])
    return entries


def read_manifest(data: bytes, algorithm: str) -> tuple[dict[str, str], list[str]]:
    """The readable lines of a manifest, and one message for each line that is not.

    Unlike :func:`parse_manifest`, one damaged line does not hide the others: a verifier
    can report that line once and still check every file the good lines list.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}, [f"manifest-{algorithm} is not UTF-8."]
    entries: dict[str, str] = {}
    problems: list[str] = []
    seen_nfc: set[str] = set()
    for number, line in enumerate(_lines(text), start=1):
        try:
            path, digest = _manifest_line(line, number, algorithm)
        except InputError as exc:
            problems.append(exc.message)
            continue
        nfc = unicodedata.normalize("NFC", path)
        if nfc in seen_nfc:
            problems.append(f"line {number} of the {algorithm} manifest repeats a path.")
            continue
        seen_nfc.add(nfc)
        entries[path] = digest
    return entries, problems


def _manifest_line(line: str, number: int, algorithm: str) -> tuple[str, str]:
    """``(path, lower-case digest)`` of one manifest line.

    Raises:
        InputError: no valid digest, or an unsafe path.
    """
    # any other algorithm (md5, sha1 ...): read for path safety, its digest length unknown
    width = _HEX.get(algorithm) or len(line.split(" ", 1)[0])
    digest, rest = line[:width], line[width:]
    if len(digest) != width or digest.strip("0123456789abcdefABCDEF") or \
            not rest.startswith(" "):
        raise InputError(f"line {number} of the {algorithm} manifest has no valid digest.")
    # "HASH  PATH" (sha256sum text mode, bagit) or "HASH *PATH" (binary mode)
    path = decode_path(rest[2:] if rest[:2] in ("  ", " *") else rest[1:])
    if reason := unsafe_reason(path):
        raise InputError(f"line {number} of the {algorithm} manifest: {reason}.")
    return path, digest.lower()


def _lines(text: str) -> list[str]:
    """Lines split at LF only (``str.splitlines`` also splits at FS, GS, RS, U+2028 ...)."""
    return [line.removesuffix("\r") for line in text.split("\n") if line.removesuffix("\r")]


def format_bag_info(fields: Iterable[tuple[str, str]]) -> bytes:
    """``bag-info.txt`` text; values are single lines (newlines become spaces), folded.

    Raises:
        InputError: a label is not a plain token.
    """
    lines = []
    for label, value in fields:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", label):
            raise InputError(f"Bad bag-info label {label!r}.")
        lines += _folded(f"{label}:", str(value).split())
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _folded(line: str, words: list[str]) -> list[str]:
    """Lines of at most 79 characters (RFC 8493 §2.2.2), folded at spaces.

    A continuation line starts with one space, which stands for the space it replaces:
    unfolding (RFC 2822, as bagit-python does) gives the value back. A single word longer
    than a line (a fingerprint) gets a line of its own.
    """
    out = []
    for word in words:
        if len(line) + 1 + len(word) > BAG_INFO_WIDTH and line.strip():
            out.append(line)
            line = ""
        line += " " + word
    out.append(line)
    return out


BAG_INFO_WIDTH = 79


def parse_bag_info(data: bytes) -> dict[str, str]:
    """Parse ``bag-info.txt`` (continuation lines joined; last value wins).

    Raises:
        InputError: not UTF-8 or a line without a label.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("bag-info.txt is not UTF-8.") from exc
    fields: dict[str, str] = {}
    label = None
    for line in _lines(text):
        if line[:1] in (" ", "\t") and label:
            fields[label] = f"{fields[label]} {line.strip()}".strip()
            continue
        label, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"bag-info.txt line {line[:40]!r} has no label.")
        label = label.strip()
        fields[label] = value.strip()
    return fields


def payload_oxum(sizes: Iterable[int]) -> str:
    """``OCTETS.COUNT`` for the payload files' sizes."""
    values = list(sizes)
    return f"{sum(values)}.{len(values)}"
