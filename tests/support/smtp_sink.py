"""An SMTP server for the e-mail tests: takes every message on 127.0.0.1:PORT and writes
it to FOLDER as N.eml (the bytes received) and N.json (envelope and the decoded parts:
subject, from, to, the HTML body), each written whole before it appears. Prints "ready"
once it listens. Runs until killed.

Usage: python smtp_sink.py PORT FOLDER
"""

import asyncio
import email
import email.policy
import itertools
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    def _write(self, name, data):
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.folder, name))

    async def handle_DATA(self, server, session, envelope):
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        html = message.get_body(("html",))
        decoded = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": message["subject"],
            "from": message["from"],
            "to": message["to"],
            "content_type": message.get_content_type(),
            "html": html.get_content() if html is not None else None,
        }
        self._write("%04d.eml" % n, raw)
        self._write("%04d.json" % n, json.dumps(decoded).encode())
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # One handler for every connection: message numbers go on across connections.
    sink = Sink(folder)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(sink), "127.0.0.1", port)
    )
    print("ready", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
