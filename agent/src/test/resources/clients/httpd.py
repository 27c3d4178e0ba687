"""Static HTTP server for the client matrix: serves DIR on [::]:PORT (IPv4 too) and appends one line
per request to LOG: the local address the client reached, the Host header and the path. The log is
the ground truth of what reached the server, independent of plumbline's record."""
import http.server
import socket
import sys
import threading

root, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
log_lock = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def guess_type(self, path):
        # npm packuments are files without an extension
        if "/npm/" in str(path) and "." not in str(path).rsplit("/", 1)[-1]:
            return "application/json"
        return super().guess_type(path)

    def log_request(self, code="-", size="-"):
        local = self.connection.getsockname()[0]
        if local.startswith("::ffff:"):
            local = local[len("::ffff:"):]
        with log_lock, open(log_path, "a") as f:
            f.write("%s %s %s %s\n" % (local, self.headers.get("Host", "-"), self.path, code))

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


Server(("::", port), Handler).serve_forever()
