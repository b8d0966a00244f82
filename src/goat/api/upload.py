"""Streams the multipart field `file` of a request straight into a staged model file.

Starlette's form parser would spool the whole upload to a temporary file before the route sees it, and
only then could MAX_FILE_SIZE be checked; here the limit holds while the bytes arrive, and each byte is
written once, to the filesystem where the model will be stored. The event loop only parses: each MiB is
hashed in one thread and written in another while the next ones arrive.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from goat.storage.model_files import ModelStore, StagedUpload, UploadTooLarge

FIELD = "file"
NAME_FIELD = "name"
NAME_MAX_BYTES = 256
MULTIPART_SLACK = 64 * 1024
"""Multipart framing and small fields around the file: a body this much over MAX_FILE_SIZE cannot fit."""
BOUNDARY_MAX_CHARS = 70
"""RFC 2046's limit."""
_FLUSH_BYTES = 1024 * 1024
_PIECES_IN_FLIGHT = 16
"""MiB received but not yet hashed and written: bounds the API's memory per upload, absorbs disk stalls."""


class BadUpload(Exception):
    """The request is not a multipart upload with a `file` field; the message says what to send."""


class UploadStalled(Exception):
    """The client sent nothing for too long, or too slowly on average; the message says which."""


@dataclass(frozen=True)
class Pace:
    """How slowly an upload may arrive: nothing for `idle_s` ends it, and so does an average below
    `min_rate` bytes per second once its first `idle_s` have passed (0: no minimum rate). Together they
    bound how long a client can hold an upload's staging file and threads."""

    idle_s: float
    min_rate: int


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
    if len(boundary) > BOUNDARY_MAX_CHARS:
        raise BadUpload(f"the multipart boundary is longer than {BOUNDARY_MAX_CHARS} characters (RFC 2046)")
    return boundary


class _Storing:
    """Hashes and writes the pieces of one upload in order, each step in a thread of its own.

    The event loop waits on a piece only when too many are in flight, so a finished piece costs it
    nothing (no wake-up per piece).
    """

    def __init__(self, staged: StagedUpload) -> None:
        self._staged = staged
        self._hashing = ThreadPoolExecutor(1, thread_name_prefix="upload-hash")
        self._writing = ThreadPoolExecutor(1, thread_name_prefix="upload-write")
        self._pending: deque[Future[None]] = deque()

    async def put(self, data: bytes) -> None:
        """Queue a piece; wait only while too many are in flight."""
        if not data:
            return
        self._staged.reserve(len(data))
        self._pending.append(self._hashing.submit(self._staged.digest, data))
        self._pending.append(self._writing.submit(self._staged.append, data))
        while len(self._pending) > 2 * _PIECES_IN_FLIGHT:
            await asyncio.wrap_future(self._pending.popleft())

    async def finish(self) -> None:
        """Wait for every piece; the first failure (a full disk, say) is raised."""
        while self._pending:
            await asyncio.wrap_future(self._pending.popleft())

    async def abandon(self) -> None:
        """Let the pieces in flight end, whatever their outcome, so the file can be deleted."""
        pending = [asyncio.wrap_future(piece) for piece in self._pending]
        self._pending.clear()
        await asyncio.gather(*pending, return_exceptions=True)

    def close(self) -> None:
        self._hashing.shutdown(wait=False)
        self._writing.shutdown(wait=False)


async def receive_model(
    body: AsyncIterator[bytes], *, content_type: str | None, store: ModelStore, max_bytes: int, pace: Pace
) -> ReceivedUpload:
    """Raises BadUpload, UploadTooLarge (the file, or the whole body, chunked or not, past its bound) or
    UploadStalled; in every case nothing is left on disk."""
    part = _FilePart()
    parser = MultipartParser(boundary_of(content_type), part.callbacks())
    staged = store.stage(max_bytes=max_bytes)
    storing = _Storing(staged)
    received = 0
    try:
        async with aclosing(_paced(body, pace)) as chunks:
            async for chunk in chunks:
                received += len(chunk)
                if received > max_bytes + MULTIPART_SLACK:
                    raise UploadTooLarge
                _feed(parser, chunk)
                if part.pending_bytes >= _FLUSH_BYTES:
                    await storing.put(part.take())
        _feed(parser, None)
        await storing.put(part.take())
        await storing.finish()
        if not part.found:
            raise BadUpload("the multipart field 'file' is missing; send the model as the field 'file'")
        if not part.finished:
            raise BadUpload("the upload ended before the multipart body was complete")
        staged.close()
    except BaseException:
        await storing.abandon()
        staged.discard()
        raise
    finally:
        storing.close()
    return ReceivedUpload(staged, part.filename, part.name.decode("utf-8", "replace"))


async def _paced(body: AsyncIterator[bytes], pace: Pace) -> AsyncIterator[bytes]:
    """The body's chunks, until it ends or stalls (UploadStalled): each wait for the next chunk lasts at
    most `idle_s`, and no longer than the moment the average rate would fall below `min_rate`."""
    loop = asyncio.get_running_loop()
    chunks = aiter(body)
    started = loop.time()
    received = 0
    while True:
        behind_at = started + pace.idle_s + received / pace.min_rate if pace.min_rate else math.inf
        wait = min(pace.idle_s, behind_at - loop.time())
        try:
            async with asyncio.timeout(max(wait, 0)):
                chunk = await anext(chunks)
        except StopAsyncIteration:
            return
        except TimeoutError:
            if wait < pace.idle_s:
                raise UploadStalled(
                    f"the upload arrived slower than {pace.min_rate} bytes/s on average (UPLOAD_MIN_RATE)"
                ) from None
            raise UploadStalled(
                f"the upload sent nothing for {pace.idle_s:g} s (UPLOAD_IDLE_TIMEOUT)"
            ) from None
        received += len(chunk)
        yield chunk


def _feed(parser: MultipartParser, chunk: bytes | None) -> None:
    """One chunk into the parser (None: the end); a malformed body becomes a BadUpload."""
    try:
        if chunk is None:
            parser.finalize()
        else:
            parser.write(chunk)
    except FormParserError as error:
        raise BadUpload(f"the multipart body is malformed: {error}") from error
