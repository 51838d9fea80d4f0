#!/usr/bin/env python3
"""Starts moto_server single-threaded on 127.0.0.1 and prints its port.

The stock `moto_server` is multi-threaded and its DynamoDB has no locking, so concurrent
conditional writes and ADD updates can lose updates that real DynamoDB never loses. Serving
one request at a time makes it behave. The server exits on its own when the process that
started it goes away (the test binary), so no emulator outlives the tests.

usage: launch.py [port]   (port 0 or absent: a free port)
"""
import os
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    parent = os.getppid()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", port, app, threaded=False)
    print(server.server_port, flush=True)

    def watch_parent() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch_parent, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
