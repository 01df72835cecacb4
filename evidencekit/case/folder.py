"""A case folder on disk: its layout, its log, and the one way to append to it.

Layout (see ``docs/formats.md``)::

    CASE/
      case.json              reference, title, court, case id
      objects/sha256/ab/abcd…  content-addressed, read-only originals and derivatives
      objects/tmp/           copies in progress (ignored by verify)
      custody/log.jsonl      signed, hash-chained events
      custody/head.json      signed head: sequence and hash of the last event
      custody/lock           flock target serialising writers
      keys/FINGERPRINT.pub   public keys of everyone who has signed here
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue, canonical_bytes
from evidencekit.core.errors import CaseError, CustodyError, InputError, KeyFileError
from evidencekit.custody.events import Event, Head, format_time, head_for, next_event
from evidencekit.custody.exhibits import Item, items_of, ref_hint
from evidencekit.custody.lifecycle import KEY_ACTIONS, KeyStatus, key_states
from evidencekit.keys.keyfile import PublicKey, Signer, parse_public_key

CASE_FORMAT = "evidencekit-case/1"
CASE_FILE = "case.json"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def _one_line(name: str, limit: int = 300) -> Callable[[object, object, Any], None]:
    def check(_inst: object, _attr: object, value: Any) -> None:
        if value is None and name == "court":
            return
        if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > limit:
            raise InputError(f"The case {name} must be one line of 1 to {limit} characters.")

    return check


@attrs.frozen
class CaseInfo:
    """What ``case.json`` records about a case."""

    case_id: str = attrs.field(validator=_one_line("id"))
    ref: str = attrs.field(validator=_one_line("reference", 100))
    title: str = attrs.field(validator=_one_line("title"))
    court: str | None = attrs.field(default=None, validator=_one_line("court"))
    created: str = ""

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form (``case.json`` and the ``case-created`` event)."""
        return {"format": CASE_FORMAT, "case_id": self.case_id, "ref": self.ref,
                "title": self.title, "court": self.court, "created": self.created}

    @classmethod
    def from_dict(cls, data: object) -> CaseInfo:
        """Rebuild from untrusted data.

        Raises:
            CaseError: not a case record.
        """
        if not isinstance(data, dict) or data.get("format") != CASE_FORMAT:
            raise CaseError("case.json is not an evidencekit case record.")
        try:
            return cls(data.get("case_id"), data.get("ref"), data.get("title"),  # type: ignore[arg-type]
                       data.get("court"), str(data.get("created", "")))
        except InputError as exc:
            raise CaseError(f"case.json is malformed: {exc.message}") from exc


class _Index:
    """What the events read so far say: exhibits, the highest number per producer, keys.

    Exhibits are indexed by reference and by hash. Extended with each new tail of the log,
    so that the work per ingested file does not grow with the case (a private cache).
    """

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.by_ref: dict[str, Item] = {}
        self.by_sha: dict[str, Item] = {}
        self.top: dict[str, int] = {}
        self.keys: dict[str, KeyStatus] = {}

    def absorb(self, events: list[Event]) -> None:
        for item in items_of(events):
            self.items.append(item)
            self.by_ref.setdefault(item.ref.upper(), item)
            self.by_sha.setdefault(item.sha256, item)
            number = item.ref.split("/")[-1]
            if number.isdigit():
                self.top[item.producer] = max(self.top.get(item.producer, 0), int(number))
        if any(e.action in KEY_ACTIONS for e in events):
            self.keys = key_states(events, start=self.keys)


class Case:
    """An open case folder. Create with :meth:`init`, :meth:`open` or :meth:`find`."""

    def __init__(self, root: Path, info: CaseInfo, clock: Clock = utc_now) -> None:
        self.root = root
        self.info = info
        self.clock = clock
        # (inode, bytes parsed, events): the log only grows, so later reads parse the tail
        self._seen: tuple[int, int, list[Event]] = (-1, 0, [])
        self._index = _Index()  # the exhibits and key states of the events in _seen

    # -- locating -----------------------------------------------------------------
    @classmethod
    def init(cls, root: Path, *, ref: str, title: str, court: str | None = None,
             clock: Clock = utc_now) -> Case:
        """Create a new, empty case folder.

        Raises:
            CaseError: the folder already holds a case or files.
            InputError: a bad reference or title.
        """
        info = CaseInfo(str(uuid.uuid4()), ref.strip(), title.strip(),
                        court.strip() if court else None, format_time(clock()))
        if (root / CASE_FILE).exists():
            raise CaseError(f"{root} already holds a case.")
        if root.exists() and any(root.iterdir()):
            raise CaseError(f"{root} is not empty; choose a new folder for the case.")
        for sub in ("objects/sha256", "objects/tmp", "custody", "keys"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        storage.atomic_write(root / CASE_FILE, canonical_bytes(info.to_dict()) + b"\n")
        return cls(root, info, clock)

    @classmethod
    def open(cls, root: Path, clock: Clock = utc_now) -> Case:
        """Open an existing case folder.

        Raises:
            CaseError: no ``case.json`` or a malformed one.
        """
        path = root / CASE_FILE
        if not path.is_file():
            raise CaseError(f"{root} is not an evidencekit case (no case.json).",
                            hint="Run 'evidencekit init' first, or pass --case.")
        try:
            data = json.loads(storage.read_small_bytes(path, limit=1 << 16, what="case record"))
        except (ValueError, InputError) as exc:
            raise CaseError(f"{path} cannot be read as a case record.") from exc
        return cls(root.absolute(), CaseInfo.from_dict(data), clock)

    @classmethod
    def find(cls, start: Path | None = None, clock: Clock = utc_now) -> Case:
        """Open the case holding ``start`` (default: the current folder), like git.

        Raises:
            CaseError: no case folder in ``start`` or above it.
        """
        here = (start or Path.cwd()).absolute()
        for folder in (here, *here.parents):
            if (folder / CASE_FILE).is_file():
                return cls.open(folder, clock)
        raise CaseError(f"No evidencekit case in {here} or any folder above it.",
                        hint="Change into a case folder or pass --case DIR.")

    # -- paths --------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        """The custody log."""
        return self.root / "custody" / "log.jsonl"

    @property
    def head_path(self) -> Path:
        """The signed head."""
        return self.root / "custody" / "head.json"

    def object_path(self, sha256: str) -> Path:
        """Where the content with this SHA-256 is stored."""
        return self.root / "objects" / "sha256" / sha256[:2] / sha256

    @property
    def tmp_dir(self) -> Path:
        """Where copies in progress live."""
        return self.root / "objects" / "tmp"

    # -- reading ------------------------------------------------------------------
    def read_log(self) -> bytes:
        """The raw bytes of the custody log (empty when there is none).

        Raises:
            CustodyError: the log cannot be read.
        """
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise CustodyError(f"Cannot read the custody log: {exc.strerror}.") from exc

    def read_head(self) -> Head | None:
        """The signed head, or ``None`` when the case has none yet.

        Raises:
            CustodyError: the head exists but cannot be read.
        """
        try:
            return Head.from_bytes(self.head_path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CustodyError(f"Cannot read the custody head: {exc.strerror}.") from exc

    def events(self) -> list[Event]:
        """Every complete event in the log, in order.

        The log only grows, so lines parsed before are kept and only the new tail is read
        (a replaced, cut or rewritten last line makes it read everything again). This is a
        view for listing and numbering; verification always reads the file afresh.

        Raises:
            CustodyError: a line cannot be parsed (run ``verify`` for the full story).
        """
        inode, offset, known = self._seen
        try:
            with open(self.log_path, "rb") as handle:
                status = os.fstat(handle.fileno())
                if status.st_ino != inode or not self._same_prefix(handle, offset, known):
                    offset, known = 0, []  # replaced, cut or rewritten: read it all again
                    self._index = _Index()
                handle.seek(offset)
                fresh = handle.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise CustodyError(f"Cannot read the custody log: {exc.strerror}.") from exc
        end = fresh.rfind(b"\n") + 1
        new = [Event.from_line(line) for line in fresh[:end].split(b"\n")[:-1]]
        self._index.absorb(new)
        known = known + new
        self._seen = (status.st_ino, offset + end, known)
        return list(known)

    @staticmethod
    def _same_prefix(handle: BinaryIO, offset: int, known: list[Event]) -> bool:
        """True when the bytes already parsed still end with the last event seen."""
        if not known:
            return offset == 0
        last = known[-1].to_line()
        if os.fstat(handle.fileno()).st_size < offset:
            return False
        handle.seek(offset - len(last))
        return handle.read(len(last)) == last

    def items(self) -> list[Item]:
        """Every exhibit in the case.

        Raises:
            CustodyError: the log cannot be read.
        """
        self.events()
        return list(self._index.items)

    def item(self, ref: str) -> Item:
        """The exhibit with this reference (case-insensitive).

        Raises:
            InputError: no such exhibit.
        """
        self.events()
        found = self._index.by_ref.get(ref.strip().upper())
        if found is not None:
            return found
        raise InputError(f"There is no exhibit {ref} in this case.",
                         hint=ref_hint(ref, [i.ref for i in self._index.items]))

    def stored_keys(self) -> list[PublicKey]:
        """Public keys stored in the case (known, not trusted)."""
        found = []
        for path in sorted((self.root / "keys").glob("*.pub")):
            with contextlib.suppress(OSError, UnicodeDecodeError, InputError):
                found.append(parse_public_key(path.read_text("utf-8"), source=str(path)))
        return found

    # -- writing ------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, signer: Signer) -> Iterator[CaseWriter]:
        """Hold the case lock and append signed events; the head is re-signed on exit.

        Raises:
            CustodyError: the log is damaged in a way that must not be built upon.
            StorageError: the lock, log or head cannot be written.
        """
        with storage.exclusive_lock(self.root / "custody" / "lock"):
            writer = CaseWriter(self, signer, self._repaired_last_event())
            refusal = self._refusal(signer)
            if refusal:
                raise KeyFileError(refusal, hint="Ask who manages keys for this case.")
            self.store_public_key(signer.public)
            if writer.last is None:
                writer.append("case-created", details=self.info.to_dict())
            try:
                yield writer
            finally:
                writer.write_head()

    def _refusal(self, signer: Signer) -> str | None:
        self.events()
        state = self._index.keys.get(signer.public.fingerprint)
        return state.refusal() if state else None

    def _repaired_last_event(self) -> Event | None:
        if not self._ends_cleanly():  # a torn line from a killed writer: never acknowledged
            raw = self.read_log()
            storage.truncate_to(self.log_path, raw.rfind(b"\n") + 1)
        events = self.events()
        return events[-1] if events else None

    def _ends_cleanly(self) -> bool:
        """True when the log is empty or ends with a newline (read: one byte)."""
        try:
            with open(self.log_path, "rb") as handle:
                if handle.seek(0, os.SEEK_END) == 0:
                    return True
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) == b"\n"
        except FileNotFoundError:
            return True
        except OSError as exc:
            raise CustodyError(f"Cannot read the custody log: {exc.strerror}.") from exc

    def store_public_key(self, key: PublicKey) -> None:
        """Keep a copy of a public key in the case's ``keys/`` folder (known, not trusted)."""
        path = self.root / "keys" / f"{key.fingerprint}.pub"
        if not path.exists():
            storage.atomic_write(path, key.to_pub_file().encode("utf-8"))


class CaseWriter:
    """Appends events under the case lock (made by :meth:`Case.writing`)."""

    def __init__(self, case: Case, signer: Signer, last: Event | None) -> None:
        self.case = case
        self.signer = signer
        self.last = last
        self._dirty = False

    def append(self, action: str, *, exhibit: str | None = None, sha256: str | None = None,
               details: dict[str, JsonValue] | None = None) -> Event:
        """Sign and append one event.

        Raises:
            InputError: a malformed field.
            StorageError: the log cannot be written.
        """
        event = next_event(self.last, case_id=self.case.info.case_id, signer=self.signer,
                           now=self.case.clock(), action=action, exhibit=exhibit,
                           sha256=sha256, details=details)
        storage.append_line(self.case.log_path, event.to_line())
        self.last = event
        self._dirty = True
        return event

    def items(self) -> list[Item]:
        """Exhibits as of now, including those appended in this session."""
        return self.case.items()

    def twin_of(self, sha256: str) -> Item | None:
        """The first exhibit (original or copy) with this content, if any."""
        self.case.events()
        return self.case._index.by_sha.get(sha256)

    def next_ref(self, producer: str) -> str:
        """The next free reference for ``producer`` (``HG/1``, ``HG/2`` …)."""
        self.case.events()
        return f"{producer}/{self.case._index.top.get(producer, 0) + 1}"

    def write_head(self) -> None:
        """Re-sign the head over the last event (also repairs a head left behind)."""
        head = self.case.read_head()
        if not self._dirty and head is not None and self.last is not None and \
                head.seq == self.last.seq and head.hash == self.last.hash:
            return
        new = head_for(self.last, case_id=self.case.info.case_id, signer=self.signer,
                       now=self.case.clock())
        storage.atomic_write(self.case.head_path, new.to_bytes())
        self._dirty = False

