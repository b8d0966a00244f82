"""A Unix socket forwarded to a TCP address: run inside a network namespace, it lets the test, outside,
reach a server there (a Unix socket is a file, seen from every namespace; a namespace's address is not).

    python -m tests.support.forward SOCKET HOST:PORT
"""

from __future__ import annotations

import asyncio
import sys


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve(socket_path: str, host: str, port: int) -> None:
    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pump(reader, upstream_writer), _pump(upstream_reader, writer))

    server = await asyncio.start_unix_server(connect, socket_path)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    socket_path, address = sys.argv[1:3]
    host, _, port = address.rpartition(":")
    asyncio.run(_serve(socket_path, host, int(port)))
