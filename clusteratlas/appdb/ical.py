"""iCalendar (RFC 5545) files of events, written here (a handful of properties)."""

from __future__ import annotations

from datetime import UTC, datetime


def _escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11).

    >>> _escape("Lyon; Hall A, 2nd floor")
    'Lyon\\\\; Hall A\\\\, 2nd floor'
    """
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Fold lines longer than 75 octets (RFC 5545 §3.1)."""
    out, data = [], line.encode()
    while len(data) > 75:
        cut = 75 if not out else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        out.append(data[:cut].decode())
        data = data[cut:]
    out.append(data.decode())
    return [out[0]] + [" " + x for x in out[1:]]


def calendar(events: list[dict], *, host: str = "clusteratlas") -> str:
    """A VCALENDAR with one VEVENT per event that has a start date."""
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Cluster Atlas//events//EN"]
    for ev in events:
        if not ev.get("starts_at"):
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{ev['id']}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(ev['starts_at'])}",
        ]
        if ev.get("ends_at"):
            lines.append(f"DTEND:{_stamp(ev['ends_at'])}")
        lines.append(f"SUMMARY:{_escape(ev['title'])}")
        place = "online" if ev.get("online") else ev.get("place", "")
        if place:
            lines.append(f"LOCATION:{_escape(place)}")
        if ev.get("description"):
            lines.append(f"DESCRIPTION:{_escape(ev['description'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(f"{part}\r\n" for line in lines for part in _fold(line))
