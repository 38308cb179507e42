"""What a page of the web interface costs the server, by the size of what it lists.

One `berth serve --anonymous` (release build) holds:
  - `bench/big`: 10,000 images, each with two accessories (an SBOM and a Notation signature);
  - `bench/small`: 100 images, each with two accessories;
  - `bench/acc-big`: one image with 1,000 accessories; `bench/acc-small`: one with 10.
The requests, in interleaved rounds (each pair's order alternating), each measured as the
server's CPU time (the sum of its threads' run time from /proc/<pid>/task/*/schedstat, in
nanoseconds, over `--requests` sequential requests on one kept-alive connection):
  - the first artifacts page (HTML) of big and of small, and the admin API's JSON of the same
    page of big (`/admin/v1/repositories/bench/big/artifacts?n=50`);
  - the Accessories table (HTML) of acc-big and acc-small, and the admin API's JSON of the same
    page (`…/accessories/<digest>?n=10`, the table's page size).
Reported: CPU per request (median of rounds), the ratios big/small and HTML/JSON (medians of the
rounds' own ratios, with their range), and each page's weight. The issue's targets: big/small
<= 1.5, HTML/JSON <= 3, weight < 200 KB.

    python3 Benchmarks/EndToEnd/interface.py [--berth .build/release/berth] [--rounds 7] [--requests 300]
"""

import argparse
import concurrent.futures
import glob
import hashlib
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import start_berth  # noqa: E402


def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


class Client:
    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, headers=None, expect=(200, 201, 202)):
        self.c.request(method, path, body=body, headers=headers or {})
        r = self.c.getresponse()
        data = r.read()
        if r.status not in expect:
            raise RuntimeError(f"{method} {path} -> {r.status} {data[:200]!r}")
        return r, data

    def blob(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        r, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", body=data,
                            headers={"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"})
        return {"digest": digest, "size": len(data)}

    def manifest(self, repo, document, tag=None):
        data = json.dumps(document, separators=(",", ":")).encode()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.request("PUT", f"/v2/{repo}/manifests/{tag or digest}", body=data,
                     headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(data)}


def populate(port, repo, images, accessories_each, threads=8):
    """`images` images in `repo`, each with `accessories_each` accessories; returns the first image."""
    setup = Client(port)
    config = dict(setup.blob(repo, b'{"architecture":"amd64","os":"linux"}'), mediaType="application/vnd.oci.image.config.v1+json")
    layer = dict(setup.blob(repo, b"layer"), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
    empty = dict(setup.blob(repo, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
    sbom_layer = dict(setup.blob(repo, b'{"spdxVersion":"SPDX-2.3"}'), mediaType="application/spdx+json")
    jws = dict(setup.blob(repo, b'{"payload":"signed"}'), mediaType="application/jose+json")

    def image(index):
        return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                "layers": [layer], "annotations": {"index": str(index)}}

    def accessory(subject, number):
        sbom = number % 2 == 0
        return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "artifactType": "application/spdx+json" if sbom else "application/vnd.cncf.notary.signature",
                "config": empty, "layers": [sbom_layer if sbom else jws], "subject": subject,
                "annotations": {"number": str(number)}}

    if images == 1:
        first = setup.manifest(repo, image(0), tag="t0")
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            def one(numbers):
                c = Client(port)
                for number in numbers:
                    c.manifest(repo, accessory(first, number))
                c.c.close()
            list(pool.map(one, [range(start, accessories_each, threads) for start in range(threads)]))
        return first["digest"]

    def many(indices):
        c = Client(port)
        for index in indices:
            subject = c.manifest(repo, image(index), tag=f"t{index}")
            for number in range(accessories_each):
                c.manifest(repo, accessory(subject, number))
        c.c.close()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(many, [range(start, images, threads) for start in range(threads)]))
    return None


def measure(server, client, path, requests):
    before = cpu_ns(server.process.pid)
    size = 0
    for _ in range(requests):
        _, data = client.request("GET", path)
        size = len(data)
    return (cpu_ns(server.process.pid) - before) / requests / 1000, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berth", default=".build/release/berth")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--accessories", type=int, default=1_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-interface-bench-")
    server = start_berth(os.path.abspath(args.berth), os.path.join(work, "root"), os.path.join(work, "berth.log"))
    try:
        populate(server.port, "bench/big", args.big, 2)
        populate(server.port, "bench/small", 100, 2)
        many = populate(server.port, "bench/acc-big", 1, args.accessories)
        few = populate(server.port, "bench/acc-small", 1, 10)
        paths = {
            "artifacts page, 10,000 artifacts": "/repositories/bench/big",
            "artifacts page, 100 artifacts": "/repositories/bench/small",
            "admin JSON, same page of 10,000": "/admin/v1/repositories/bench/big/artifacts?n=50",
            "accessories table, 1,000 accessories": f"/repositories/bench/acc-big/-/artifacts/{many}/accessories",
            "accessories table, 10 accessories": f"/repositories/bench/acc-small/-/artifacts/{few}/accessories",
            "admin JSON, same page of 1,000": f"/admin/v1/repositories/bench/acc-big/accessories/{many}?n=10",
        }
        client = Client(server.port)
        for path in paths.values():
            measure(server, client, path, 20)  # warm up
        cpu = {name: [] for name in paths}
        weight = {}
        for round_number in range(args.rounds):
            names = list(paths) if round_number % 2 == 0 else list(reversed(paths))
            for name in names:
                value, size = measure(server, client, paths[name], args.requests)
                cpu[name].append(value)
                weight[name] = size

        def ratios(a, b):
            values = [x / y for x, y in zip(cpu[a], cpu[b])]
            return statistics.median(values), min(values), max(values)

        print("| request | server CPU per request (µs, median) | weight |")
        print("|---|---|---|")
        for name in paths:
            print(f"| {name} | {statistics.median(cpu[name]):.0f} | {weight[name] / 1000:.1f} kB |")
        print()
        print("| ratio | median of rounds | range | target |")
        print("|---|---|---|---|")
        rows = [
            ("artifacts page: 10,000 / 100", "artifacts page, 10,000 artifacts", "artifacts page, 100 artifacts", "<= 1.5"),
            ("artifacts page: HTML / admin JSON", "artifacts page, 10,000 artifacts", "admin JSON, same page of 10,000", "<= 3"),
            ("accessories: 1,000 / 10", "accessories table, 1,000 accessories", "accessories table, 10 accessories", "<= 1.5"),
            ("accessories: HTML / admin JSON", "accessories table, 1,000 accessories", "admin JSON, same page of 1,000", "<= 3"),
        ]
        for label, a, b, target in rows:
            median, low, high = ratios(a, b)
            print(f"| {label} | {median:.2f} | {low:.2f}–{high:.2f} | {target} |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
