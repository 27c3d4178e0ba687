#!/usr/bin/env python3
"""Stands in for nscd, systemd-resolved, the D-Bus system bus and avahi: listens on their
well-known sockets (in a mount namespace the test made, with a tmpfs over /run) and writes every
connection and the bytes it received to LOG, one line each, so the test sees what a daemon outside
the traced tree was given. Usage: resolving_daemons.py LOG READY PATH..."""
import os
import socket
import sys
import threading

log_path, ready, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
lock = threading.Lock()


def record(path, data):
    with lock, open(log_path, "a") as f:
        f.write("%s\t%r\n" % (path, data))
        f.flush()


def serve(path, server):
    while True:
        conn, _ = server.accept()
        conn.settimeout(3)
        data = b""
        try:
            while len(data) < 4096:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass  # a client waiting for an answer (glibc's nscd client) gets none: it falls back
        record(path, data)
        conn.close()


for path in paths:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(16)
    threading.Thread(target=serve, args=(path, s), daemon=True).start()
open(ready, "w").close()
threading.Event().wait()
