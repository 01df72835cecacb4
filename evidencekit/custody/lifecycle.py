"""Key rotation and revocation, recorded in the custody log (pure functions).

A **rotation** (``key-rotated``) is an event signed by the old key whose details
carry the new public key and a proof that the new key's holder agreed: the new
key's signature over ``{"type": ROTATION_TYPE, "case_id", "old", "new"}`` in
canonical form. Whoever trusts the old key can then trust the new one; the old
key is retired and may sign nothing after that event.

A **revocation** (``key-revoked``) says a key must no longer be relied on, from
a given time (``since``, when it may have been compromised, e.g. the laptop was
stolen). Events it signs after the revocation are errors; events it signed
before the revocation but at or after ``since`` are warnings for a reviewer.

Both kinds of event are always disclosed in exported custody extracts.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from evidencekit.core.canonical import JsonValue, canonical_bytes
from evidencekit.core.errors import InputError, KeyFileError
from evidencekit.core.report import Finding
from evidencekit.custody.events import Event, Head, format_time
from evidencekit.keys.keyfile import PublicKey, Signer, parse_public_key
from evidencekit.keys.keyring import Keyring

ROTATION_TYPE = "evidencekit.key-rotation/1"
ROTATED = "key-rotated"
REVOKED = "key-revoked"
KEY_ACTIONS = frozenset({ROTATED, REVOKED})


def rotation_statement(case_id: str, old: str, new: str) -> bytes:
    """The bytes the new key signs to accept taking over from the old one."""
    return canonical_bytes({"type": ROTATION_TYPE, "case_id": case_id, "old": old, "new": new})


def rotation_details(case_id: str, old: Signer, new: Signer) -> dict[str, JsonValue]:
    """Details of a ``key-rotated`` event (the event itself is signed by ``old``).

    Raises:
        InputError: the two keys are the same.
    """
    if old.public.fingerprint == new.public.fingerprint:
        raise InputError("The new key is the same as the old one; create a new key first.",
                         hint="Run 'evidencekit keys create --out NEWNAME'.")
    proof = new.sign(rotation_statement(case_id, old.public.fingerprint,
                                        new.public.fingerprint))
    return {"new_key": {"name": new.public.name, "org": new.public.org,
                        "fingerprint": new.public.fingerprint,
                        "public_key": new.public.to_pem()},
            "proof": base64.b64encode(proof).decode("ascii")}


def revocation_details(key: PublicKey | str, reason: str,
                       since: str | None = None) -> dict[str, JsonValue]:
    """Details of a ``key-revoked`` event.

    Raises:
        InputError: empty reason or a malformed fingerprint.
    """
    fingerprint = key.fingerprint if isinstance(key, PublicKey) else key.strip().lower()
    if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
        raise InputError("Give the key to revoke as its .pub file or its 64-digit fingerprint.")
    if not reason.strip() or len(reason) > 500:
        raise InputError("Say why the key is revoked (at most 500 characters).")
    details: dict[str, JsonValue] = {"fingerprint": fingerprint, "reason": reason.strip()}
    if since is not None:
        details["since"] = since
    return details


def new_key_of(event: Event) -> PublicKey | None:
    """The new key a valid-looking rotation event names, or ``None``."""
    if event.action != ROTATED:
        return None
    entry = event.details.get("new_key")
    proof = event.details.get("proof")
    if not isinstance(entry, Mapping) or not isinstance(proof, str):
        return None
    pem, name, org = entry.get("public_key"), entry.get("name"), entry.get("org")
    if not all(isinstance(v, str) for v in (pem, name, org)):
        return None
    text = f"Name: {name}\nOrganisation: {org}\n{pem}"
    try:
        key = parse_public_key(text, source="rotation record")
        signature = base64.b64decode(proof, validate=True)
    except (KeyFileError, InputError, binascii.Error, ValueError):
        return None
    statement = rotation_statement(event.case_id, event.actor.fingerprint, key.fingerprint)
    if entry.get("fingerprint") != key.fingerprint or not key.verify(statement, signature):
        return None
    return key


def extend_keyring(events: Iterable[Event], keys: Keyring) -> Keyring:
    """Add keys introduced by validly signed rotations, in log order.

    A new key is trusted when the old key that signed its rotation is trusted,
    otherwise merely known.
    """
    trusted, known = dict(keys.trusted), dict(keys.known)
    retired: set[str] = set()
    for event in events:
        new = new_key_of(event)
        old = event.actor.fingerprint
        signer = trusted.get(old) or known.get(old)
        if new is None or signer is None or old in retired or not signer.verify(
                event.signed_bytes(), event.signature_bytes()):
            continue  # a key hands on once: a second hand-over (a thief's) passes nothing
        retired.add(old)
        (trusted if old in trusted else known).setdefault(new.fingerprint, new)
    return Keyring(trusted, known)


@attrs.frozen
class KeyStatus:
    """What the log says of one key: retired (rotated away) or revoked, and when."""

    fingerprint: str
    retired_at: int | None = None
    successor: str | None = None
    revoked_at: int | None = None
    revoked_since: str | None = None
    reason: str | None = None

    def refusal(self) -> str | None:
        """Why this key may not sign any more, or ``None`` when it may."""
        if self.revoked_at is not None:
            return (f"This key was revoked in custody event {self.revoked_at} "
                    f"({self.reason}); it may not sign anything more.")
        if self.retired_at is not None:
            return (f"This key was replaced by key {(self.successor or '')[:16]}… in custody "
                    f"event {self.retired_at}; sign with the new key.")
        return None


def key_states(events: Sequence[Event], keys: Keyring | None = None,
               start: Mapping[str, KeyStatus] | None = None) -> dict[str, KeyStatus]:
    """Retirements and revocations recorded in the log (validly signed ones only).

    With ``keys`` ``None`` (the case's own writer) signatures are taken as checked.
    ``start`` is the states after earlier events, so that a growing log is read once.
    """
    states: dict[str, KeyStatus] = dict(start or {})
    for event in events:
        if keys is not None and not _signed_ok(event, keys):
            continue
        if event.action == ROTATED and (new := new_key_of(event)) is not None:
            old = states.get(event.actor.fingerprint, KeyStatus(event.actor.fingerprint))
            if old.retired_at is None:
                states[old.fingerprint] = attrs.evolve(old, retired_at=event.seq,
                                                       successor=new.fingerprint)
        elif event.action == REVOKED:
            fingerprint = event.details.get("fingerprint")
            if not isinstance(fingerprint, str):
                continue
            state = states.get(fingerprint, KeyStatus(fingerprint))
            if state.revoked_at is None:
                since = event.details.get("since")
                reason = event.details.get("reason")
                states[fingerprint] = attrs.evolve(
                    state, revoked_at=event.seq,
                    revoked_since=since if isinstance(since, str) else event.time,
                    reason=str(reason)[:200] if reason is not None else "no reason given")
    return states


def _signed_ok(event: Event, keys: Keyring) -> bool:
    key = keys.trusted.get(event.actor.fingerprint) or keys.known.get(event.actor.fingerprint)
    return key is not None and key.verify(event.signed_bytes(), event.signature_bytes())


def check_lifecycle(events: Sequence[Event], keys: Keyring,
                    head: Head | None = None) -> list[Finding]:
    """Findings for signatures made by retired or revoked keys, and for bad rotations."""
    states = key_states(events, keys)
    found: list[Finding] = []
    for event in events:
        subject = f"event {event.seq}"
        if event.action == ROTATED and new_key_of(event) is None:
            found.append(Finding("rotation-invalid", "a key rotation record whose new key or "
                                 "proof does not check out", subject))
        state = states.get(event.actor.fingerprint)
        if state is None:
            continue
        found += _late_signature(state, event.seq, event.time, subject)
    if head is not None and (state := states.get(head.actor.fingerprint)) is not None:
        found += _late_signature(state, head.seq, None, "head")
    return found


def _late_signature(state: KeyStatus, seq: int | None, time: str | None,
                    subject: str) -> list[Finding]:
    def after(at: int | None) -> bool:
        return at is not None and seq is not None and seq > at

    if after(state.revoked_at):
        return [Finding("signer-revoked", f"signed by key {state.fingerprint[:16]}… after it "
                        f"was revoked in event {state.revoked_at} ({state.reason})", subject)]
    if after(state.retired_at):
        return [Finding("signer-retired", f"signed by key {state.fingerprint[:16]}… after it "
                        f"was replaced in event {state.retired_at}", subject)]
    if state.revoked_at is not None and time is not None and state.revoked_since and \
            time >= state.revoked_since:
        return [Finding("signed-while-compromised", f"signed at {time}, after {state.revoked_since}"
                        " when the key may already have been compromised (revoked in event "
                        f"{state.revoked_at}: {state.reason}); check this record", subject,
                        "warning")]
    return []


def since_time(text: str | None) -> str | None:
    """Normalise a ``--since`` time (ISO 8601 with a zone) to the log's UTC form.

    Raises:
        InputError: not an ISO 8601 time with a zone.
    """
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{text!r} is not a time like 2026-11-20T18:00+00:00.") from exc
    return format_time(moment)
