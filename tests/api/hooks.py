"""Schemathesis hooks for `npm run test:api` (loaded through SCHEMATHESIS_HOOKS by fuzz.ts).

Six kinds of value are valid only in a way no JSON Schema can state, and the document says so in prose:
a time zone name must be in the IANA database (the document gives its shape), a query is written in the
query language (a grammar), a cursor is opaque and issued by the server (a made-up one is refused: 400),
a recurrence rule is RFC 5545 text read by the engine (with its limits, and daily at most for an all-day
series), a reminder's offset is at most 366 days, and a snooze's `until` lies in the future. In positive
cases, and only there, this gives such a field a value of the valid kind: made-up cursors are dropped (no
link passes a real one); zones, queries, rules and offsets are taken from lists; `until` is an hour
ahead. Negative cases are left as generated, so the refusals are still checked.
"""

from datetime import datetime, timedelta, timezone
from zlib import crc32

import schemathesis

RULES = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=MONTHLY;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=YEARLY;COUNT=3",
    "FREQ=DAILY;INTERVAL=3;COUNT=10",
]


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]
QUERIES = ["", "milk", "status:open has:reminder", "priority:high", "tag:bills", "due<+7d", "overdue"]
OFFSETS = ["-PT30M", "-P1D", "PT0S", "-PT2H", "-P1W", "PT15M"]


def _pick(values, generated):
    # Picked by the generated value, not at random, so a failing case replays the same.
    return values[crc32(str(generated).encode()) % len(values)]


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
        if isinstance(case.query.get("q"), str):
            case.query["q"] = _pick(QUERIES, case.query["q"])
    body = case.body
    if isinstance(body, dict):
        for holder in (body, body.get("due")):
            if isinstance(holder, dict) and isinstance(holder.get("tz"), str):
                holder["tz"] = _pick(ZONES, holder["tz"])
        if "rrule" in body:
            body["rrule"] = _pick(RULES, body["rrule"])
        recurrence = body.get("recurrence")
        if isinstance(recurrence, dict) and "rrule" in recurrence:
            recurrence["rrule"] = _pick(RULES, recurrence["rrule"])
        for reminder in body.get("reminders") or []:
            if isinstance(reminder, dict) and "offset" in reminder:
                reminder["offset"] = _pick(OFFSETS, reminder["offset"])
        if case.operation.path.endswith("/snooze") and "until" in body:
            body["until"] = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")
    return case
