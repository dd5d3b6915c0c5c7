#!/usr/bin/env python3
"""An HTTP server on loopback that answers like a struggling API server, for
tests/kube/client_check's retry checks. Usage: flaky_server.py PORT_FILE.
Writes the port it listens on to PORT_FILE; serves until killed."""
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}


def status(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def page(self, items, cont):
        self.send(200, json.dumps({"kind": "List", "apiVersion": "v1",
                                   "metadata": {"continue": cont} if cont else {},
                                   "items": [{"n": i} for i in items]}).encode())

    def answer(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        n = counts[u.path] = counts.get(u.path, 0) + 1
        if u.path == "/r429":
            if n <= 2:
                return self.send(429, status(429, "TooManyRequests", "slow down"),
                                 [("Retry-After", "1")])
            return self.send(200, b"done")
        if u.path == "/r503":
            if n == 1:
                return self.send(503, status(503, "ServiceUnavailable", "try later"))
            return self.send(200, b"{}")
        if u.path == "/p503":
            return self.send(503, status(503, "ServiceUnavailable", "try later"))
        if u.path == "/always429":
            return self.send(429, status(429, "TooManyRequests", "no"), [("Retry-After", "30")])
        if u.path == "/big":
            return self.send(200, b"x" * (2 << 20))
        if u.path == "/w":
            return self.watch_or_list(q)
        if u.path in ("/list", "/gone"):
            if q.get("limit") != "2":
                return self.send(400, status(400, "BadRequest", "limit %r" % q.get("limit")))
            cont = q.get("continue")
            if cont is None:
                return self.page([1, 2], "a b/c+d" if u.path == "/list" else "x")
            if u.path == "/gone":
                return self.send(410, status(410, "Expired", "the continue token expired"))
            if cont == "a b/c+d":
                return self.page([3, 4], "second")
            if cont == "second":
                return self.page([5], None)
            return self.send(400, status(400, "BadRequest", "continue %r" % cont))
        self.send(404, status(404, "NotFound", "no " + u.path))

    def watch_or_list(self, q):
        """A collection whose history the informer check knows by heart."""
        def obj(name, rv):
            return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)}}
        if q.get("watch") != "true":
            n = counts["/w list"] = counts.get("/w list", 0) + 1
            items = [obj("a", 1), obj("b", 2)] if n == 1 else [obj("a", 4), obj("c", 6),
                                                               obj("d", 7)]
            body = {"kind": "List", "apiVersion": "v1",
                    "metadata": {"resourceVersion": "2" if n == 1 else "7"}, "items": items}
            return self.send(200, json.dumps(body).encode())
        rv = q.get("resourceVersion")
        if rv == "7":
            n = counts["/w 7"] = counts.get("/w 7", 0) + 1
            if n == 1:
                return self.send(429, status(429, "TooManyRequests", "later"),
                                 [("Retry-After", "1")])
        events = {
            "2": [("ADDED", obj("c", 3)), ("MODIFIED", obj("a", 4)),
                  ("BOOKMARK", {"metadata": {"resourceVersion": "4"}})],
            "4": [("DELETED", obj("b", 5)),
                  ("ERROR", {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "Expired", "code": 410, "message": "too old"})],
            "7": [("ADDED", obj("d", 7)), ("MODIFIED", obj("d", 8))],
        }.get(rv)
        if events is None:
            return self.send(400, status(400, "BadRequest", "resourceVersion %r" % rv))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        for t, o in events:
            self.wfile.write((json.dumps({"type": t, "object": o}) + "\n").encode())
            self.wfile.flush()
        if rv == "7":  # an open stream until the client goes
            import time
            for _ in range(300):
                time.sleep(0.1)
        self.close_connection = True

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that drop an oversized body reset the connection


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
