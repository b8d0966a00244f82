"""Uploads sent by hand over a socket, as slowly as a test wants: what a slow or stalling client does."""

from __future__ import annotations

import http.client
import json
import select
import socket

from tests.support.system import GoatSystem

BOUNDARY = "handmade"
FILE_PART_START = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="m.onnx"\r\n\r\n'.encode()
)


class HandUpload:
    """POST /submit/task2 with a chunked multipart body whose pieces the test sends when it likes; the
    request line, the headers and the start of the file part go at once."""

    def __init__(self, system: GoatSystem, *, headers: dict[str, str] | None = None) -> None:
        """`headers`: whose upload it is (default: the system's team's)."""
        self.socket = socket.create_connection(("127.0.0.1", system.port), timeout=60)
        headers = {
            "Host": "127.0.0.1",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Transfer-Encoding": "chunked",
            **(system.headers if headers is None else headers),
        }
        head = "POST /submit/task2 HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.socket.sendall(f"{head}\r\n".encode())
        self.send(FILE_PART_START)

    def send(self, data: bytes) -> bool:
        """One chunk of the body; False, sending nothing, once the server has answered (its answer waits
        unread on the socket) or closed the connection."""
        if select.select([self.socket], [], [], 0)[0]:
            return False
        try:
            self.socket.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        except OSError:
            return False
        return True

    def answer(self) -> tuple[int, dict]:
        """The status and JSON body the server answered (waits for it, at most the socket's timeout)."""
        response = http.client.HTTPResponse(self.socket)
        response.begin()
        return response.status, json.loads(response.read())

    def close(self) -> None:
        self.socket.close()
