#!/usr/bin/env python3
"""kill -9 of `kso storage` during a burst of writes over HTTPS.

Writer threads create and update VulnerabilityManifests and remember every
write the server acknowledged (201/200 with a resourceVersion). The server
is killed with SIGKILL mid-burst, restarted on the same data directory, and
then:
  - every acknowledged create is there, with the content that was sent;
  - every acknowledged update is there: the stored generation is at least
    the last acknowledged one (a write in flight at the kill may or may not
    have landed, but never half);
  - every stored object reads back whole (full LIST and GETs parse, their
    metadata matches), and the server accepts new writes.
Several rounds, killing at different moments.

  crash.py KSO [ROUNDS]
"""
import http.client
import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

GROUP = "/apis/spdx.softwarecomposition.kubescape.io/v1beta1"
PLURAL = "vulnerabilitymanifests"
WRITERS = 4


def die_with_parent():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    def __init__(self, kso, root):
        self.kso, self.root = kso, root
        self.data = os.path.join(root, "data")
        self.cfg = os.path.join(root, "cfg")
        self.portfile = os.path.join(root, "port")
        os.makedirs(self.cfg, exist_ok=True)
        with open(os.path.join(self.cfg, "config.json"), "w") as f:
            # several writers at once, so the kill lands among concurrent writes
            json.dump({"kindQueues": {PLURAL: {"workerCount": 8, "queueLength": 100}}}, f)
        self.proc = None

    def start(self):
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        log = open(os.path.join(self.root, "server.log"), "a")
        self.proc = subprocess.Popen(
            [self.kso, "storage", "--data-dir", self.data, "--config-dir", self.cfg,
             "--bind-address", "127.0.0.1", "--secure-port", "0", "--port-file", self.portfile,
             "--allow-anonymous"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kso storage exited at start (%d)" % self.proc.returncode)
            try:
                with open(self.portfile) as f:
                    self.port = int(f.read().strip())
                return
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RuntimeError("kso storage did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def connect(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the server's self-signed certificate
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)


def request(conn, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def manifest(ns, name, gen, rnd):
    matches = [{"vulnerability": {"id": "CVE-2024-%05d" % rnd.randrange(100000),
                                  "severity": rnd.choice(["High", "Medium", "Low"]),
                                  "description": "x" * rnd.randrange(50, 400)},
                "artifact": {"name": "pkg%d" % i, "version": "1.%d" % gen}}
               for i in range(rnd.randrange(5, 25))]
    return {"apiVersion": "spdx.softwarecomposition.kubescape.io/v1beta1",
            "kind": "VulnerabilityManifest",
            "metadata": {"name": name, "namespace": ns, "labels": {"gen": str(gen)}},
            "spec": {"metadata": {"tool": {"name": "crash-test", "version": str(gen)}},
                     "payload": {"matches": matches}}}


def writer(port, ns, seed, acked, stop, lock):
    """Creates objects and updates earlier ones; records what was acknowledged."""
    rnd = random.Random(seed)
    conn = connect(port)
    mine = {}  # name -> (gen, rv)
    i = 0
    while not stop.is_set():
        try:
            if mine and rnd.random() < 0.4:
                name = rnd.choice(sorted(mine))
                gen, rv = mine[name]
                obj = manifest(ns, name, gen + 1, rnd)
                obj["metadata"]["resourceVersion"] = rv
                st, body = request(conn, "PUT", "%s/namespaces/%s/%s/%s" % (GROUP, ns, PLURAL,
                                                                          name), obj)
                if st == 200:
                    mine[name] = (gen + 1, json.loads(body)["metadata"]["resourceVersion"])
                    with lock:
                        acked[(ns, name)] = (gen + 1, obj["spec"])
            else:
                name = "vm-%d-%d" % (seed, i)
                i += 1
                obj = manifest(ns, name, 1, rnd)
                st, body = request(conn, "POST", "%s/namespaces/%s/%s" % (GROUP, ns, PLURAL), obj)
                if st == 201:
                    mine[name] = (1, json.loads(body)["metadata"]["resourceVersion"])
                    with lock:
                        acked[(ns, name)] = (1, obj["spec"])
        except (OSError, http.client.HTTPException, ValueError):
            return  # the server is gone


def check_round(srv, acked):
    conn = connect(srv.port)
    problems = []
    for (ns, name), (gen, spec) in sorted(acked.items()):
        st, body = request(conn, "GET", "%s/namespaces/%s/%s/%s" % (GROUP, ns, PLURAL, name))
        if st != 200:
            problems.append("acknowledged %s/%s: GET %d" % (ns, name, st))
            continue
        obj = json.loads(body)
        got = int(obj["metadata"]["labels"]["gen"])
        if got < gen:
            problems.append("%s/%s: generation %d stored, %d acknowledged" % (ns, name, got, gen))
        elif got == gen and obj["spec"] != spec:
            problems.append("%s/%s: content differs from the acknowledged write" % (ns, name))
    # every stored object reads whole, in a full LIST too
    st, body = request(conn, "GET", "%s/%s?resourceVersion=fullSpec" % (GROUP, PLURAL))
    if st != 200:
        problems.append("full LIST: %d" % st)
    else:
        items = json.loads(body)["items"]
        for it in items:
            md = it.get("metadata", {})
            if not md.get("name") or not md.get("resourceVersion") or "payload" not in it.get(
                    "spec", {}):
                problems.append("torn object in LIST: %r" % md)
        if len(items) < len(acked):
            problems.append("LIST has %d objects, %d acknowledged" % (len(items), len(acked)))
    # and the server takes writes again
    rnd = random.Random(1)
    st, _ = request(conn, "POST", "%s/namespaces/after/%s" % (GROUP, PLURAL),
                    manifest("after", "after-%d" % time.monotonic_ns(), 1, rnd))
    if st != 201:
        problems.append("create after restart: %d" % st)
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    kso = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    root = tempfile.mkdtemp(prefix="kso-crash-")
    srv = Server(kso, root)
    failed = 0
    acked = {}
    lock = threading.Lock()
    try:
        for rnd_i in range(rounds):
            srv.start()
            stop = threading.Event()
            threads = [threading.Thread(target=writer,
                                        args=(srv.port, "ns%d" % (w % 3), rnd_i * 100 + w, acked,
                                              stop, lock))
                       for w in range(WRITERS)]
            for t in threads:
                t.start()
            before = len(acked)
            # kill at a different moment each round, once writes are flowing
            deadline = time.monotonic() + 20
            while len(acked) < before + 30 + 40 * rnd_i and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(random.Random(rnd_i).random() * 0.2)
            srv.kill9()
            stop.set()
            for t in threads:
                t.join()
            srv.start()
            problems = check_round(srv, acked)
            srv.stop()
            status = "PASS" if not problems else "FAIL"
            print("%s round %d: %d acknowledged objects kept across kill -9" % (
                status, rnd_i + 1, len(acked)))
            for p in problems[:20]:
                print("      " + p)
            failed += bool(problems)
            if len(acked) == before:
                print("FAIL round %d: no write was acknowledged before the kill" % (rnd_i + 1))
                failed += 1
    finally:
        srv.stop()
        if failed:
            with open(os.path.join(root, "server.log")) as f:
                sys.stdout.write(f.read()[-4000:])
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
