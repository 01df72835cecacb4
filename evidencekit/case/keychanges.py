"""Recording key rotations and revocations in a case (the I/O side of ``custody.lifecycle``)."""

from __future__ import annotations

from evidencekit.case.folder import Case
from evidencekit.core.errors import InputError
from evidencekit.custody.events import Event
from evidencekit.custody.lifecycle import (
    REVOKED,
    ROTATED,
    key_states,
    revocation_details,
    rotation_details,
    since_time,
)
from evidencekit.keys.keyfile import PublicKey, Signer


def rotate_key(case: Case, old: Signer, new: Signer) -> Event:
    """Hand over from ``old`` to ``new``: a ``key-rotated`` event signed by the old key.

    The new key's public key is also stored in the case. After this, the old key
    may sign nothing more in this case.

    Raises:
        InputError: the keys are the same, or the new key was revoked or replaced.
        KeyFileError: the old key was already replaced or revoked.
        StorageError: the log cannot be written.
    """
    details = rotation_details(case.info.case_id, old, new)
    state = key_states(case.events()).get(new.public.fingerprint)
    if state is not None and state.refusal():
        raise InputError(f"The new key cannot be used: {state.refusal()}")
    with case.writing(old) as writer:
        event = writer.append(ROTATED, details=details)
    case.store_public_key(new.public)
    return event


def revoke_key(case: Case, signer: Signer, key: PublicKey | str, reason: str,
               since: str | None = None) -> Event:
    """Record that ``key`` (a public key or a fingerprint) must no longer be relied on.

    ``since`` (ISO 8601 with a zone, e.g. ``2026-11-20T18:00Z``) is when it may have
    been compromised; events it signed from then on are flagged by ``verify``. The revoking
    signer may be the key itself or any other key holder of the case.

    Raises:
        InputError: bad fingerprint, reason or time, or the key is already revoked.
        StorageError: the log cannot be written.
    """
    details = revocation_details(key, reason, since_time(since))
    state = key_states(case.events()).get(str(details["fingerprint"]))
    if state is not None and state.revoked_at is not None:
        raise InputError(f"That key was already revoked in custody event {state.revoked_at}.")
    with case.writing(signer) as writer:
        return writer.append(REVOKED, details=details)
