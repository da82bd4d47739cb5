"""iCalendar (RFC 5545) text for the calendar feed, written by hand (no extra package).

Only non-identifying data goes in: title, kind, venue, times, programme name, and a link to the
activity page (which needs a sign-in). Minutes, decisions, attendance and attachments stay out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import translation

from .models import Activity, ActivityKind, ActivityStatus

CRLF = "\r\n"
# RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT values (§3.3.11): backslash, semicolon, comma and newlines are escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.1): a CRLF and one space start each continuation.
    A multi-octet UTF-8 character is never split."""
    data = line.encode()
    if len(data) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    start, limit = 0, MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode())
        # Continuation lines begin with a space, which counts towards their 75 octets.
        start, limit = end, MAX_OCTETS - 1
    return (CRLF + " ").join(parts)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(activity: Activity, *, stamp: dt.datetime, domain: str, url: str | None) -> list[str]:
    kind = str(ActivityKind(activity.kind).label) if activity.kind in ActivityKind.values else activity.kind
    lines = [
        "BEGIN:VEVENT",
        f"UID:kegiatan-{activity.pk}@{domain}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(activity.starts_at)}",
    ]
    if activity.ends_at:
        lines.append(f"DTEND:{utc(activity.ends_at)}")
    lines.append(f"SUMMARY:{escape_text(activity.title)}")
    if activity.venue:
        lines.append(f"LOCATION:{escape_text(activity.venue)}")
    lines.append(f"CATEGORIES:{escape_text(kind)}")
    description = "\n".join([kind, f"Program: {activity.programme.name}"])
    lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append("STATUS:" + ("CANCELLED" if activity.status == ActivityStatus.CANCELLED else "CONFIRMED"))
    if activity.updated_at:
        lines.append(f"LAST-MODIFIED:{utc(activity.updated_at)}")
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


def build_calendar(
    activities: Iterable[Activity],
    *,
    now: dt.datetime,
    domain: str,
    name: str,
    url_for: Callable[[Activity], str] | None = None,
) -> str:
    """The whole VCALENDAR, CRLF line endings, folded lines. Labels in Bahasa Indonesia (a
    calendar app has no language preference of the user)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Pulih//Kalender kegiatan//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    with translation.override("id"):
        for activity in activities:
            lines.extend(_event(activity, stamp=now, domain=domain, url=url_for(activity) if url_for else None))
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF
