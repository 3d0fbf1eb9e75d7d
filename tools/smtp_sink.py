"""A local SMTP server that accepts every message and stores it, for tools/cluster.sh.

    python3 tools/smtp_sink.py PORT FOLDER

Each message received is written to FOLDER as ``<time>-<n>.eml`` (the DATA as sent, with
an ``X-Sink-Rcpt-To`` header per recipient), first under a temporary name and then
renamed, so that a reader never sees half a message. Nothing is relayed. It speaks the
part of SMTP (RFC 5321) Python's smtplib uses: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT; no TLS, no authentication (it listens on 127.0.0.1 only).
"""

import asyncio
import itertools
import os
import sys
import time

COUNTER = itertools.count(1)
MAX_SIZE = 50 * 1024 * 1024


class Session:
    def __init__(self, folder, reader, writer):
        self.folder = folder
        self.reader = reader
        self.writer = writer
        self.reset()

    def reset(self):
        self.sender = None
        self.recipients = []

    async def reply(self, line):
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def run(self):
        await self.reply("220 localhost client_hub SMTP sink")
        while line := await self.reader.readline():
            verb, _sep, arg = line.decode("utf-8", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                await self.reply(
                    f"250-localhost\r\n250-8BITMIME\r\n250 SIZE {MAX_SIZE}"
                )
            elif verb == "HELO":
                await self.reply("250 localhost")
            elif verb == "MAIL":
                self.reset()
                self.sender = arg
                await self.reply("250 OK")
            elif verb == "RCPT":
                self.recipients.append(arg.partition(":")[2].strip().strip("<>"))
                await self.reply("250 OK")
            elif verb == "DATA":
                await self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.store(await self.read_data())
                await self.reply("250 OK stored")
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.reply("250 OK")
            elif verb == "NOOP":
                await self.reply("250 OK")
            elif verb == "QUIT":
                await self.reply("221 Bye")
                break
            else:
                await self.reply("502 Command not implemented")
        self.writer.close()

    async def read_data(self):
        lines = []
        while True:
            line = await self.reader.readline()
            if not line or line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    def store(self, data):
        headers = "".join(f"X-Sink-Rcpt-To: {rcpt}\r\n" for rcpt in self.recipients)
        name = f"{time.time():.6f}-{next(COUNTER)}.eml"
        tmp = os.path.join(self.folder, f".{name}.tmp")
        with open(tmp, "wb") as file:
            file.write(headers.encode() + data)
        os.replace(tmp, os.path.join(self.folder, name))


async def main(port, folder):
    os.makedirs(folder, exist_ok=True)

    async def handle(reader, writer):
        await Session(folder, reader, writer).run()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
