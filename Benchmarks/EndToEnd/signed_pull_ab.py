"""A/B of two Berth builds on the signed-only pull path: `GET /v2/<name>/manifests/<tag>` at 16
connections (wrk) of a subject that a `present` signed-only policy covers, signed once and
carrying `--accessories` other accessories (SBOMs), so the check that it is signed has links
to look through. Rounds alternate the builds (A, B, B, A, …); the result is the median of the
rounds' own new/old ratios of requests per second.

    python3 Benchmarks/EndToEnd/signed_pull_ab.py --baseline-berth /work/baseline/.build/release/berth \\
        [--berth .build/release/berth] [--rounds 6] [--seconds 5] [--accessories 100]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import start_berth, wrk  # noqa: E402
from interface import Client  # noqa: E402


def prepare(port, accessories):
    c = Client(port)
    repo = "signed/app"
    config = dict(c.blob(repo, b'{"architecture":"amd64","os":"linux"}'), mediaType="application/vnd.oci.image.config.v1+json")
    layer = dict(c.blob(repo, b"layer"), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
    empty = dict(c.blob(repo, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
    sbom = dict(c.blob(repo, b'{"spdxVersion":"SPDX-2.3"}'), mediaType="application/spdx+json")
    jws = dict(c.blob(repo, b'{"payload":"signed"}'), mediaType="application/jose+json")
    subject = c.manifest(repo, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": config, "layers": [layer]}, tag="v1")
    for number in range(accessories):
        c.manifest(repo, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "artifactType": "application/spdx+json", "config": empty, "layers": [sbom], "subject": subject,
                          "annotations": {"n": str(number)}})
    c.manifest(repo, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "artifactType": "application/vnd.cncf.notary.signature", "config": empty, "layers": [jws], "subject": subject})
    policies = {"signedOnly": [{"repositories": "signed/**", "level": "present"}]}
    c.request("PUT", "/admin/v1/policies", body=json.dumps(policies).encode(), headers={"Content-Type": "application/json"})
    return f"http://127.0.0.1:{port}/v2/{repo}/manifests/v1"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berth", default=".build/release/berth")
    parser.add_argument("--baseline-berth", required=True)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--accessories", type=int, default=100)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-signed-ab-")
    servers = {}
    try:
        for label, binary in (("old", args.baseline_berth), ("new", args.berth)):
            server = start_berth(os.path.abspath(binary), os.path.join(work, label), os.path.join(work, label + ".log"), name=label)
            servers[label] = (server, prepare(server.port, args.accessories))
        accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
        for label in servers:
            wrk(servers[label][1], 16, 1, headers=accept)  # warm up
        rates = {"old": [], "new": []}
        for round_number in range(args.rounds):
            order = ["old", "new"] if round_number % 2 == 0 else ["new", "old"]
            for label in order:
                rates[label].append(wrk(servers[label][1], 16, args.seconds, headers=accept))
        ratios = [n / o for n, o in zip(rates["new"], rates["old"])]
        print(f"signed-only manifest GET by tag, 16 connections, a subject with {args.accessories} SBOMs and one signature")
        print(f"old {statistics.median(rates['old']):.0f} req/s, new {statistics.median(rates['new']):.0f} req/s, "
              f"new/old {statistics.median(ratios):.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f})")
    finally:
        for server, _ in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
