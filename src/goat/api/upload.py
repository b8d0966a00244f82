"""Streams the multipart field `file` of a request straight into a staged model file.

Starlette's form parser would spool the whole upload to a temporary file before the route sees it, and
only then could MAX_FILE_SIZE be checked; here the limit holds while the bytes arrive, and each byte is
written once, to the filesystem where the model will be stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from goat.storage.model_files import ModelStore, StagedUpload

FIELD = "file"
NAME_FIELD = "name"
NAME_MAX_BYTES = 256
_FLUSH_BYTES = 1024 * 1024


class BadUpload(Exception):
    """The request is not a multipart upload with a `file` field; the message says what to send."""


@dataclass(frozen=True)
class ReceivedUpload:
    staged: StagedUpload
    filename: str
    """The participant's file name: metadata, never a path."""
    name: str
    """The optional `name` field (participant or team, for the leaderboard), as sent."""


class _FilePart:
    """Parser callbacks: stream the `file` part, keep a short `name` part, ignore every other field."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.found = False
        self.filename = ""
        self.name = b""
        self._in_file = False
        self._in_name = False
        self._header_field = b""
        self._header_value = b""
        self._disposition = b""
        self.finished = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_field.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._disposition)
        self._in_file = params.get(b"name") == FIELD.encode() and not self.found
        self._in_name = params.get(b"name") == NAME_FIELD.encode()
        if self._in_file:
            self.found = True
            self.filename = params.get(b"filename", b"").decode("utf-8", "replace")[:255]

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.pending.append(data[start:end])
            self.pending_bytes += end - start
        elif self._in_name:
            self.name = (self.name + data[start:end])[: NAME_MAX_BYTES + 1]

    def _part_end(self) -> None:
        self._in_file = self._in_name = False

    def _end(self) -> None:
        self.finished = True

    def take(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_bytes = 0
        return data


def boundary_of(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload(
            "send the model as multipart/form-data with the field 'file' "
            "(for example: curl -F file=@model.onnx URL)"
        )
    return boundary


async def receive_model(
    body: AsyncIterator[bytes], *, content_type: str | None, store: ModelStore, max_bytes: int
) -> ReceivedUpload:
    """Raises BadUpload or UploadTooLarge; in both cases nothing is left on disk."""
    part = _FilePart()
    parser = MultipartParser(boundary_of(content_type), part.callbacks())
    staged = store.stage(max_bytes=max_bytes)
    writing: asyncio.Future[None] | None = None
    try:
        async for chunk in body:
            _feed(parser, chunk)
            if part.pending_bytes >= _FLUSH_BYTES:
                # Hash and write this MiB in a thread while the next one arrives; one write at a time.
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(staged.write, part.take()))
        _feed(parser, None)
        if writing is not None:
            await writing
            writing = None
        await asyncio.to_thread(staged.write, part.take())
        if not part.found:
            raise BadUpload("the multipart field 'file' is missing; send the model as the field 'file'")
        if not part.finished:
            raise BadUpload("the upload ended before the multipart body was complete")
        staged.close()
    except BaseException:
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)
        staged.discard()
        raise
    return ReceivedUpload(staged, part.filename, part.name.decode("utf-8", "replace"))


def _feed(parser: MultipartParser, chunk: bytes | None) -> None:
    """One chunk into the parser (None: the end); a malformed body becomes a BadUpload."""
    try:
        if chunk is None:
            parser.finalize()
        else:
            parser.write(chunk)
    except MultipartParseError as error:
        raise BadUpload(f"the multipart body is malformed: {error}") from error
