"""A keyring: the public keys a check trusts, and others it merely knows (a pure value)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from evidencekit.core.frozen import frozen_mapping
from evidencekit.core.report import Finding
from evidencekit.keys.keyfile import PublicKey


@attrs.frozen
class Keyring:
    """Public keys by fingerprint: those the user trusts, and others merely known.

    Both are read-only mappings: a keyring cannot be extended in place.
    """

    trusted: Mapping[str, PublicKey] = attrs.field(factory=dict, converter=frozen_mapping)
    known: Mapping[str, PublicKey] = attrs.field(factory=dict, converter=frozen_mapping)

    @classmethod
    def of(cls, trusted: Iterable[PublicKey], known: Iterable[PublicKey] = ()) -> Keyring:
        """Build a keyring from lists of keys."""
        return cls({k.fingerprint: k for k in trusted}, {k.fingerprint: k for k in known})

    def check(self, fingerprint: str, message: bytes, signature: bytes,
              subject: str, what: str) -> list[Finding]:
        """Findings for one signature: invalid, unknown signer or untrusted signer."""
        key = self.trusted.get(fingerprint) or self.known.get(fingerprint)
        if key is None:
            return [Finding("signer-unknown",
                            f"signed by key {fingerprint[:16]}…, which is neither trusted "
                            "(--trust) nor stored in the case", subject)]
        if not key.verify(message, signature):
            return [Finding("bad-signature", f"{what} signature is not valid", subject)]
        if fingerprint not in self.trusted:
            return [Finding("signer-untrusted",
                            f"validly signed by {key.name} ({key.org}, {fingerprint[:16]}…), "
                            "whose key was not given with --trust", subject)]
        return []
