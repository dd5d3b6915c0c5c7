#!/usr/bin/env python3
"""A loopback stand-in for a GitHub releases endpoint, for download.bats.

Serves ROOT/TAG/NAME at /releases/download/TAG/NAME and ROOT/latest/NAME at
/releases/latest/download/NAME, over HTTP or (with --tls) HTTPS. Faults make
a given artifact misbehave: --fault NAME=KIND, where NAME is the file name
requested (with or without .json) and KIND is one of
  404        not found
  truncate   announces the full Content-Length, sends half, closes
  notjson    200 with an HTML page
  big        a 2 MiB body with its Content-Length
  bigchunked a 2 MiB body in chunked encoding (no Content-Length)
  redirect   302 to /moved/<path>, which serves the file
  loop       302 to itself
Every request line is appended to --log; the chosen port is written to
--port-file once listening.
"""
import argparse
import http.server
import os
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--fault", action="append", default=[])
    args = ap.parse_args()
    faults = dict(f.split("=", 1) for f in args.fault)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def send_body(self, status, body, ctype="application/octet-stream"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_GET(self):
            with open(args.log, "a") as f:
                f.write("GET %s\n" % self.path)
            path = self.path.split("?", 1)[0]
            moved = path.startswith("/moved/")
            if moved:
                path = path[len("/moved"):]
            parts = path.strip("/").split("/")
            if len(parts) == 4 and parts[:3] == ["releases", "latest", "download"]:
                tag, name = "latest", parts[3]
            elif len(parts) == 4 and parts[:2] == ["releases", "download"]:
                tag, name = parts[2], parts[3]
            else:
                return self.send_body(404, b"no such path\n", "text/plain")
            base = name[:-5] if name.endswith(".json") else name
            fault = None if moved else faults.get(name, faults.get(base))
            file = os.path.join(args.root, tag, name)
            if fault == "404" or not os.path.isfile(file) or "/" in name or name.startswith("."):
                return self.send_body(404, b"Not Found\n", "text/plain")
            if fault in ("redirect", "loop"):
                self.send_response(302)
                self.send_header("Location", self.path if fault == "loop" else "/moved" + self.path)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                return
            if fault == "notjson":
                return self.send_body(200, b"<html><body>rate limited</body></html>\n",
                                      "text/html")
            if fault == "big":
                return self.send_body(200, b"[" + b" " * (2 << 20) + b"]")
            if fault == "bigchunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b" " * 65536
                for _ in range(32):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return
            with open(file, "rb") as f:
                body = f.read()
            if fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_body(200, body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
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
