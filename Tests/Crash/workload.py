"""A registry workload whose acknowledgements are recorded: concurrent monolithic blob pushes,
chunked uploads and image manifests with a signature referrer each, against a `berth serve`
that the test kills with SIGKILL at a random instant. A line is appended to the log (one JSON
object, flushed) only after the server answered that the write is stored; after the restart the
test checks every logged write. Exits when the server stops answering.

    python3 workload.py BASE_URL LOG_FILE SEED
"""
import hashlib
import http.client
import json
import os
import random
import sys
import threading
import urllib.parse

BASE, LOG, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3])
HOST = urllib.parse.urlsplit(BASE).netloc
lock = threading.Lock()
log = open(LOG, "a")


def record(entry):
    with lock:
        log.write(json.dumps(entry) + "\n")
        log.flush()


class Client:
    def __init__(self):
        self.c = http.client.HTTPConnection(HOST, timeout=30)

    def request(self, method, path, body=None, headers=None):
        self.c.request(method, path, body=body, headers=headers or {})
        r = self.c.getresponse()
        return r, r.read()


def blob(client, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r, _ = client.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", body=data,
                          headers={"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"})
    if r.status != 201:
        raise RuntimeError(f"blob push {r.status}")
    record({"kind": "blob", "repo": repo, "digest": digest, "size": len(data)})
    return {"digest": digest, "size": len(data)}


def chunked(client, repo, data, chunk):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r, _ = client.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"", headers={"Content-Length": "0"})
    if r.status != 202:
        raise RuntimeError(f"upload start {r.status}")
    location = r.getheader("Location")
    for start in range(0, len(data), chunk):
        part = data[start:start + chunk]
        path = urllib.parse.urlsplit(location)
        r, _ = client.request("PATCH", path.path + ("?" + path.query if path.query else ""), body=part,
                              headers={"Content-Length": str(len(part)), "Content-Range": f"{start}-{start + len(part) - 1}",
                                       "Content-Type": "application/octet-stream"})
        if r.status != 202:
            raise RuntimeError(f"patch {r.status}")
        location = r.getheader("Location")
    path = urllib.parse.urlsplit(location)
    query = (path.query + "&" if path.query else "") + "digest=" + digest
    r, _ = client.request("PUT", path.path + "?" + query, body=b"", headers={"Content-Length": "0"})
    if r.status != 201:
        raise RuntimeError(f"upload finish {r.status}")
    record({"kind": "blob", "repo": repo, "digest": digest, "size": len(data)})
    return {"digest": digest, "size": len(data)}


def manifest(client, repo, document, reference=None):
    data = json.dumps(document, separators=(",", ":")).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r, _ = client.request("PUT", f"/v2/{repo}/manifests/{reference or digest}", body=data,
                          headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    if r.status != 201:
        raise RuntimeError(f"manifest {r.status}")
    record({"kind": "manifest", "repo": repo, "digest": digest, "tag": reference, "subject": document.get("subject", {}).get("digest")})
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(data)}


def worker(number):
    rng = random.Random(SEED * 100 + number)
    client = Client()
    repo = f"crash/w{number}"
    step = 0
    while True:
        step += 1
        config = dict(blob(client, repo, json.dumps({"architecture": "amd64", "os": "linux", "n": f"{SEED}-{number}-{step}"}).encode()),
                      mediaType="application/vnd.oci.image.config.v1+json")
        data = rng.randbytes(rng.randint(1, 3 << 20))
        layer = chunked(client, repo, data, rng.choice([64 << 10, 1 << 20])) if rng.random() < 0.5 else blob(client, repo, data)
        layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        image = manifest(client, repo, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                        "config": config, "layers": [layer]}, reference=f"s{SEED}-{step}")
        empty = dict(blob(client, repo, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
        envelope = dict(blob(client, repo, json.dumps({"payload": f"{SEED}-{number}-{step}"}).encode()), mediaType="application/jose+json")
        manifest(client, repo, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "artifactType": "application/vnd.cncf.notary.signature", "config": empty, "layers": [envelope],
                                "subject": image})


def guarded(number):
    try:
        worker(number)
    except Exception:  # noqa: BLE001 - the server was killed: this worker is done
        pass


threads = [threading.Thread(target=guarded, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
