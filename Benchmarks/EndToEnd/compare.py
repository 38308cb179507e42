#!/usr/bin/env python3
"""End-to-end comparison of `berth serve` with the CNCF reference registry (Debian's
docker-registry, distribution 2.8) and nginx (sendfile), in one run, on loopback.

Every measurement runs against each server in the same run, in interleaved rounds (Berth, peer;
the next measurement peer, Berth; the next round the other way round), and the table shows
medians and ratios: Berth/peer is the median of each round's own ratio (with their range), since
sequential runs on these shared machines swing by 3 × between runs; Berth/limit is a ratio of
medians. `--only` picks groups of rows (limits, transfers, at-once, requests).
The limits are measured in the same run too: single-core SHA-256 of the payload (openssl) and a
durable write of it to the disk that holds the data roots (dd conv=fdatasync).

Run it through `Benchmarks/end-to-end` (which builds Berth in release mode and installs the
peers); `--help` lists the options.
"""

import argparse
import concurrent.futures
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import replication

MiB = 1 << 20
GiB = 1 << 30


# --------------------------------------------------------------------------------------------
# Servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer {path} within {timeout}s")


class Server:
    """A server process on loopback; `peak_rss` is the kernel's high-water mark (VmHWM)."""

    def __init__(self, name, argv, port, ready_path, log):
        self.name, self.port = name, port
        self.log = open(log, "wb")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(port, ready_path)

    def rss_kib(self, field):
        pids = [self.process.pid]
        # nginx serves from worker processes: count the largest of the master and its workers.
        try:
            children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
            pids += [int(p) for p in children]
        except OSError:
            pass
        best = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith(field + ":"):
                            best = max(best, int(line.split()[1]))
            except OSError:
                pass
        return best

    def peak_rss_mib(self):
        return self.rss_kib("VmHWM") / 1024

    def reset_peak(self):
        # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
        try:
            with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_berth(binary, root, log, name="berth"):
    port = free_port()
    argv = [binary, "serve", "--root", root, "--listen", f"127.0.0.1:{port}", "--anonymous", "--log-level", "warning"]
    return Server(name, argv, port, "/v2/", log)


def start_distribution(root, workdir, log):
    port = free_port()
    config = os.path.join(workdir, "distribution.yml")
    with open(config, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
""")
    return Server("docker-registry", ["docker-registry", "serve", config], port, "/v2/", log)


def start_nginx(files, workdir, log):
    port = free_port()
    config = os.path.join(workdir, "nginx.conf")
    with open(config, "w") as f:
        f.write(f"""daemon off;
master_process on;
worker_processes auto;
user root;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {files};
        location / {{ default_type application/octet-stream; }}
    }}
}}
""")
    return Server("nginx", ["nginx", "-c", config, "-p", workdir], port, "/", log)


# --------------------------------------------------------------------------------------------
# Clients (the same code against every registry)


class Registry:
    def __init__(self, server):
        self.server = server
        self.port = server.port
        self.local = threading.local()

    def connection(self):
        c = getattr(self.local, "c", None)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600, blocksize=4 * MiB)
            self.local.c = c
        return c

    def request(self, method, path, body=None, headers=None, expect=(200, 201, 202, 204)):
        headers = dict(headers or {})
        for attempt in range(2):
            c = self.connection()
            try:
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                break
            except (ConnectionError, http.client.HTTPException):
                c.close()
                self.local.c = None
                if attempt == 1 or body is not None and not isinstance(body, (bytes, bytearray)):
                    raise
        if r.status not in expect:
            raise RuntimeError(f"{self.server.name}: {method} {path} -> {r.status} {data[:300]!r}")
        return r, data

    def location(self, response):
        loc = response.getheader("Location")
        parsed = urllib.parse.urlsplit(loc)
        return parsed.path + ("?" + parsed.query if parsed.query else "")

    def start_upload(self, repo):
        r, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"", headers={"Content-Length": "0"})
        return self.location(r)

    @staticmethod
    def with_query(location, **query):
        sep = "&" if "?" in location else "?"
        return location + sep + urllib.parse.urlencode(query)

    def push_monolithic(self, repo, chunks, length, digest):
        loc = self.start_upload(repo)
        self.request("PUT", self.with_query(loc, digest=digest), body=chunks,
                     headers={"Content-Length": str(length), "Content-Type": "application/octet-stream"})

    def send_file(self, method, target, path, offset, count, suffix=b"", sock=None):
        """One request whose body is `count` bytes of `path` from `offset` (sent with sendfile, so
        the client costs almost no CPU) then `suffix`; returns the response. With `sock`, on
        that kept-alive connection (as real clients send the PATCHes of one upload)."""
        own = sock is None
        if own:
            sock = socket.create_connection(("127.0.0.1", self.port))
        try:
            head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                    f"Content-Type: application/octet-stream\r\nContent-Length: {count + len(suffix)}\r\n")
            if method == "PATCH":
                head += f"Content-Range: {offset}-{offset + count + len(suffix) - 1}\r\n"
            sock.sendall((head + ("Connection: close\r\n" if own else "") + "\r\n").encode())
            with open(path, "rb") as f:
                sent = 0
                while sent < count:
                    sent += sock.sendfile(f, offset + sent, count - sent)
            if suffix:
                sock.sendall(suffix)
            response = http.client.HTTPResponse(sock)
            response.begin()
            data = response.read()
        finally:
            if own:
                sock.close()
        if response.status not in (201, 202):
            raise RuntimeError(f"{self.server.name}: {method} {target} -> {response.status} {data[:300]!r}")
        return response

    def push_file_monolithic(self, repo, path, suffix, digest):
        loc = self.start_upload(repo)
        self.send_file("PUT", self.with_query(loc, digest=digest), path, 0, os.path.getsize(path), suffix)

    def push_file_slice(self, repo, path, offset, count, suffix, digest):
        """A monolithic push of `count` bytes of `path` from `offset`, then `suffix`."""
        loc = self.start_upload(repo)
        self.send_file("PUT", self.with_query(loc, digest=digest), path, offset, count, suffix)

    def pull(self, path, buffer):
        """GET `path` on this thread's kept-alive connection, reading the body into `buffer`
        (1 MiB reads, as a client streaming a layer to disk does); returns its length."""
        c = self.connection()
        c.request("GET", path)
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"{self.server.name}: GET {path} -> {r.status} {r.read()[:300]!r}")
        view, got = memoryview(buffer), 0
        while n := r.readinto(view):
            got += n
        return got

    def push_file_chunked(self, repo, path, suffix, digest, chunk):
        loc = self.start_upload(repo)
        size = os.path.getsize(path)
        offset = 0
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            while offset < size:
                count = min(chunk, size - offset)
                last = offset + count >= size
                r = self.send_file("PATCH", loc, path, offset, count, suffix if last else b"", sock=sock)
                loc = self.location(r)
                offset += count
        self.request("PUT", self.with_query(loc, digest=digest), body=b"", headers={"Content-Length": "0"})

    def push_blob_bytes(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.push_monolithic(repo, data, len(data), digest)
        return digest

    def put_manifest(self, repo, ref, document, media_type="application/vnd.oci.image.manifest.v1+json"):
        self.request("PUT", f"/v2/{repo}/manifests/{ref}", body=document, headers={"Content-Type": media_type})


def file_digest(path, suffix=b""):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(16 * MiB):
            h.update(chunk)
    h.update(suffix)
    return "sha256:" + h.hexdigest()


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def curl_download(url):
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", url],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[0] != "200":
        raise RuntimeError(f"GET {url} -> {out[0]}")
    return int(out[1]), float(out[2])


def wrk(url, connections, seconds, headers=None):
    """Requests per second of GETs that wrk reaches; fails if any response is not 2xx."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    for k, v in (headers or {}).items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk GET {url}: errors\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    return float(match.group(1))


def hey_head(url, connections, requests):
    """Requests per second of HEADs (wrk's parser waits for the body a HEAD response announces)."""
    out = subprocess.run(["hey", "-n", str(requests), "-c", str(connections), "-m", "HEAD", url],
                         capture_output=True, text=True, check=True).stdout
    codes = re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)
    if not codes or any(not code.startswith("2") for code, _ in codes):
        raise RuntimeError(f"hey HEAD {url}: error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


# --------------------------------------------------------------------------------------------
# The work


def image_manifest(config_digest, config_size, layer_digest, layer_size, note):
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
        "annotations": {"org.example.note": note},
    }, separators=(",", ":")).encode()


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows = {}  # metric -> {"berth": [...], "docker-registry": [...], "limit": [...]}

    def record(self, metric, who, value):
        self.rows.setdefault(metric, {}).setdefault(who, []).append(value)

    def median(self, metric, who):
        values = self.rows.get(metric, {}).get(who)
        return statistics.median(values) if values else None

    def round_ratios(self, metric, who, other):
        """`who`'s value over `other`'s in each round (the rounds record both in step)."""
        mine, theirs = self.rows.get(metric, {}).get(who, []), self.rows.get(metric, {}).get(other, [])
        return [a / b for a, b in zip(mine, theirs) if a and b]


class NullSink:
    """A server that reads each request body into one reused buffer and answers 201: what the
    same client and loopback TCP cost on this machine, with no hashing and no disk. On two
    cores they compete with the hash for the second core, so they bound a push as well."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.name = "null sink"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        buffer = bytearray(1 << 20)
        view = memoryview(buffer)
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(4096)
                header, rest = head.split(b"\r\n\r\n", 1)
                length = int(re.search(rb"(?i)content-length: *(\d+)", header).group(1)) - len(rest)
                while length > 0:
                    got = conn.recv_into(view, min(length, len(buffer)))
                    if got == 0:
                        break
                    length -= got
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self):
        self.listener.close()


def measure_limits(bench, payload, data_disk_dir, size):
    # Single-core SHA-256 of the bytes (page cache warm), and a durable write to the data disk.
    subprocess.run(["cat", payload], stdout=subprocess.DEVNULL, check=True)
    t = timed(lambda: subprocess.run(["openssl", "dgst", "-sha256", payload], stdout=subprocess.DEVNULL, check=True))
    bench.record("sha256 (1 core)", "limit", size / t / MiB)
    sink = NullSink()
    t = timed(lambda: Registry(sink).send_file("PUT", "/sink", payload, 0, size))
    sink.close()
    bench.record("loopback transfer, same client (null sink)", "limit", size / t / MiB)
    target = os.path.join(data_disk_dir, "dd.out")
    for metric, flags in (("durable write (dd fdatasync)", ["conv=fdatasync"]),
                          ("durable write (dd O_DIRECT)", ["oflag=direct", "conv=fdatasync"])):
        t = timed(lambda: subprocess.run(["dd", f"if={payload}", f"of={target}", "bs=16M"] + flags,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True))
        os.unlink(target)
        bench.record(metric, "limit", size / t / MiB)


def run_once(bench, run, registries, nginx, payload, size, small_blob_name):
    """One round of every measurement against Berth and the peer, or (A/B mode, no `nginx`)
    against two builds of Berth. They take turns on each measurement (one, the other; the next
    measurement the other way; the next round starting from the other side), so that what
    drifts on a shared machine meets both alike, and the table judges the median of the
    per-round ratios."""
    args = bench.args
    steps = iter(range(1_000))

    def each():
        return registries if (run + next(steps)) % 2 == 0 else registries[::-1]

    if "transfers" in args.only:
        transfer_rows(bench, run, each, nginx, payload, size)
    if "at-once" in args.only:
        at_once_rows(bench, run, each, payload, size)
    if "requests" in args.only:
        request_rows(bench, run, each, nginx, small_blob_name)


def transfer_rows(bench, run, each, nginx, payload, size):
    """The 1 GiB pushes (with the server CPU time of each) and pulls; with `nginx`, the same
    file served by it as the pull limit."""
    mono = {}
    for reg in each():
        who = reg.server.name
        # A suffix unique to the run and registry: every push stores new content.
        suffix = f"{run}-{who}".encode()
        digest = file_digest(payload, suffix)
        cpu = server_cpu_seconds(reg.server)
        t = timed(lambda: reg.push_file_monolithic(f"bench/mono{run}", payload, suffix, digest))
        bench.record("push 1 GiB, monolithic (MiB/s)", who, (size + len(suffix)) / t / MiB)
        bench.record("server CPU time of that monolithic push (ms)", who, (server_cpu_seconds(reg.server) - cpu) * 1000)
        mono[who] = (digest, size + len(suffix))
    for reg in each():
        who = reg.server.name
        suffix = f"{run}-{who}-chunked".encode()
        digest = file_digest(payload, suffix)
        cpu = server_cpu_seconds(reg.server)
        t = timed(lambda: reg.push_file_chunked(f"bench/chunked{run}", payload, suffix, digest, 16 * MiB))
        bench.record("push 1 GiB, 16 MiB PATCHes (MiB/s)", who, (size + len(suffix)) / t / MiB)
        bench.record("server CPU time of that PATCH push (ms)", who, (server_cpu_seconds(reg.server) - cpu) * 1000)
    # The monolithic blob back, pushed a while ago (a chunked push since), then cached: the
    # comparison with nginx is about the second.
    for metric in ("pull of the 1 GiB blob pushed before the chunked push (MiB/s)", "pull 1 GiB, page cache warm (MiB/s)"):
        for reg in each():
            who = reg.server.name
            digest, length = mono[who]
            got, seconds = curl_download(f"http://127.0.0.1:{reg.port}/v2/bench/mono{run}/blobs/{digest}")
            assert got == length, f"{who}: pulled {got} bytes, expected {length}"
            bench.record(metric, who, got / seconds / MiB)
    if nginx is None:
        return
    digest = mono["berth"][0]
    berth_blob = os.path.join(bench.args.workdir_path, "berth", "blobs", "sha256", digest[7:9], digest[7:])
    # nginx serves the very file Berth serves (cached by Berth's pulls just before).
    link = os.path.join(bench.args.workdir_path, "files", "berth-blob")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(berth_blob, link)
    got, seconds = curl_download(f"http://127.0.0.1:{nginx.port}/berth-blob")
    bench.record("pull 1 GiB, page cache warm (MiB/s)", "limit", got / seconds / MiB)


AT_ONCE_BLOBS, AT_ONCE_BLOB = 100, 10 * MiB


def at_once_rows(bench, run, each, payload, size):
    """Push then pull at once, as a build pushes and a rollout pulls the same layers seconds
    later: one 1 GiB blob, then 100 blobs of 10 MiB (all pushed, then all pulled), each timed
    for the push, the pull and both together, with the same Python client (sendfile up, 1 MiB
    reads down) on both servers."""
    buffer = bytearray(MiB)
    for reg in each():
        who = reg.server.name
        suffix = f"{run}-{who}-at-once".encode()
        digest = file_digest(payload, suffix)
        length = size + len(suffix)
        push = timed(lambda: reg.push_file_monolithic(f"bench/at-once{run}", payload, suffix, digest))
        start = time.perf_counter()
        got = reg.pull(f"/v2/bench/at-once{run}/blobs/{digest}", buffer)
        pull = time.perf_counter() - start
        assert got == length, f"{who}: pulled {got} bytes, expected {length}"
        bench.record("push then pull at once, 1 GiB: the push (MiB/s)", who, length / push / MiB)
        bench.record("push then pull at once, 1 GiB: the pull (MiB/s)", who, length / pull / MiB)
        bench.record("push then pull at once, 1 GiB: both (MiB/s)", who, length / (push + pull) / MiB)
    count = min(AT_ONCE_BLOBS, size // AT_ONCE_BLOB)
    for reg in each():
        who = reg.server.name
        suffix = f"{run}-{who}-small-at-once".encode()
        blobs = []
        with open(payload, "rb") as f:
            for i in range(count):
                f.seek(i * AT_ONCE_BLOB)
                blobs.append("sha256:" + hashlib.sha256(f.read(AT_ONCE_BLOB) + suffix).hexdigest())
        repo = f"bench/layers{run}"
        start = time.perf_counter()
        for i, digest in enumerate(blobs):
            reg.push_file_slice(repo, payload, i * AT_ONCE_BLOB, AT_ONCE_BLOB, suffix, digest)
        push = time.perf_counter() - start
        start = time.perf_counter()
        for digest in blobs:
            got = reg.pull(f"/v2/{repo}/blobs/{digest}", buffer)
            assert got == AT_ONCE_BLOB + len(suffix), f"{who}: pulled {got} bytes"
        pull = time.perf_counter() - start
        total = count * (AT_ONCE_BLOB + len(suffix))
        bench.record(f"push then pull at once, {count} × 10 MiB: the pushes (MiB/s)", who, total / push / MiB)
        bench.record(f"push then pull at once, {count} × 10 MiB: the pulls (MiB/s)", who, total / pull / MiB)
        bench.record(f"push then pull at once, {count} × 10 MiB: both (MiB/s)", who, total / (push + pull) / MiB)


def request_rows(bench, run, each, nginx, small_blob_name):
    args = bench.args
    for reg in each():
        rps = wrk(f"http://127.0.0.1:{reg.port}/v2/bench/small/blobs/{reg.small_digest}", 8, args.seconds)
        bench.record("pull 1 MiB blobs, 8 connections (MiB/s)", reg.server.name, rps)
    if nginx:
        rps = wrk(f"http://127.0.0.1:{nginx.port}/{small_blob_name}", 8, args.seconds)
        bench.record("pull 1 MiB blobs, 8 connections (MiB/s)", "limit", rps)
    for reg in each():
        rps = wrk(f"http://127.0.0.1:{reg.port}/v2/bench/small/manifests/latest", 16, args.seconds,
                  headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        bench.record("manifest GET by tag, 16 connections (req/s)", reg.server.name, rps)
    for reg in each():
        rps = hey_head(f"http://127.0.0.1:{reg.port}/v2/bench/small/blobs/{reg.small_digest}", 32, args.head_requests)
        bench.record("blob HEAD, 32 connections (req/s)", reg.server.name, rps)
    for reg in each():
        def push(i):
            doc = image_manifest(reg.config_digest, reg.config_size, reg.small_digest, MiB, f"{run}-{i}")
            reg.put_manifest("bench/many", f"r{run}-{i}", doc)
        with concurrent.futures.ThreadPoolExecutor(args.manifest_clients) as pool:
            t = timed(lambda: list(pool.map(push, range(args.manifests))))
        bench.record(f"{args.manifests} manifest pushes, {args.manifest_clients} clients (req/s)", reg.server.name, args.manifests / t)
    for reg in each():
        # Small referrers (an SBOM each) of one subject, pushed by digest from one client, as
        # `oras attach` does: every acknowledgement waits for its own durable commit on Berth.
        prefix, suffix = manifest_parts(reg, subject=reg.subject, artifact_type="application/vnd.example.sbom")
        def push_referrers():
            for i in range(args.manifests):
                body = (prefix + f"ref-{run}-{i}" + suffix).encode()
                digest = "sha256:" + hashlib.sha256(body).hexdigest()
                reg.put_manifest("bench/small", digest, body)
        t = timed(push_referrers)
        bench.record(f"{args.manifests} small referrer pushes, one client (req/s)", reg.server.name, args.manifests / t)


def server_cpu_seconds(server):
    """CPU time (user + system) the server process has used so far. Around a push it is far
    steadier than the push's wall time on a shared machine: it does not count waiting for the
    disk or for the other core."""
    with open(f"/proc/{server.process.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare_small(reg, small):
    reg.small_digest = reg.push_blob_bytes("bench/small", small)
    reg.small_bytes = small
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    reg.config_bytes = config
    reg.config_digest = reg.push_blob_bytes("bench/small", config)
    reg.config_size = len(config)
    for repo in ("bench/small", "bench/many"):
        if repo != "bench/small":
            reg.push_blob_bytes(repo, small)
            reg.push_blob_bytes(repo, config)
    latest = image_manifest(reg.config_digest, reg.config_size, reg.small_digest, len(small), "latest")
    reg.put_manifest("bench/small", "latest", latest)
    reg.subject = ("sha256:" + hashlib.sha256(latest).hexdigest(), len(latest))


def generated_blob(gib):
    """A blob of `gib` GiB as one random 16 MiB block repeated: (block, count, digest)."""
    block = os.urandom(16 * MiB)
    count = gib * 64
    h = hashlib.sha256()
    for _ in range(count):
        h.update(block)
    return block, count, "sha256:" + h.hexdigest()


def big_push_rss(bench, berth_reg, gib):
    """Peak RSS of Berth while a blob of `gib` GiB is pushed in one request (generated, not stored twice)."""
    block, count, digest = generated_blob(gib)
    berth_reg.server.reset_peak()
    before = berth_reg.server.rss_kib("VmRSS") / 1024
    berth_reg.push_monolithic("bench/huge", (block for _ in range(count)), count * len(block), digest)
    peak = berth_reg.server.peak_rss_mib()
    berth_reg.request("DELETE", f"/v2/bench/huge/blobs/{digest}", expect=(202,))
    return before, peak


# --------------------------------------------------------------------------------------------
# Berth alone: the targets that have no peer (docker-registry 2.8 has no referrers API)

PUT_LUA = """
local counter = 0
local prefix, suffix, name, kind, round = "", "", "", "", ""
function init(args)
  name, kind, round = args[1], args[2], args[5]
  local f = io.open(args[3], "rb"); prefix = f:read("*a"); f:close()
  f = io.open(args[4], "rb"); suffix = f:read("*a"); f:close()
end
function request()
  counter = counter + 1
  local unique = round .. "-" .. id .. "-" .. counter
  local body = prefix .. unique .. suffix
  local reference = "t" .. unique
  if kind == "same" then body = prefix .. suffix end
  return wrk.format("PUT", "/v2/" .. name .. "/manifests/" .. reference,
    {["Content-Type"] = "application/vnd.oci.image.manifest.v1+json"}, body)
end
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
"""


WRK_ROUNDS = iter(range(1_000_000))


def wrk_put_manifests(reg, name, prefix, suffix, seconds, same_body, workdir, connections=64):
    """PUTs manifests by new tags with wrk for `seconds`; each body unique unless `same_body`.
    Tags (and bodies) carry a round number, so no two calls reuse one."""
    paths = []
    for part, text in (("lua", PUT_LUA), ("prefix", prefix), ("suffix", suffix)):
        path = os.path.join(workdir, f"put.{part}")
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", paths[0], f"http://127.0.0.1:{reg.port}",
                          "--", name, "same" if same_body else "unique", paths[1], paths[2], str(next(WRK_ROUNDS))],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"wrk PUT: error responses\n{out}")
    return int(re.search(r"(\d+) requests in", out).group(1))


def wrk_latency_p99_ms(url, connections, seconds):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"wrk GET {url}: error responses\n{out}")
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def manifest_parts(reg, subject=None, artifact_type=None):
    """A manifest document split where a unique annotation value goes."""
    doc = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": reg.config_digest, "size": reg.config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": reg.small_digest, "size": MiB}],
        "annotations": {"org.example.note": "@@"},
    }
    if artifact_type:
        doc["artifactType"] = artifact_type
    if subject:
        doc["subject"] = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject[0], "size": subject[1]}
    text = json.dumps(doc, separators=(",", ":"))
    return text.split("@@")


def count_tags(reg, repo):
    """Tags of `repo` that the fill functions made (they all start with "t"), from the whole list."""
    c = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=300)
    try:
        c.request("GET", f"/v2/{repo}/tags/list")
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    if r.status == 404:
        return 0
    if r.status != 200:
        raise RuntimeError(f"{reg.server.name}: tags/list of {repo} -> {r.status} {data[:300]!r}")
    return sum(1 for tag in json.loads(data)["tags"] if tag.startswith("t"))


def put_manifests_exactly(reg, name, prefix, suffix, count, same_body, clients=16):
    """`count` manifest PUTs by new tags from Python clients: exact, slower than wrk."""
    round_ = next(WRK_ROUNDS)

    def one(i):
        unique = f"py{round_}-{i}"
        body = prefix + suffix if same_body else prefix + unique + suffix
        reg.put_manifest(name, "t" + unique, body.encode())
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))


def fill(reg, name, prefix, suffix, target, seconds, same_body, workdir, exact):
    """Pushes manifests by new tags into `name` until at least `target` more are there: wrk
    rounds of `seconds`. With `exact` (A/B, so both stores have the same size) exactly `target`
    more: shorter wrk rounds as the goal nears, the rest from Python clients, counted by the
    server's own tag list (wrk's count misses requests in flight when it stops)."""
    if not exact:
        pushed = 0
        while pushed < target:
            pushed += wrk_put_manifests(reg, name, prefix, suffix, seconds, same_body, workdir)
        return pushed
    before = count_tags(reg, name)
    goal = before + target
    rate = None
    while True:
        time.sleep(0.2)  # let requests cut off when wrk stopped finish
        remaining = goal - count_tags(reg, name)
        if remaining <= 0:
            break
        round_seconds = 1 if rate is None else min(seconds, int(remaining * 0.7 / rate))
        if remaining < 3000 or round_seconds < 1:
            put_manifests_exactly(reg, name, prefix, suffix, remaining, same_body)
            continue
        start = time.perf_counter()
        done = wrk_put_manifests(reg, name, prefix, suffix, round_seconds, same_body, workdir)
        rate = done / (time.perf_counter() - start)
    return count_tags(reg, name) - before


def berth_alone(bench, regs, args, workdir):
    """Referrers latency as accessories pile up, a streamed tag list, GC while serving.

    `regs` is one Berth, or two builds of it (A/B mode): then each step runs on each in turn,
    the stores are filled to the same sizes, the latencies are measured `args.runs` times
    alternately and the medians kept. Returns one dict of results per registry."""
    ab = len(regs) > 1
    repeats = args.runs if ab else 1
    results = [{} for _ in regs]
    samples = [{} for _ in regs]

    def keep(i, key, value):
        samples[i].setdefault(key, []).append(value)
        results[i][key] = statistics.median(samples[i][key])
        if ab:
            bench.record(key, regs[i].server.name, value)

    def alternately(n):
        """(round, index) pairs: every registry once per round, the order reversed every other round."""
        for r in range(n):
            for i in (range(len(regs)) if r % 2 == 0 else reversed(range(len(regs)))):
                yield r, i

    for reg in regs:
        for repo in ("alone/refs", "alone/tags", "alone/gc"):
            reg.push_blob_bytes(repo, reg.small_bytes)
            reg.push_blob_bytes(repo, reg.config_bytes)
    # Referrers: one signature, then 10 000 other accessories of the same subject.
    urls = []
    for reg in regs:
        subject_doc = image_manifest(reg.config_digest, reg.config_size, reg.small_digest, MiB, "subject")
        reg.put_manifest("alone/refs", "subject", subject_doc)
        subject = ("sha256:" + hashlib.sha256(subject_doc).hexdigest(), len(subject_doc))
        prefix, suffix = manifest_parts(reg, subject, "application/vnd.example.signature")
        signature = (prefix + "only" + suffix).encode()
        reg.put_manifest("alone/refs", "sha256:" + hashlib.sha256(signature).hexdigest(), signature)
        urls.append((subject, f"http://127.0.0.1:{reg.port}/v2/alone/refs/referrers/{subject[0]}?artifactType=application/vnd.example.signature",
                     f"http://127.0.0.1:{reg.port}/v2/alone/refs/referrers/{subject[0]}"))
    for _, i in alternately(repeats):
        keep(i, "referrers p99, 1 referrer (ms)", wrk_latency_p99_ms(urls[i][1], 8, args.seconds))
    piled = []
    for i, reg in enumerate(regs):
        prefix, suffix = manifest_parts(reg, urls[i][0], "application/vnd.example.sbom")
        pushed = fill(reg, "alone/refs", prefix, suffix, args.referrers, 2, False, workdir, ab)
        results[i]["referrers piled up"] = pushed + 1
        piled.append(pushed + 1)
    for _, i in alternately(repeats):
        keep(i, f"referrers p99, {piled[i]:,} referrers (ms)", wrk_latency_p99_ms(urls[i][1], 8, args.seconds))
    for _, i in alternately(repeats):
        keep(i, f"referrers p99, first page of all {piled[i]:,} (ms)", wrk_latency_p99_ms(urls[i][2], 8, args.seconds))

    # Tags: many tags of one manifest, then the whole list streamed (no n).
    for reg in regs:
        prefix, suffix = manifest_parts(reg)
        fill(reg, "alone/tags", prefix, suffix, args.tags, 20, True, workdir, ab)
    firsts, wholes, counts = [[] for _ in regs], [[] for _ in regs], [0 for _ in regs]
    # 40 turns, not --runs: a request takes a fraction of a second, and on 2 cores the single
    # request's time swings by 2 x from one to the next.
    for _, i in alternately(40):
        c = http.client.HTTPConnection("127.0.0.1", regs[i].port, timeout=60)
        start = time.perf_counter()
        c.request("GET", "/v2/alone/tags/tags/list")
        r = c.getresponse()
        first = r.read1(65536)
        firsts[i].append((time.perf_counter() - start) * 1000)
        rest = r.read()
        wholes[i].append((time.perf_counter() - start) * 1000)
        counts[i] = len(json.loads(first + rest)["tags"])
        c.close()
    for i in range(len(regs)):
        count = counts[i]
        results[i]["tags listed"] = count
        for key, values in ((f"tags/list of {count:,}: first bytes (ms)", firsts[i]), (f"tags/list of {count:,}: whole list (ms)", wholes[i])):
            results[i][key] = statistics.median(values)
            if ab:
                for value in values:
                    bench.record(key, regs[i].server.name, value)

    # GC: 10 000 distinct manifests, collected while wrk reads manifests.
    made = []
    for reg in regs:
        prefix, suffix = manifest_parts(reg)
        made.append(fill(reg, "alone/gc", prefix, suffix, args.gc_manifests, 2, False, workdir, ab))
    def reading(reg):
        return subprocess.Popen(["wrk", "-t1", "-c8", "-d30s", f"http://127.0.0.1:{reg.port}/v2/bench/small/manifests/latest",
                                 "-H", "Accept: application/vnd.oci.image.manifest.v1+json"], stdout=subprocess.PIPE, text=True)

    def collect(reg):
        start = time.perf_counter()
        reg.request("POST", "/admin/v1/gc", body=b"", headers={"Content-Length": "0"})
        return (time.perf_counter() - start) * 1000

    gcs = [[] for _ in regs]
    if not ab:
        load = reading(regs[0])
        time.sleep(1)
        for _ in range(3):
            gcs[0].append(collect(regs[0]))
        load.terminate()
        load.communicate()
    else:
        # The builds take turns, one collection each under a read load of its own.
        for _, i in alternately(3):
            load = reading(regs[i])
            time.sleep(1)
            gcs[i].append(collect(regs[i]))
            load.terminate()
            load.communicate()
            bench.record("GC while serving (ms)", regs[i].server.name, gcs[i][-1])
    for i in range(len(regs)):
        results[i]["manifests in the store for GC"] = made[i] + args.runs * args.manifests + 1
        results[i]["GC while serving (ms)"] = statistics.median(gcs[i])
    return results


# --------------------------------------------------------------------------------------------
# Report


TARGETS = [
    # metric, target against the peer, target against the limit
    ("push 1 GiB, monolithic (MiB/s)", 2.5, 0.8),
    ("push 1 GiB, 16 MiB PATCHes (MiB/s)", 2.5, 0.8),
    ("pull 1 GiB, page cache warm (MiB/s)", None, 0.8),
    ("pull of the 1 GiB blob pushed before the chunked push (MiB/s)", None, None),
    ("push then pull at once, 1 GiB: the push (MiB/s)", 1.0, None),
    ("push then pull at once, 1 GiB: the pull (MiB/s)", 1.0, None),
    ("push then pull at once, 1 GiB: both (MiB/s)", 1.0, None),
    (f"push then pull at once, {AT_ONCE_BLOBS} × 10 MiB: the pushes (MiB/s)", 1.0, None),
    (f"push then pull at once, {AT_ONCE_BLOBS} × 10 MiB: the pulls (MiB/s)", 1.0, None),
    (f"push then pull at once, {AT_ONCE_BLOBS} × 10 MiB: both (MiB/s)", 1.0, None),
    ("pull 1 MiB blobs, 8 connections (MiB/s)", 3.0, 0.5),
    ("manifest GET by tag, 16 connections (req/s)", 10.0, None),
    ("blob HEAD, 32 connections (req/s)", None, None),
]


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def report(bench, extra, machine):
    args = bench.args
    # The durable-write limit is the faster of the two ways dd makes the bytes durable (through
    # the page cache then fdatasync, or O_DIRECT): the strictest limit to hold Berth against.
    if "limits" in args.only:
        durable = max(bench.median("durable write (dd fdatasync)", "limit"), bench.median("durable write (dd O_DIRECT)", "limit"))
        push_limit = min(bench.median("sha256 (1 core)", "limit"), durable)
        issue_push_limit = min(bench.median("sha256 (1 core)", "limit"), bench.median("durable write (dd fdatasync)", "limit"))
    else:
        push_limit = issue_push_limit = None
    # The issue's own limit (issue_push_limit) is the lower of single-core SHA-256 and `dd
    # conv=fdatasync`. Both verdicts are printed; the table's limit column is the stricter one.
    manifests_metric = f"{args.manifests} manifest pushes, {args.manifest_clients} clients (req/s)"
    referrers_metric = f"{args.manifests} small referrer pushes, one client (req/s)"
    targets = TARGETS + [(manifests_metric, 3.0, None), (referrers_metric, 3.0, None)]
    lines = [
        "| measurement | Berth | docker-registry | limit | Berth / peer (median of rounds; range) | Berth / limit | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for metric, peer_target, limit_target in targets:
        if metric not in bench.rows:
            continue
        b, p = bench.median(metric, "berth"), bench.median(metric, "docker-registry")
        limit = push_limit if metric.startswith("push 1 GiB") else bench.median(metric, "limit")
        # Rounds interleave the two servers, and a shared machine swings between rounds: the
        # ratio judged is the median of each round's own ratio, not a ratio of medians.
        ratios = bench.round_ratios(metric, "berth", "docker-registry")
        rp = statistics.median(ratios) if ratios else None
        spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
        rl = b / limit if b and limit else None
        wanted = []
        if peer_target:
            wanted.append(f"≥ {peer_target}× peer")
            verdicts.append((metric, "peer", rp, peer_target))
        if limit_target:
            wanted.append(f"≥ {limit_target}× limit")
            if metric.startswith("push 1 GiB"):
                issue = b / issue_push_limit if b and issue_push_limit else None
                verdicts.append((metric, "limit as the issue defines it (min of sha256, dd fdatasync)", issue, limit_target))
                verdicts.append((metric, "stricter limit (min of sha256, faster dd)", rl, limit_target))
            else:
                verdicts.append((metric, "limit", rl, limit_target))
        lines.append(f"| {metric} | {fmt(b)} | {fmt(p)} | {fmt(limit)} | {fmt(rp, 2)}{spread} | {fmt(rl, 2)} | {', '.join(wanted) or '–'} |")
    for metric in ("sha256 (1 core)", "durable write (dd fdatasync)", "durable write (dd O_DIRECT)",
                   "loopback transfer, same client (null sink)"):
        if metric in bench.rows:
            lines.append(f"| limit: {metric} (MiB/s) | | | {fmt(bench.median(metric, 'limit'))} | | | |")
    for who in ("berth", "docker-registry"):
        lines.append(f"| peak RSS of {who} over the run (MiB) | {fmt(extra.get('rss-' + who))} | | | | | |"
                     if who == "berth" else
                     f"| peak RSS of {who} over the run (MiB) | | {fmt(extra.get('rss-' + who))} | | | | |")
    if "huge" in extra:
        before, peak = extra["huge"]
        lines.append(f"| Berth peak RSS while one {args.huge_gib} GiB blob is pushed to a fresh server (MiB; {fmt(before)} before) | {fmt(peak)} | | | | | < 128 MiB |")
        verdicts.append((f"peak RSS, {args.huge_gib} GiB push", "absolute", 128 / peak if peak else None, 1.0))
    replicated = [m for m in bench.rows if m.startswith("replicate ")]
    if replicated:
        lines += ["", "| replication, Berth to Berth | Berth rule | skopeo copy | Berth / skopeo (median of rounds; range) | target |",
                  "|---|---:|---:|---:|---|"]
        for metric in replicated:
            wanted = 2.0 if "small signed" in metric else 1.2
            ratios = bench.round_ratios(metric, "berth", "skopeo")
            rp = statistics.median(ratios) if ratios else None
            spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
            lines.append(f"| {metric} | {fmt(bench.median(metric, 'berth'), 1)} | {fmt(bench.median(metric, 'skopeo'), 1)} | {fmt(rp, 2)}{spread} | ≥ {wanted}× skopeo |")
            verdicts.append((metric, "skopeo", rp, wanted))
        sending, receiving = bench.median(replication.PEAK_METRIC, "berth"), bench.median(replication.PEAK_METRIC, "receiving")
        if sending is not None:
            lines.append(f"| {replication.PEAK_METRIC} | {fmt(sending, 1)} | {fmt(receiving, 1)} (receiving) | | – |")
        huge = replication.HUGE_METRIC.format(gib=args.huge_gib)
        sending, receiving = bench.median(huge, "berth"), bench.median(huge, "receiving")
        if sending is not None:
            lines.append(f"| {huge} | {fmt(sending, 1)} | {fmt(receiving, 1)} (receiving) | | ≤ receiving + a few MiB |")
            verdicts.append((f"peak anonymous RSS replicating {args.huge_gib} GiB", "its peak receiving it, + 8 MiB",
                             (receiving + 8) / sending if sending and receiving else None, 1.0))
    alone = extra.get("alone")
    if alone:
        lines += ["", "| Berth alone | value | target |", "|---|---:|---|"]
        one = next(v for k, v in alone.items() if k.startswith("referrers p99, 1 referrer"))
        for key, value in alone.items():
            target = ""
            if key.startswith("referrers p99, ") and "first page" not in key and not key.startswith("referrers p99, 1 referrer"):
                target = f"≤ 2 × the 1-referrer p99 ({value / one:.2f}×)"
                verdicts.append(("referrers p99 flat as accessories pile up", "1-referrer p99", 2 * one / value if value else None, 1.0))
            elif "first bytes" in key:
                target = "< 10 ms"
                verdicts.append((key, "10 ms", 10 / value if value else None, 1.0))
            elif "whole list" in key:
                target = "< 1 000 ms"
                verdicts.append((key, "1 s", 1000 / value if value else None, 1.0))
            elif key.startswith("GC while serving"):
                target = "< 2 000 ms"
                verdicts.append((key, "2 s", 2000 / value if value else None, 1.0))
            digits = 2 if key.endswith("(ms)") else 0
            lines.append(f"| {key} | {fmt(value, digits)} | {target} |")
    table = "\n".join(lines)
    summary = []
    for metric, kind, ratio, wanted in verdicts:
        ok = ratio is not None and ratio >= wanted
        summary.append(f"- {'met' if ok else 'NOT met'}: {metric}, Berth/{kind} {fmt(ratio, 2)} (target ≥ {wanted})")
    runs = {m: {w: [round(v, 1) for v in vs] for w, vs in d.items()} for m, d in bench.rows.items()}
    return table, "\n".join(summary), runs


def describe_machine():
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
        except OSError:
            return "?"
    cpu = run("lscpu | sed -n 's/^Model name: *//p' | head -1")
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory": run("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
        "kernel": platform.release(),
        "filesystem": run(f"df -T {tempfile.gettempdir()} | awk 'NR==2 {{print $2}}'"),
        "docker-registry": run("docker-registry --version"),
        "nginx": run("nginx -v 2>&1"),
        "wrk": run("wrk -v 2>&1 | head -1"),
        "hey": run("dpkg-query -W -f='${Version}' hey"),
        "berth": run("git rev-parse --short HEAD"),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berth", default=".build/release/berth", help="the berth binary")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the table shows medians)")
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the big blob")
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk measurement")
    parser.add_argument("--head-requests", type=int, default=50000, help="blob HEADs per run (hey)")
    parser.add_argument("--manifests", type=int, default=1000, help="small manifests pushed per run")
    parser.add_argument("--manifest-clients", type=int, default=16, help="concurrent clients pushing manifests")
    parser.add_argument("--huge-gib", type=int, default=4, help="size of the blob pushed for Berth's peak RSS (0: skip)")
    parser.add_argument("--referrers", type=int, default=10_000, help="accessories piled on one subject")
    parser.add_argument("--tags", type=int, default=500_000, help="tags of one repository for the streamed list")
    parser.add_argument("--gc-manifests", type=int, default=10_000, help="manifests pushed before GC while serving")
    parser.add_argument("--skip-alone", action="store_true", help="skip the Berth-only targets")
    parser.add_argument("--only", default="limits,transfers,at-once,requests,replication",
                        help="comma-separated groups of the rounds against the peer: limits (sha256, dd, null sink), "
                             "transfers (1 GiB pushes and pulls), at-once (push then pull at once), requests "
                             "(small pulls, manifest GETs, HEADs, manifest and referrer pushes), replication (a Berth "
                             "rule between two Berths against skopeo copies); default all")
    parser.add_argument("--replication-images", type=int, default=500, help="small signed images replicated per round")
    parser.add_argument("--only-alone", action="store_true", help="A/B mode: only the Berth-only targets (a repeat of those rows)")
    parser.add_argument("--workdir", default=None, help="where data roots and the payload go (default: a new temporary folder)")
    parser.add_argument("--output", default=None, help="write the report into this Markdown file")
    ab = parser.add_argument_group("A/B mode", "two builds of Berth in one run, no peers: every Berth measurement on "
                                   "both, interleaved, and a table old, new, ratio (with --output, into the file's "
                                   "<!-- ab:begin --> ... <!-- ab:end --> section)")
    ab.add_argument("--baseline-berth", default=None, metavar="PATH", help="the old berth binary: turns on A/B mode (--berth is the new one)")
    ab.add_argument("--baseline-label", default="old", help="name of the --baseline-berth build in the table (default: old)")
    ab.add_argument("--label", default="new", help="name of the --berth build in the table (default: new)")
    ab.add_argument("--threshold", type=float, default=0.95, help="a row whose ratio is below this is marked for a repeat (default: 0.95)")
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    unknown = args.only - {"limits", "transfers", "at-once", "requests", "replication"}
    if unknown:
        parser.error(f"--only: unknown groups {', '.join(sorted(unknown))}")
    if args.baseline_berth and args.baseline_label == args.label:
        parser.error("--baseline-label and --label must differ")

    workdir = args.workdir or tempfile.mkdtemp(prefix="berth-e2e-")
    args.workdir_path = workdir
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o755)
    files = os.path.join(workdir, "files")
    os.makedirs(files, exist_ok=True)
    payload = os.path.join(files, "payload")
    size = args.size_mib * MiB
    print(f"workdir {workdir}; writing a {args.size_mib} MiB random payload", flush=True)
    with open(payload, "wb") as f:
        for _ in range(args.size_mib):
            f.write(os.urandom(MiB))
    small = os.urandom(MiB)
    with open(os.path.join(files, "small"), "wb") as f:
        f.write(small)

    if args.baseline_berth:
        try:
            return run_ab(args, workdir, payload, size, small)
        finally:
            if not args.workdir:
                shutil.rmtree(workdir, ignore_errors=True)

    bench = Bench(args)
    servers = []
    try:
        berth = start_berth(os.path.abspath(args.berth), os.path.join(workdir, "berth"), os.path.join(workdir, "berth.log"))
        servers.append(berth)
        peer = start_distribution(os.path.join(workdir, "distribution"), workdir, os.path.join(workdir, "distribution.log"))
        servers.append(peer)
        nginx = start_nginx(files, workdir, os.path.join(workdir, "nginx.log"))
        servers.append(nginx)
        registries = [Registry(berth), Registry(peer)]
        for reg in registries:
            prepare_small(reg, small)
        if "replication" in args.only:
            # Two Berths of their own: the source's store holds only what is replicated.
            source = start_berth(os.path.abspath(args.berth), os.path.join(workdir, "replication-source"), os.path.join(workdir, "replication-source.log"))
            servers.append(source)

            def replication_destination(name):
                root = os.path.join(workdir, f"replication-{name}")
                server = start_berth(os.path.abspath(args.berth), root, root + ".log")
                server.root = root
                return server
            print(f"filling the replication source: one {args.size_mib} MiB image, {args.replication_images} small signed images", flush=True)
            content = replication.fill_source(Registry(source), payload, size, args.replication_images)
        for run in range(args.runs):
            print(f"run {run + 1} of {args.runs}", flush=True)
            if "limits" in args.only:
                measure_limits(bench, payload, workdir, size)
            run_once(bench, run, registries, nginx, payload, size, "small")
            if "replication" in args.only:
                replication.measure(bench, run, os.path.abspath(args.berth), source, replication_destination, content, args.replication_images)
        if "replication" in args.only and args.huge_gib:
            print(f"replicating {args.huge_gib} GiB from a fresh Berth for its memory", flush=True)
            replication.huge_memory(bench, os.path.abspath(args.berth), replication_destination, args.huge_gib)
        extra = {"rss-berth": berth.peak_rss_mib(), "rss-docker-registry": peer.peak_rss_mib()}
        # On a fresh server of its own: what the push itself needs, not what the comparison's
        # loads left in the process (buffers, mapped index pages).
        if args.huge_gib:
            print(f"pushing {args.huge_gib} GiB to a fresh Berth for its peak RSS", flush=True)
            fresh = start_berth(os.path.abspath(args.berth), os.path.join(workdir, "berth-rss"), os.path.join(workdir, "berth-rss.log"))
            try:
                extra["huge"] = big_push_rss(bench, Registry(fresh), args.huge_gib)
            finally:
                fresh.stop()
                shutil.rmtree(os.path.join(workdir, "berth-rss"), ignore_errors=True)
        if not args.skip_alone:
            print("Berth alone: referrers, tags, GC", flush=True)
            extra["alone"] = berth_alone(bench, registries[:1], args, workdir)[0]
    finally:
        for server in servers:
            server.stop()
    machine = describe_machine()
    table, summary, runs = report(bench, extra, machine)
    print(table)
    print(summary)
    if args.output:
        write_report(args.output, table, summary, runs, machine, args)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


def write_report(path, table, summary, runs, machine, args):
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    begin, end = "<!-- end-to-end:begin -->", "<!-- end-to-end:end -->"
    described = ", ".join(f"{k}: {v}" for k, v in machine.items())
    block = (f"{begin}\n"
             f"Measured by `Benchmarks/end-to-end` ({args.runs} runs, medians; wrk {args.seconds} s per point).\n\n"
             f"Machine: {described}.\n\n{table}\n\n{summary}\n\n"
             f"<details><summary>Every run</summary>\n\n```json\n{json.dumps(runs, indent=1)}\n```\n</details>\n{end}")
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


# --------------------------------------------------------------------------------------------
# A/B mode: two builds of Berth in one run (no peers)


def describe_build(binary):
    """The commit of the checkout a binary was built in (with "+changes" when its sources differ)."""
    directory = os.path.dirname(os.path.realpath(binary))
    def git(*argv):
        try:
            return subprocess.run(["git", "-C", directory, *argv], capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    commit = git("rev-parse", "--short", "HEAD") or "?"
    top = git("rev-parse", "--show-toplevel")
    changed = top and git("-C", top, "status", "--porcelain", "--", "Sources", "Package.swift")
    built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(binary)))
    return f"{binary} ({commit}{' +uncommitted changes' if changed else ''}, built {built})"


def run_ab(args, workdir, payload, size, small):
    """Every Berth measurement on both builds: in each run the builds take turns (old, new;
    the next run new, old; and so on), so drift on the machine hits both."""
    builds = [(args.baseline_label, os.path.abspath(args.baseline_berth)), (args.label, os.path.abspath(args.berth))]
    for label, binary in builds:
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{label}: {binary} is not an executable")
    bench = Bench(args)
    load_before = os.getloadavg()[0]
    servers, alone = [], None
    huge_metric = f"peak RSS while one {args.huge_gib} GiB blob is pushed to a fresh server (MiB)"
    try:
        for label, binary in builds:
            servers.append(start_berth(binary, os.path.join(workdir, f"berth-{label}"), os.path.join(workdir, f"berth-{label}.log"), name=label))
        registries = [Registry(server) for server in servers]
        for reg in registries:
            prepare_small(reg, small)
        for run in range(0 if args.only_alone else args.runs):
            print(f"run {run + 1} of {args.runs}", flush=True)
            run_once(bench, run, registries, None, payload, size, None)
        if not args.only_alone:
            for server in servers:
                bench.record("peak RSS over the run (MiB)", server.name, server.peak_rss_mib())
        if args.huge_gib and not args.only_alone:
            for label, binary in builds:
                print(f"{label}: pushing {args.huge_gib} GiB to a fresh server for its peak RSS", flush=True)
                root = os.path.join(workdir, f"berth-rss-{label}")
                fresh = start_berth(binary, root, os.path.join(workdir, f"berth-rss-{label}.log"), name=label)
                try:
                    before, peak = big_push_rss(bench, Registry(fresh), args.huge_gib)
                finally:
                    fresh.stop()
                    shutil.rmtree(root, ignore_errors=True)
                bench.record(huge_metric, label, peak)
                bench.record("RSS of that fresh server before the push (MiB)", label, before)
        if not args.skip_alone:
            print("Berth alone: referrers, tags, GC", flush=True)
            alone = berth_alone(bench, registries, args, workdir)
    finally:
        for server in servers:
            server.stop()
    table, summary, runs = report_ab(bench, alone, [label for label, _ in builds])
    summary += (f"\n- load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
                f"on {os.cpu_count()} cores: other work on the machine is noise both builds share.")
    print(table)
    print(summary)
    if args.output:
        machine = describe_machine()
        machine.pop("berth", None)
        for key in ("docker-registry", "nginx"):
            machine.pop(key, None)
        write_ab_report(args.output, table, summary, runs, machine, args, builds)


def better_direction(metric):
    """"higher" for rates, "lower" for times and memory, None for counts (no ratio)."""
    if "(MiB/s)" in metric or "(req/s)" in metric:
        return "higher"
    if metric.endswith("(ms)") or "RSS" in metric:
        return "lower"
    return None


def ab_ratio(old, new, direction):
    """new/old for rates, old/new for times and memory: >= 1 means the new build is no worse."""
    if not old or not new or direction is None:
        return None
    return new / old if direction == "higher" else old / new


def report_ab(bench, alone, labels):
    threshold = bench.args.threshold
    old_label, new_label = labels
    rows = []  # (metric, old median, new median, direction, paired per-run ratios)
    alone_keys = set()
    if alone:
        for results in alone:
            alone_keys.update(results)
    for metric, by in bench.rows.items():
        if metric in alone_keys or old_label not in by or new_label not in by:
            continue
        rows.append((metric, statistics.median(by[old_label]), statistics.median(by[new_label]), better_direction(metric),
                     [ab_ratio(o, n, better_direction(metric)) for o, n in zip(by[old_label], by[new_label])]))
    if alone:
        # Matched by position: both builds ran the same steps, so the keys come in the same
        # order (they carry the sizes of the stores, equal when both were filled exactly).
        for (key, old), (new_key, new) in zip(alone[0].items(), alone[1].items()):
            direction = better_direction(key)
            samples = bench.rows.get(key, {}) if key == new_key else {}
            paired = [ab_ratio(o, n, direction) for o, n in zip(samples.get(old_label, []), samples.get(new_label, []))]
            rows.append((key if key == new_key else f"{key} ({new_label}: {new_key})", old, new, direction, paired))
    lines = [
        f"| measurement | {old_label} | {new_label} | {new_label} vs {old_label} | per run | better | ≥ {threshold}? |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    misses, compared = [], 0
    for metric, old, new, direction, paired in rows:
        ratio = ab_ratio(old, new, direction)
        digits = 2 if metric.endswith("(ms)") else 0
        paired = [r for r in paired if r is not None]
        spread = f"{min(paired):.2f}–{max(paired):.2f}" if len(paired) > 1 else ""
        verdict = ""
        if ratio is not None:
            compared += 1
            verdict = "yes" if ratio >= threshold else "**no: repeat**"
            if ratio < threshold:
                misses.append((metric, ratio))
        how = {"higher": f"higher ({new_label}/{old_label})", "lower": f"lower ({old_label}/{new_label})"}.get(direction, "– (count)")
        lines.append(f"| {metric} | {fmt(old, digits)} | {fmt(new, digits)} | {fmt(ratio, 2)} | {spread} | {how} | {verdict} |")
    table = "\n".join(lines)
    summary = [f"Ratios: {new_label}/{old_label} for rates, {old_label}/{new_label} for times and memory, so a ratio "
               f"≥ {threshold} means {new_label} gives at least {threshold} × the {old_label} figure (medians; "
               f"\"per run\" is the range of the ratios of measurements taken back to back)."]
    if misses:
        summary.append(f"- {compared - len(misses)} of {compared} rows at ≥ {threshold}; below: "
                       + "; ".join(f"{metric} {ratio:.2f}" for metric, ratio in misses)
                       + ". Repeat these (more --runs, or the row alone) before calling any a regression.")
    else:
        summary.append(f"- all {compared} rows at ≥ {threshold}.")
    runs = {m: {w: [round(v, 2) for v in vs] for w, vs in d.items()} for m, d in bench.rows.items()}
    return table, "\n".join(summary), runs


AB_BEGIN, AB_END = "<!-- ab:begin -->", "<!-- ab:end -->"


def write_ab_report(path, table, summary, runs, machine, args, builds):
    """Rewrites the section between AB_BEGIN and AB_END (appended when the file has none);
    the rest of the file, the measured end-to-end section included, stays as it is."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    described = ", ".join(f"{k}: {v}" for k, v in machine.items())
    which = "; ".join(f"{label}: {describe_build(binary)}" for label, binary in builds)
    sizes = (f"--runs {args.runs} --size-mib {args.size_mib} --huge-gib {args.huge_gib} --seconds {args.seconds} "
             f"--referrers {args.referrers} --tags {args.tags} --gc-manifests {args.gc_manifests}"
             + (" --skip-alone" if args.skip_alone else ""))
    block = (f"{AB_BEGIN}\n"
             f"Measured by `Benchmarks/end-to-end` in A/B mode ({sizes}): both builds served from their own data "
             f"roots in the same run, taking turns on every measurement; medians.\n\n"
             f"Builds: {which}.\n\nMachine: {described}.\n\n{table}\n\n{summary}\n\n"
             f"<details><summary>Every run</summary>\n\n```json\n{json.dumps(runs, indent=1)}\n```\n</details>\n{AB_END}")
    if AB_BEGIN in text and AB_END in text:
        text = text[:text.index(AB_BEGIN)] + block + text[text.index(AB_END) + len(AB_END):]
    else:
        text = text.rstrip("\n") + "\n\n## A/B: one build against another, end to end\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
