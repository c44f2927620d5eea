"""Server-sent events, read cheaply: bytes from the network in, each event's data out.
Pure: no Django, no I/O.

A streamed reply is ~300 events; building an object per event (as the OpenAI SDK does) costs
more CPU than everything else a worker does for that reply. ``Events`` splits lines on bytes,
so a character cut in two by the network is whole again before anything decodes it, and
hands on the data of each event as bytes, ready for ``json.loads``.
"""

from __future__ import annotations


class Events:
    """Framing as the WHATWG event-stream spec says: lines end in LF, CRLF or a lone CR,
    wherever the reads cut them; a blank line ends an event; an event's ``data:`` lines are
    joined with LF (one leading space dropped from each). Comments, ``event:``, ``id:`` and
    ``retry:`` lines are skipped: the data says what a chunk is. An event with no data line,
    or one the stream ended in the middle of, is no event."""

    def __init__(self) -> None:
        self._held: list[bytes] = []  # the start of a line whose end has not come yet
        self._data: list[bytes] = []  # the data lines of the event being read
        self._after_cr = False  # the last read ended in CR: an LF first in the next is its pair

    def feed(self, chunk: bytes) -> list[bytes]:
        """The data of each event that ``chunk`` completes, in order."""
        if not chunk:
            return []
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._after_cr = chunk[-1:] == b"\r"
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
        if not cut:
            if chunk:
                self._held.append(chunk)
            return []
        lines = chunk[:cut] if cut < len(chunk) else chunk
        if self._held:
            lines = b"".join(self._held) + lines
            self._held.clear()
        if cut < len(chunk):
            self._held.append(chunk[cut:])
        return self._events(lines.splitlines())

    def _events(self, lines: list[bytes]) -> list[bytes]:
        events, data = [], self._data
        for line in lines:
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data.clear()
            elif line.startswith(b"data:"):
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line == b"data":  # a field with no colon has an empty value
                data.append(b"")
        return events
