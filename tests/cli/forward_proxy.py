#!/usr/bin/env python3
"""A tiny loopback forwarding proxy for download.bats.

Plain HTTP requests in absolute form (GET http://host:port/path) are
forwarded and their responses relayed; CONNECT host:port opens a tunnel
(for HTTPS). Each request line is appended to --log, so a test can count
what went through the proxy. Only loopback targets are allowed.
"""
import argparse
import http.client
import http.server
import os
import select
import socket
import sys
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    def log(line):
        with open(args.log, "a") as f:
            f.write(line + "\n")

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def refuse(self, code, msg):
            body = (msg + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_GET(self):
            log("GET %s" % self.path)
            u = urllib.parse.urlsplit(self.path)
            if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost"):
                return self.refuse(403, "loopback http targets only")
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
            path = u.path + ("?" + u.query if u.query else "")
            try:
                conn.request("GET", path, headers={"User-Agent": self.headers.get("User-Agent", "")})
                r = conn.getresponse()
                body = r.read()
            except http.client.IncompleteRead as e:
                # relay what came, announcing the original length: the
                # client must see the truncation
                body = e.partial
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + e.expected))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
                return
            except OSError as e:
                return self.refuse(502, "upstream: %s" % e)
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_CONNECT(self):
            log("CONNECT %s" % self.path)
            host, _, port = self.path.rpartition(":")
            if host not in ("127.0.0.1", "localhost"):
                return self.refuse(403, "loopback targets only")
            try:
                up = socket.create_connection((host, int(port)), timeout=30)
            except OSError as e:
                return self.refuse(502, "upstream: %s" % e)
            self.send_response(200, "Connection established")
            self.end_headers()
            self.wfile.flush()
            socks = [self.connection, up]
            try:
                while True:
                    r, _, _ = select.select(socks, [], [], 30)
                    if not r:
                        break
                    for s in r:
                        data = s.recv(65536)
                        if not data:
                            return
                        (up if s is self.connection else self.connection).sendall(data)
            finally:
                up.close()
                self.close_connection = True

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
