"""Which reference each received exhibit takes: a pure function of values.

The rule (``docs/receiving.md``): an exhibit keeps the sender's reference, because a
PD 32 reference belongs to the witness who produced the exhibit. With a prefix it
becomes ``PREFIX-REF`` (``NHP-HG/1``). A reference already held by *the same*
exhibit (same sender's case, same sender's reference, same SHA-256, received in an
earlier package) is "already held" and not added twice; so is an exhibit coming back
to the case it was sent from (the sender had received it from this case, under this
reference, with this SHA-256). A reference held by any other exhibit refuses the whole
package: references are never silently renumbered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError, ReceiveError
from evidencekit.custody.exhibits import Item
from evidencekit.custody.origin import RECEIVED, Origin

if TYPE_CHECKING:
    from evidencekit.package.incoming import Incoming, Sent


@attrs.frozen
class ReceivedItem:
    """One received exhibit: its reference here and the sender's, and what was done."""

    ref: str
    sender_ref: str
    sha256: str
    path: str
    status: str  # "added" or "already held"

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return {"ref": self.ref, "sender_ref": self.sender_ref, "sha256": self.sha256,
                "status": self.status}


def _same_exhibit(held: Item, sent: Sent, incoming: Incoming, here: str) -> bool:
    if held.sha256 != sent.sha256:
        return False
    if held.origin is not None:  # received before, from the same case
        return held.origin.sender_case_id == incoming.head.case_id and \
            held.origin.sender_ref == sent.ref
    try:  # coming back home: the sender had received it from this very case
        back = Origin.from_dict(sent.source.details.get("received_from"))
    except InputError:
        return False
    return sent.source.action == RECEIVED and back.sender_case_id == here and \
        back.sender_ref == held.ref


def plan_receipt(incoming: Incoming, items: Sequence[Item], prefix: str | None,
                 here: str = "") -> list[ReceivedItem]:
    """The reference each exhibit of ``incoming`` takes in case ``here`` holding ``items``.

    Raises:
        ReceiveError: a reference is held by another exhibit (all of them are named).
    """
    held = {i.ref.upper(): i for i in items}
    planned: list[ReceivedItem] = []
    taken: list[tuple[str, str]] = []
    for sent in incoming.sent:
        ref = f"{prefix}-{sent.ref}" if prefix else sent.ref
        there = held.get(ref.upper())
        if there is None:
            status = "added"
        elif _same_exhibit(there, sent, incoming, here):
            status = "already held"
        else:
            taken.append((ref, sent.ref))
            continue
        planned.append(ReceivedItem(ref, sent.ref, sent.sha256, sent.path, status))
    if taken:
        other = _suggest(incoming, prefix)
        raise ReceiveError(
            f"Exhibit reference(s) {', '.join(r for r, _ in taken)} are already used in this "
            "case by other exhibits; nothing was added (references are never renumbered).",
            hint=f"Receive the package again with --prefix, e.g. --prefix {other} makes "
                 f"{taken[0][1]} into {other}-{taken[0][1]}.")
    return planned


def _suggest(incoming: Incoming, tried: str | None) -> str:
    letters = "".join(w[0] for w in incoming.sender.org.split() if w[:1].isalpha()).upper()
    suggestion = letters[:12] or "P"
    return suggestion if suggestion != tried else f"{suggestion[:11]}2"
