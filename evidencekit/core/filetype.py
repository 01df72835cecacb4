"""Telling a file's real type from its first bytes, not from its name."""

from __future__ import annotations

import zipfile
from pathlib import Path

# (magic bytes, offset, media type)
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF8", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"\x1a\x45\xdf\xa3", 0, "video/x-matroska"),
    (b"ID3", 0, "audio/mpeg"),
    (b"fLaC", 0, "audio/flac"),
    (b"OggS", 0, "audio/ogg"),
    (b"{\\rtf", 0, "text/rtf"),
)
_FTYP = {
    b"qt  ": "video/quicktime", b"M4A ": "audio/mp4", b"heic": "image/heic",
    b"heix": "image/heic", b"mif1": "image/heif", b"3gp4": "video/3gpp", b"3gp5": "video/3gpp",
}
_RIFF = {b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo", b"WEBP": "image/webp"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "text/rtf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PAGES = "application/vnd.apple.pages"

_SAVE_AS = "save it as DOCX or PDF and ingest that as well (this file is kept as received)"
ADVICE: dict[str, str] = {
    "application/x-ole-storage": f"an old Word, Excel or Outlook file: {_SAVE_AS}",
    XLSX: f"a spreadsheet: {_SAVE_AS}",
    PPTX: f"a presentation: {_SAVE_AS}",
    PAGES: f"an Apple Pages document: {_SAVE_AS}",
    "application/zip": "a zip archive: unpack it and ingest the files inside as well "
                       "(this file is kept as received)",
    "application/octet-stream": "a type evidencekit does not recognise: it cannot be "
                                "redacted or put in a bundle; for a document, "
                                f"{_SAVE_AS}",
}
"""Types kept as evidence but not redacted or bundled, with what the officer can do."""

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",), "image/gif": (".gif",), "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"), "image/heif": (".heic", ".heif"),
    "application/pdf": (".pdf",), "application/x-ole-storage": (".doc", ".xls", ".msg"),
    DOCX: (".docx",), ODT: (".odt",), RTF: (".rtf",), "application/zip": (".zip",),
    XLSX: (".xlsx",), PPTX: (".pptx",), PAGES: (".pages",),
    "video/mp4": (".mp4", ".m4v", ".mov"), "video/quicktime": (".mov", ".mp4"),
    "video/3gpp": (".3gp", ".mp4"), "video/x-matroska": (".mkv", ".webm"),
    "video/x-msvideo": (".avi",), "audio/mp4": (".m4a", ".mp4"), "audio/mpeg": (".mp3",),
    "audio/flac": (".flac",), "audio/ogg": (".ogg", ".oga", ".opus"), "audio/wav": (".wav",),
    "text/plain": (".txt", ".md", ".markdown", ".csv", ".log", ".text"),
}


def _sniff(head: bytes) -> str | None:
    for magic, offset, media in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return media
    if head[4:8] == b"ftyp":
        return _FTYP.get(head[8:12], "video/mp4")
    if head[:4] == b"RIFF":
        return _RIFF.get(head[8:12], "application/octet-stream")
    if head[:2] == b"\xff\xfb" or head[:2] == b"\xff\xf3":
        return "audio/mpeg"
    return None


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            # OpenDocument: the first entry is "mimetype", stored, holding the type.
            first = archive.read(names[0])[:100] if names and names[0] == "mimetype" else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return "application/zip"
    if first.strip() == ODT.encode():
        return ODT
    for marker, media in (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX),
                          ("ppt/presentation.xml", PPTX), ("Index/Document.iwa", PAGES),
                          ("index.xml", PAGES)):
        if marker in names:
            return media
    return "application/zip"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def detect(path: Path, head: bytes) -> str:
    """The media type of the file at ``path`` whose first bytes are ``head``."""
    if not head:
        return "application/x-empty"
    media = _sniff(head)
    if media is None and head[:4] == b"PK\x03\x04":
        return _zip_kind(path)
    if media is not None:
        return media
    return "text/plain" if _looks_like_text(head) else "application/octet-stream"


def advice(media_type: str) -> str | None:
    """What to do with a file of this type that evidencekit keeps but cannot work on."""
    return ADVICE.get(media_type)


def name_matches(name: str, media_type: str) -> bool:
    """True when the file name's extension fits the detected type (or says nothing)."""
    suffix = Path(name).suffix.lower()
    if not suffix or media_type == "application/x-empty":
        return True
    if media_type == "application/octet-stream":
        return not any(suffix in exts for exts in EXTENSIONS.values())
    return suffix in EXTENSIONS.get(media_type, (suffix,))
