"""``evidencekit list``, ``show`` and ``log``: read-only views of a case."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from evidencekit import Event, Item, history_of

from .common import case_option, emit_json, human_size, json_option, open_case, safe


@click.command("list")
@case_option
@json_option
def list_items(case_dir: Path | None, as_json: bool) -> None:
    """List the exhibits in the case."""
    case = open_case(case_dir)
    items = case.items()
    if as_json:
        emit_json({"case": case.info.to_dict(), "items": [i.to_dict() for i in items]})
        return
    click.echo(f"{case.info.ref}: {case.info.title} ({len(items)} exhibits)")
    if items:
        click.echo(f"{'ref':<8} {'kind':<9} {'size':>10}  {'captured':<23}  "
                   f"{'original name':<28}  description")
    for i in items:
        click.echo(f"{i.ref:<8} {i.kind:<9} {human_size(i.size):>10}  {_captured(i):<23}  "
                   f"{_cut(i.original_name, 28):<28}  {_cut(i.description, 50)}")
        if i.origin is not None:
            click.echo(f"{'':<9}{safe(i.origin.describe())}")


def _captured(item: Item) -> str:
    """When it was recorded: the time stated at ingest, else the device's clock, else -."""
    stated = item.details.get("captured_at_stated")
    if isinstance(stated, str) and stated:
        return f"{_minutes(stated)} stated"
    return f"{_minutes(item.device_time)} device" if item.device_time else "-"


def _minutes(text: str) -> str:
    """``2026-11-14T23:42:10+00:00`` → ``2026-11-14 23:42`` (other forms as they are)."""
    return safe(text)[:16].replace("T", " ", 1)


def _cut(text: str, width: int) -> str:
    shown = safe(text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


@click.command()
@click.argument("ref")
@case_option
@json_option
def show(ref: str, case_dir: Path | None, as_json: bool) -> None:
    """Show everything recorded about exhibit REF (e.g. HG/1)."""
    case = open_case(case_dir)
    item = case.item(ref)
    events = history_of(case.events(), item.ref)
    if as_json:
        emit_json({"item": item.to_dict(), "events": [_event_dict(e) for e in events]})
        return
    d = item.details
    rows = [("Exhibit", item.ref), ("Description", item.description), ("Kind", item.kind),
            ("Original name", item.original_name), ("Type", item.media_type),
            ("Size", f"{item.size} bytes"), ("SHA-256", item.sha256),
            ("Ingested", f"{item.ingested_at} by {item.ingested_by}"),
            ("Source", d.get("source")), ("Captured by", d.get("captured_by")),
            ("Captured at (stated)", d.get("captured_at_stated")),
            ("Device time (from file)", item.device_time)]
    if item.origin is not None:  # not ingested here: say who sent it and from which case
        rows[7] = ("Received", f"{item.ingested_at} by {item.ingested_by}, "
                               f"{item.origin.describe()}")
    for label, value in rows:
        if value:
            click.echo(f"{label + ':':<25}{safe(value)}")
    for key, value in sorted(item.metadata.items()):
        click.echo(f"  {key}: {safe(_flat(value))}")
    for note in d.get("warnings") or []:
        click.echo(f"warning: {safe(note)}")
    click.echo("History:")
    for e in events:
        about = "" if e.exhibit == item.ref else f" {e.exhibit}"
        click.echo(f"  #{e.seq} {e.time} {e.action}{about} by {safe(e.actor.name)}")


def _flat(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_flat(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_flat(v) for v in value)
    return str(value)


def _event_dict(event: Event) -> dict[str, object]:
    return {**event.body(), "signature": event.signature, "hash": event.hash}


@click.command()
@click.argument("ref", required=False)
@case_option
@json_option
def log(ref: str | None, case_dir: Path | None, as_json: bool) -> None:
    """Show the custody log (only exhibit REF's history if given).

    An exhibit's history includes the copies made from it (HG/6 shows that HG/6-R1
    was made), and a copy's history starts with the ingest of its source.
    """
    case = open_case(case_dir)
    events = case.events()
    if ref:
        events = history_of(events, case.item(ref).ref)
    if as_json:
        emit_json([_event_dict(e) for e in events])
        return
    for e in events:
        click.echo(f"#{e.seq:<4} {e.time}  {e.action:<18} {e.exhibit or '-':<8} "
                   f"{safe(e.actor.name)} ({safe(e.actor.org)})")
