import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct ListingTests {
    /// Pushes one manifest and tags it with every name in `tags`.
    private func tagged(_ registry: FileRegistry, _ repository: RepositoryName, _ tags: [String]) async throws {
        let image = try await makeImage(registry, repository, seed: 50)
        for name in tags {
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repository, reference: .tag(tag(name)))
        }
    }

    @Test func tagsAreListedInCaseInsensitiveLexicalOrder() async throws {
        try await withRegistry { registry, _ in
            try await tagged(registry, repo("app"), ["b", "A", "a", "B2", "_x", "a.1", "a-1", "10", "9"])
            let names = try registry.tags(in: repo("app")).items.map(\.value)
            // Compared lowercased; ties (a/A) by the original bytes, so uppercase first.
            #expect(names == ["10", "9", "_x", "A", "a", "a-1", "a.1", "b", "B2"])
        }
    }

    @Test func tagsPageWithNAndLastInTheSameOrder() async throws {
        try await withRegistry { registry, _ in
            let all = (0..<25).map { String(format: "v%02d", $0) } + ["Alpha", "beta"]
            try await tagged(registry, repo("app"), all)
            var seen: [String] = []
            var last: String?
            while true {
                let page = try registry.tags(in: repo("app"), after: last, limit: 10)
                seen += page.items.map(\.value)
                last = page.items.last?.value
                if !page.hasMore { break }
            }
            let whole = try registry.tags(in: repo("app")).items.map(\.value)
            #expect(seen == whole)
            #expect(seen.count == 27)
            #expect(Array(seen.prefix(2)) == ["Alpha", "beta"])
        }
    }

    @Test func lastThatIsNotATagStillPositionsTheListing() async throws {
        try await withRegistry { registry, _ in
            try await tagged(registry, repo("app"), ["a", "c", "e"])
            #expect(try registry.tags(in: repo("app"), after: "b").items.map(\.value) == ["c", "e"])
        }
    }

    @Test func zeroLimitGivesAnEmptyList() async throws {
        try await withRegistry { registry, _ in
            try await tagged(registry, repo("app"), ["a"])
            #expect(try registry.tags(in: repo("app"), limit: 0).items.isEmpty)
            #expect(try registry.catalog(limit: 0).items.isEmpty)
        }
    }

    @Test func tagsOfAnUnknownRepositoryIsRepositoryUnknown() async throws {
        try await withRegistry { registry, _ in
            await expectError(.repositoryUnknown(repo("nope"))) { try registry.tags(in: repo("nope")) }
        }
    }

    @Test func catalogListsRepositoriesInOrderAndPages() async throws {
        try await withRegistry { registry, _ in
            let names = ["zeta", "alpha/one", "alpha", "mid/deep/name", "beta"]
            for name in names { _ = try await pushBlob(registry, repo(name), Array(name.utf8)) }
            #expect(try registry.catalog().items.map(\.value) == names.sorted())
            let first = try registry.catalog(limit: 2)
            #expect(first.items.map(\.value) == ["alpha", "alpha/one"])
            #expect(first.hasMore)
            let rest = try registry.catalog(after: "alpha/one", limit: 10)
            #expect(rest.items.map(\.value) == ["beta", "mid/deep/name", "zeta"])
            #expect(!rest.hasMore)
        }
    }
}
