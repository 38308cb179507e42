import BerthModel
import Foundation
import Testing

/// Realistic manifests of every kind, as clients push them, and the digests they name.
enum Fixtures {
    static let configDigest = "sha256:b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910"
    static let layer1Digest = "sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2"
    static let layer2Digest = "sha256:95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06"
    static let amd64Digest = "sha256:0d0dfe63d9cfc9e68fc8baa97536dbadbb1b59772f5a4290956a5c3732bb0f6b"
    static let arm64Digest = "sha256:aba5a4afedb66a52830f9a30d68575d06433a77d3df656b717e86fa1a364c5f9"
    static let subjectDigest = "sha256:a9491f4c1bf7b0cffbadcba2db8f028e4b3f2867cb59e1f3a0bc1968f3c51242"
    static let signatureDigest = "sha256:a543997d84f12798350c09bdef2cdb171bf41ed3e4a5f808af2feb0c56263009"
    static let foreignDigest = "sha256:656771905e1ef731f65cd0a0d9fb061238380a1a012e6abdf846ecc7d2ea36fd"
    /// The digest of `{}`, the OCI empty descriptor's content.
    static let emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    /// An OCI image manifest: config, two layers, annotations.
    static let ociImage = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "\(configDigest)",
        "size": 1470
      },
      "layers": [
        {
          "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
          "digest": "\(layer1Digest)",
          "size": 2811478
        },
        {
          "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
          "digest": "\(layer2Digest)",
          "size": 12,
          "annotations": { "org.opencontainers.image.title": "app.tar" }
        }
      ],
      "annotations": {
        "org.opencontainers.image.created": "2026-11-25T00:00:00Z",
        "org.opencontainers.image.source": "https://example.com/team/app"
      }
    }
    """

    /// An OCI image index of two platform images.
    static let ociIndex = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.index.v1+json",
      "manifests": [
        {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "\(amd64Digest)",
          "size": 7143,
          "platform": { "architecture": "amd64", "os": "linux" }
        },
        {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "\(arm64Digest)",
          "size": 7682,
          "platform": { "architecture": "arm64", "os": "linux", "variant": "v8", "os.version": "6.1", "os.features": ["sse4"] }
        }
      ],
      "annotations": { "org.opencontainers.image.ref.name": "1.0" }
    }
    """

    /// A Docker image manifest, schema 2.
    static let dockerManifest = """
    {
       "schemaVersion": 2,
       "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
       "config": {
          "mediaType": "application/vnd.docker.container.image.v1+json",
          "size": 7023,
          "digest": "\(configDigest)"
       },
       "layers": [
          {
             "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "size": 32654,
             "digest": "\(layer1Digest)"
          },
          {
             "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "size": 16724,
             "digest": "\(layer2Digest)"
          }
       ]
    }
    """

    /// A Docker manifest list of two platform images.
    static let dockerList = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
      "manifests": [
        {
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "size": 7143,
          "digest": "\(amd64Digest)",
          "platform": { "architecture": "ppc64le", "os": "linux" }
        },
        {
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "size": 7682,
          "digest": "\(arm64Digest)",
          "platform": { "architecture": "amd64", "os": "windows", "os.version": "10.0.14393.1066", "features": ["sse4"] }
        }
      ]
    }
    """

    /// A signature as cosign and notation push it with OCI 1.1: `artifactType`, the empty
    /// config (embedded as `data`) and a `subject`.
    static let signatureArtifact = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
      "config": {
        "mediaType": "application/vnd.oci.empty.v1+json",
        "digest": "\(emptyDigest)",
        "size": 2,
        "data": "e30="
      },
      "layers": [
        {
          "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
          "digest": "\(signatureDigest)",
          "size": 4000
        }
      ],
      "subject": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "\(subjectDigest)",
        "size": 1000
      },
      "annotations": { "org.opencontainers.image.created": "2026-11-25T00:00:00Z" }
    }
    """

    /// A Windows image with a foreign base layer (fetched from its URL, never pushed).
    static let foreignLayerManifest = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "\(configDigest)" },
      "layers": [
        {
          "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
          "size": 5,
          "digest": "\(foreignDigest)",
          "urls": ["https://mcr.microsoft.com/v2/windows/servercore/blobs/\(foreignDigest)"]
        },
        { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 5, "digest": "\(layer1Digest)" }
      ]
    }
    """

    /// Every fixture above.
    static let all = [ociImage, ociIndex, dockerManifest, dockerList, signatureArtifact, foreignLayerManifest]

    /// `text` with the first occurrence of `original` replaced; an issue is recorded if there is
    /// none, so that editing a fixture cannot silently make a test vacuous.
    static func replacing(_ original: String, with replacement: String, in text: String,
                          sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard let range = text.range(of: original) else {
            Issue.record("the fixture does not contain \(original)", sourceLocation: sourceLocation)
            return text
        }
        return text.replacingCharacters(in: range, with: replacement)
    }

    /// Parses `text` as pushed with `contentType`.
    static func parse(_ text: String, contentType: String? = nil) throws(ValidationError) -> Manifest {
        try Manifest(parsing: Array(text.utf8), contentType: contentType)
    }
}

/// xorshift64*: a tiny deterministic generator, so any failure of the robustness loops reproduces.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// A number in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A random byte.
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}
