"""Reading a large JSON object one record at a time: the top-level keys whose values are lists are handed out in
batches of records, so a 150 MB CocoVID file is checked with the memory of one batch (``json.load`` of the same
file holds about five times its size in Python objects).

Each record is parsed by the standard library's C scanner (``JSONDecoder.raw_decode``) straight from a text
buffer that is refilled as it is consumed; a syntax error names the line, as ``json.load`` would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

from trackbench.errors import InputFileError

CHUNK_CHARS = 1 << 20
BATCH_RECORDS = 4096
_SPACE = re.compile(r"[ \t\n\r]*")

OnBatch = Callable[[str, int, list], None]


class _Buffer:
    """A window on the file's text: ``text[pos:]`` is what is left to read; lines before the window are
    counted so an error can name its line."""

    def __init__(self, handle, path: Path, decoder: json.JSONDecoder):
        self.handle = handle
        self.path = path
        self.decoder = decoder
        self.text = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped from the front of the window

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            more = self.handle.read(CHUNK_CHARS)
        except UnicodeDecodeError as exc:
            raise InputFileError(self.path, "not UTF-8 text") from exc
        if not more:
            self.eof = True
            return False
        self.consumed += self.pos
        self.text = self.text[self.pos:] + more
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file), without consuming it."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            self.fail(f"expected {what}")
        self.pos += 1

    def value(self) -> Any:
        """Decode one JSON value; a value that ends exactly at the end of the window is read again with more text
        (a number may go on)."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # the value may be cut by the window's end: the scanner stops near it, or at the start of a
                # string it could not finish; anywhere else the text is wrong, and is not read further
                cut = exc.pos >= len(self.text) - 1024 or exc.msg.startswith("Unterminated string")
                if cut and self._fill():
                    continue
                self.fail(exc.msg, exc.pos)
            if end < len(self.text) or not self._fill():
                self.pos = end
                return value

    def fail(self, problem: str, at: int | None = None) -> None:
        """Raise the syntax error at window position ``at``, with its line and column (the lines before the
        window are counted only now, by reading the file again up to there)."""
        at = self.pos if at is None else at
        before = tail = 0  # newlines before the window, characters after the last of them
        with open(self.path, encoding="utf-8") as handle:
            left = self.consumed
            while left > 0:
                chunk = handle.read(min(left, CHUNK_CHARS))
                if not chunk:
                    break
                newlines = chunk.count("\n")
                before += newlines
                tail = len(chunk) - chunk.rfind("\n") - 1 if newlines else tail + len(chunk)
                left -= len(chunk)
        line = before + self.text.count("\n", 0, at) + 1
        start = self.text.rfind("\n", 0, at) + 1
        column = at - start + 1 if start else tail + at + 1
        raise InputFileError(self.path, f"invalid JSON: {problem} (column {column})", line)


def stream_object(path: str | Path, on_batch: OnBatch, parse_constant: Callable[[str], Any] | None = None,
                  batch_records: int = BATCH_RECORDS) -> dict[str, Any]:
    """Read the JSON object in ``path``; every key whose value is a list is passed on as
    ``on_batch(key, index of the first record, records)`` and appears in the returned dict as its length (an
    int); every other key's value is returned as it is. ``parse_constant`` sees NaN and Infinity as in
    ``json.load``. A file that is not a JSON object raises InputFileError."""
    path = Path(path)
    decoder = json.JSONDecoder(parse_constant=parse_constant) if parse_constant else json.JSONDecoder()
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except IsADirectoryError as exc:
        raise InputFileError(path, "expected a JSON file, found a folder") from exc
    with handle:
        buf = _Buffer(handle, path, decoder)
        if buf.peek() == "\ufeff":
            buf.fail("unexpected byte order mark")
        if buf.peek() != "{":
            if buf.peek() == "":
                buf.fail("Expecting value")
            buf.value()  # valid JSON that is not an object: the caller's complaint, not a syntax error
            raise InputFileError(path, "expected a JSON object at the top level")
        buf.pos += 1
        top: dict[str, Any] = {}
        if buf.peek() == "}":
            buf.pos += 1
        else:
            while True:
                if buf.peek() != '"':
                    buf.fail("Expecting property name enclosed in double quotes")
                key = buf.value()
                buf.expect(":", "':' after a key")
                if buf.peek() == "[":
                    top[key] = _stream_list(buf, key, on_batch, batch_records)
                else:
                    top[key] = buf.value()
                nxt = buf.peek()
                buf.pos += 1
                if nxt == "}":
                    break
                if nxt != ",":
                    buf.pos -= 1
                    buf.fail("Expecting ',' delimiter")
        if buf.peek() != "":
            buf.fail("Extra data")
    return top


def _stream_list(buf: _Buffer, key: str, on_batch: OnBatch, batch_records: int) -> int:
    """The records of one list, in batches. The inner loop reads straight from the window with the decoder's C
    scanner; a record that touches the window's end, or is malformed, is read the careful way (``_Buffer``)."""
    buf.pos += 1  # the '['
    batch: list = []
    start = count = 0
    scan = buf.decoder.scan_once
    space = _SPACE.match
    if buf.peek() == "]":
        buf.pos += 1
        return 0
    while True:
        text, pos, limit = buf.text, buf.pos, len(buf.text) - 1
        need_value = True
        while True:
            pos = space(text, pos).end()
            try:
                value, end = scan(text, pos)
            except (StopIteration, json.JSONDecodeError):
                break
            if end >= limit:
                break
            batch.append(value)
            count += 1
            if len(batch) >= batch_records:
                on_batch(key, start, batch)
                start, batch = count, []
            pos = end if text[end] == "," else space(text, end).end()
            if pos >= limit or text[pos] != ",":
                need_value = False
                break
            pos += 1
        buf.pos = pos
        if need_value:
            batch.append(buf.value())
            count += 1
            if len(batch) >= batch_records:
                on_batch(key, start, batch)
                start, batch = count, []
        nxt = buf.peek()
        buf.pos += 1
        if nxt == "]":
            break
        if nxt != ",":
            buf.pos -= 1
            buf.fail("Expecting ',' delimiter")
    if batch:
        on_batch(key, start, batch)
    return count
