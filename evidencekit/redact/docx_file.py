"""A DOCX as its zip parts: read within limits, redacted where text lives, written back.

Text lives in the body, headers, footers, footnotes and endnotes (tables and text
boxes are inside those), in field instructions and in link targets; each is matched
and rewritten (:mod:`evidencekit.redact.docx_runs`). What is not the statement as it
reads goes whole: comments, the people of tracked changes, tracked deletions, document
properties (``docProps/``: core, app and custom properties and the thumbnail), custom
XML data and the glossary. Relationships and content types of removed parts go too.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

import attrs
from lxml import etree

from evidencekit.core import limits
from evidencekit.core.errors import InputError
from evidencekit.redact.detectors import Span, apply
from evidencekit.redact.docx_runs import (
    Element,
    Finder,
    W,
    accept_changes,
    redact_instructions,
    redact_paragraph,
)

TEXT_PART = re.compile(r"word/(?:document|header\d*|footer\d*|footnotes|endnotes)\.xml")
DROPPED = re.compile(r"docProps/.*|customXml/.*|word/glossary/.*"
                     r"|word/(?:comments\w*|people)\.xml|word/_rels/(?:comments\w*|people)"
                     r"\.xml\.rels")
MEDIA = re.compile(r"word/(?:media|embeddings)/.+")
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@attrs.frozen
class DocxRedaction:
    """The rewritten DOCX, every span found, its text, and how many pictures it holds."""

    data: bytes
    spans: tuple[Span, ...]
    text: str
    pictures: int


def read_parts(path: Path) -> dict[str, bytes]:
    """Every part of the DOCX by name, in zip order.

    Raises:
        InputError: not a zip, or it unpacks beyond the ``docx-unpacked-bytes`` limit.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > limits.whole("docx-unpacked-bytes"):
                raise limits.exceeded("docx-unpacked-bytes", f"The DOCX unpacks to "
                                      f"{unpacked:,} bytes and was not opened")
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"The DOCX cannot be opened as a zip ({exc}).") from exc


def _xml(data: bytes, name: str) -> Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"The DOCX part {name} is not well-formed XML ({exc}).") from exc


def _bytes(root: Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def rels_of(part: str) -> str:
    """The name of the relationships part of ``part``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _target(rels_name: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    source_dir = posixpath.dirname(posixpath.dirname(rels_name))
    return posixpath.normpath(posixpath.join(source_dir, target))


def _prune(parts: dict[str, bytes], dropped: set[str]) -> None:
    """Relationships and content-type overrides that name a removed part."""
    for name in [n for n in parts if n.endswith(".rels")]:
        root = _xml(parts[name], name)
        for rel in list(root.iter(_REL)):
            if rel.get("TargetMode") != "External" and \
                    _target(name, rel.get("Target", "")) in dropped:
                root.remove(rel)
        parts[name] = _bytes(root)
    if "[Content_Types].xml" in parts:
        root = _xml(parts["[Content_Types].xml"], "[Content_Types].xml")
        for node in list(root.iter(f"{_CT}Override")):
            if node.get("PartName", "").lstrip("/") in dropped:
                root.remove(node)
        parts["[Content_Types].xml"] = _bytes(root)


def _links(parts: dict[str, bytes], part: str, root: Element, find: Finder) -> list[Span]:
    """External targets (``mailto:``, web addresses) that hold a match: link removed."""
    name = rels_of(part)
    if name not in parts:
        return []
    rels, spans, hit = _xml(parts[name], name), [], set()
    for rel in list(rels.iter(_REL)):
        found = find(rel.get("Target", "")) if rel.get("TargetMode") == "External" else []
        if found:
            spans += found
            hit.add(rel.get("Id"))
            rels.remove(rel)
    for link in list(root.iter(f"{W}hyperlink")):
        if link.get(_R_ID) in hit:
            link.attrib.pop(_R_ID)
    parts[name] = _bytes(rels)
    return spans


def _redact_part(parts: dict[str, bytes], name: str, find: Finder,
                 preview: bool) -> tuple[list[Span], list[str]]:
    root = _xml(parts[name], name)
    accept_changes(root)
    spans, texts = [], []
    for paragraph in list(root.iter(f"{W}p")):
        found, text = redact_paragraph(paragraph, find, preview=preview)
        spans += found
        texts.append(apply(text, found))
    spans += redact_instructions(root, find) + _links(parts, name, root, find)
    parts[name] = _bytes(root)
    return spans, texts


def redact_docx(parts: dict[str, bytes], find: Finder, *, preview: bool = False) -> DocxRedaction:
    """The DOCX with every match replaced by its label on black (``preview``: highlighted).

    A preview is cleaned the same way, so the reviewer sees the copy as it will read.

    Raises:
        InputError: a part is not well-formed XML, or the DOCX has no ``word/document.xml``.
    """
    parts = dict(parts)
    if "word/document.xml" not in parts:
        raise InputError("The DOCX has no word/document.xml; it is not a Word document.")
    dropped = {n for n in parts if DROPPED.fullmatch(n)}
    for name in dropped:
        del parts[name]
    _prune(parts, dropped)
    spans: list[Span] = []
    texts: list[str] = []
    for name in [n for n in parts if TEXT_PART.fullmatch(n)]:
        found, text = _redact_part(parts, name, find, preview)
        spans, texts = spans + found, texts + text
    pictures = sum(1 for n in parts if MEDIA.fullmatch(n))
    return DocxRedaction(write_parts(parts), tuple(spans), "\n".join(texts), pictures)


def write_parts(parts: dict[str, bytes]) -> bytes:
    """The parts as a DOCX zip, content types first."""
    buffer = io.BytesIO()
    order = sorted(parts, key=lambda n: n != "[Content_Types].xml")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            archive.writestr(name, parts[name])
    return buffer.getvalue()
