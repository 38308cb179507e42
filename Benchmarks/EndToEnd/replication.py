"""The replication rows of the end-to-end comparison: a Berth push rule moving content from one
`berth serve` to another, against skopeo moving the same content between the same two servers
in the same run (compare.py's group `replication`).

The source holds one image with a layer of the payload (1 GiB by default) and N small signed
images (each with a cosign tag-scheme signature and an SBOM referring to it). Each round
replicates both into fresh namespaces of the destination, once by `berth replication run` (the
rule's default concurrency, 4) and once by skopeo: `skopeo sync` copies tags only, so one
`skopeo copy --preserve-digests` per manifest by digest, subjects first (subject, signature,
SBOM), 4 images at a time. The rows are rates (MiB/s, images/s): Berth/skopeo is the median of
the rounds' own ratios.
"""

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time

MiB = 1 << 20
CONCURRENCY = 4
PEAK_METRIC = "source Berth peak anonymous RSS while replicating the big image, and while it received the content (MiB)"


class AnonymousPeak:
    """The largest anonymous resident memory (RssAnon) of a process, sampled every 20 ms while
    in use. Peak RSS (VmHWM) also counts the file pages of the binary and of the index's map:
    code a path runs for the first time pages in once and stays counted, though it is clean and
    shared; the heap is what a blob's size could grow."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while self.running:
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            self.peak = max(self.peak, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.02)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.running = False
        self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def mib(self):
        return self.peak / 1024


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Content:
    """What the source holds: the big image and the small signed images, by digest."""

    def __init__(self):
        self.big = None  # (digest, size in bytes)
        self.small = []  # [(tag, subject, signature, signature tag, sbom)]
        self.receive_peak = None  # the source's peak anonymous RSS (MiB) while it received all of it


def fill_source(reg, payload, size, images, clients=16):
    """Pushes the big image (its layer the payload file) and `images` small signed images;
    notes the server's peak anonymous RSS while it received them (its usual peak: a 1 GiB push
    and 16 clients pushing small images)."""
    content = Content()
    layer = "sha256:" + _file_sha256(payload)
    peak = AnonymousPeak(reg.server.process.pid).start()
    reg.push_file_monolithic("big/app", payload, b"", layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = reg.push_blob_bytes("big/app", config)
    manifest = _manifest("application/vnd.oci.image.config.v1+json", config_digest, len(config),
                         [("application/vnd.oci.image.layer.v1.tar", layer, size)])
    reg.put_manifest("big/app", "v1", manifest)
    content.big = (_digest(manifest), size + len(config) + len(manifest))

    def one(number):
        config = json.dumps({"architecture": "amd64", "os": "linux", "number": number}).encode()
        layer = os.urandom(4096)
        c, l = reg.push_blob_bytes("small/app", config), reg.push_blob_bytes("small/app", layer)
        subject = _manifest("application/vnd.oci.image.config.v1+json", c, len(config),
                            [("application/vnd.oci.image.layer.v1.tar", l, len(layer))])
        tag = f"i{number}"
        reg.put_manifest("small/app", tag, subject)
        subject_digest = _digest(subject)
        payload = json.dumps({"critical": {"image": {"docker-manifest-digest": subject_digest},
                                           "type": "cosign container image signature"}}).encode()
        p = reg.push_blob_bytes("small/app", payload)
        empty = reg.push_blob_bytes("small/app", b"{}")
        signature = _manifest("application/vnd.oci.image.config.v1+json", empty, 2,
                              [("application/vnd.dev.cosign.simplesigning.v1+json", p, len(payload))])
        signature_tag = "sha256-" + subject_digest[7:] + ".sig"
        reg.put_manifest("small/app", signature_tag, signature)
        sbom_body = json.dumps({"spdxVersion": "SPDX-2.3", "name": tag}).encode()
        s = reg.push_blob_bytes("small/app", sbom_body)
        sbom = _manifest("application/vnd.oci.empty.v1+json", empty, 2, [("application/spdx+json", s, len(sbom_body))],
                         artifact_type="application/spdx+json",
                         subject={"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject_digest, "size": len(subject)})
        sbom_digest = _digest(sbom)
        reg.put_manifest("small/app", sbom_digest, sbom)
        return tag, subject_digest, _digest(signature), signature_tag, sbom_digest

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        content.small = list(pool.map(one, range(images)))
    peak.stop()
    content.receive_peak = peak.mib
    return content


def _file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def _manifest(config_type, config_digest, config_size, layers, artifact_type=None, subject=None):
    document = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": config_type, "digest": config_digest, "size": config_size},
                "layers": [{"mediaType": t, "digest": d, "size": s} for t, d, s in layers]}
    if artifact_type:
        document["artifactType"] = artifact_type
    if subject:
        document["subject"] = subject
    return json.dumps(document, separators=(",", ":")).encode()


def _berth(binary, *arguments):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"berth {' '.join(arguments)}: {result.stdout}{result.stderr}")
    return result.stdout


def configure(binary, source, destination):
    """The source's endpoint for the destination."""
    _berth(binary, "replication", "endpoint", "set", "destination", "--endpoint-url", f"http://127.0.0.1:{destination.port}",
           "--insecure", "--url", f"http://127.0.0.1:{source.port}")


def berth_run(binary, source, rule, repositories, namespace):
    """Seconds for `berth replication run` of a new rule taking `repositories` to `namespace`."""
    url = f"http://127.0.0.1:{source.port}"
    _berth(binary, "replication", "rule", "set", rule, "--mode", "push", "--endpoint", "destination",
           "--repositories", repositories, "--namespace", namespace, "--url", url)
    start = time.perf_counter()
    out = _berth(binary, "replication", "run", rule, "--url", url, "--json")
    elapsed = time.perf_counter() - start
    execution = json.loads(out)
    if execution["state"] != "succeeded":
        raise RuntimeError(f"replication run {rule}: {out}")
    return elapsed


def _skopeo(source, destination, repository, reference, target):
    result = subprocess.run(["skopeo", "copy", "--quiet", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false",
                             f"docker://127.0.0.1:{source.port}/{repository}{reference}",
                             f"docker://127.0.0.1:{destination.port}/{target}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"skopeo copy {repository}{reference}: {result.stderr}")


def skopeo_big(source, destination, content, namespace):
    start = time.perf_counter()
    _skopeo(source, destination, "big/app", f"@{content.big[0]}", f"{namespace}/big/app:v1")
    return time.perf_counter() - start


def skopeo_small(source, destination, content, namespace):
    """Seconds to copy every small image: subject (tagged), signature (tagged), SBOM (by digest)."""
    target = f"{namespace}/small/app"

    def one(entry):
        tag, subject, signature, signature_tag, sbom = entry
        _skopeo(source, destination, "small/app", f"@{subject}", f"{target}:{tag}")
        _skopeo(source, destination, "small/app", f"@{signature}", f"{target}:{signature_tag}")
        _skopeo(source, destination, "small/app", f"@{sbom}", f"{target}@{sbom}")

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, content.small))
    return time.perf_counter() - start


def measure(bench, run, binary, source, start_destination, content, images):
    """One round: Berth then skopeo (or the other way on odd rounds), each into a destination
    server of its own started by `start_destination(name)` (a fresh one: nothing to skip or to
    mount, for Berth or for skopeo, which remembers where it put blobs); the source server's
    peak RSS over its replication of the big image is recorded too."""
    big_mib = content.big[1] / MiB
    big_metric = f"replicate one {big_mib:,.0f} MiB image (MiB/s)"
    small_metric = f"replicate {images} small signed images, each with a signature and an SBOM (images/s)"

    def berth():
        destination = start_destination(f"berth-{run}")
        configure(binary, source, destination)
        with AnonymousPeak(source.process.pid) as peak:
            seconds = berth_run(binary, source, f"big-{run}", "big/app", f"b{run}")
        bench.record(big_metric, "berth", big_mib / seconds)
        bench.record(PEAK_METRIC, "berth", peak.mib)
        bench.record(PEAK_METRIC, "receiving", content.receive_peak)
        seconds = berth_run(binary, source, f"small-{run}", "small/app", f"b{run}")
        bench.record(small_metric, "berth", images / seconds)
        destination.stop()
        shutil.rmtree(destination.root, ignore_errors=True)

    def skopeo():
        destination = start_destination(f"skopeo-{run}")
        bench.record(big_metric, "skopeo", big_mib / skopeo_big(source, destination, content, f"s{run}"))
        bench.record(small_metric, "skopeo", images / skopeo_small(source, destination, content, f"s{run}"))
        destination.stop()
        shutil.rmtree(destination.root, ignore_errors=True)

    for side in ((berth, skopeo) if run % 2 == 0 else (skopeo, berth)):
        side()
    return big_metric, small_metric


HUGE_METRIC = "peak anonymous RSS of a fresh source receiving, then replicating, one {gib} GiB image (MiB)"


def huge_memory(bench, binary, start_berth_in, gib):
    """The issue's memory test, literally: a fresh source receives one image with a layer of
    `gib` GiB (generated, not stored twice on the client) and replicates it to a fresh
    destination; the source's peak anonymous memory in both, which must be within a few MiB."""
    source, destination = start_berth_in("huge-source"), start_berth_in("huge-destination")
    try:
        import compare  # the comparison's client code (imported here: compare imports this module)
        reg = compare.Registry(source)
        block, count, layer = compare.generated_blob(gib)
        with AnonymousPeak(source.process.pid) as receiving:
            reg.push_monolithic("huge/app", (block for _ in range(count)), count * len(block), layer)
            config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
            config_digest = reg.push_blob_bytes("huge/app", config)
            reg.put_manifest("huge/app", "v1", _manifest("application/vnd.oci.image.config.v1+json", config_digest, len(config),
                                                         [("application/vnd.oci.image.layer.v1.tar", layer, count * len(block))]))
        configure(binary, source, destination)
        with AnonymousPeak(source.process.pid) as sending:
            berth_run(binary, source, "huge", "huge/app", "mirror")
        metric = HUGE_METRIC.format(gib=gib)
        bench.record(metric, "receiving", receiving.mib)
        bench.record(metric, "berth", sending.mib)
    finally:
        for server in (source, destination):
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)

