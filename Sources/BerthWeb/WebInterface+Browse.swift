import BerthEngine
import BerthModel
import Foundation
import Hummingbird

/// The reading pages: projects, a project's repositories and rules, a repository's artifacts,
/// an artifact with its Accessories table.
extension WebInterface {
    func projectsPage(_ web: WebRequest) throws -> Response {
        let listings = try registry.projectListings(visibleTo: web.viewer.principal)
        let rows: [[String: Any]] = listings.map { listing in
            [
                "name": listing.name, "href": "/projects/" + WebFormat.escapePath(listing.name),
                "access": listing.project.map { $0.isPublic ? "public" : "private" } ?? "no project record (administrators only)",
                "role": listing.role?.rawValue ?? (web.viewer.principal?.isAdmin == true ? "system admin" : "—"),
                "repositories": listing.repositories, "size": WebFormat.size(listing.linkedBytes),
            ]
        }
        return render("projects", ["projects": rows], web)
    }

    func projectPage(_ name: String, _ web: WebRequest) throws -> Response {
        guard try web.viewer.maySee(project: name) else {
            if requiresAccounts, !web.viewer.isSignedIn { return signInFirst(web) }
            throw WebProblem.notFound
        }
        let record = try registry.access.project(name)
        let filter = web.query["q"].map { String($0.prefix(128)) } ?? ""
        let page = try registry.projectRepositories(name, filter: filter, after: web.query["after"], limit: Self.pageSize)
        guard record != nil || !page.items.isEmpty || web.query["after"] != nil || !filter.isEmpty else { throw WebProblem.notFound }
        let href = "/projects/" + WebFormat.escapePath(name)
        let repositories: [[String: Any]] = page.items.map { item in
            var row: [String: Any] = ["name": item.name.value, "href": WebFormat.repositoryPath(item.name),
                                      "artifacts": item.figures.manifests - item.figures.accessories,
                                      "accessories": item.figures.accessories, "size": WebFormat.size(item.figures.linkedBytes)]
            if let last = item.figures.lastPush { row["lastPush"] = WebFormat.time(last) }
            return row
        }
        var values: [String: Any] = [
            "name": name, "href": href, "filter": filter, "repositories": repositories,
            "access": record.map { $0.isPublic ? "Public project" : "Private project" } ?? "No project record: administrators only",
            "rules": rules(for: name, repositories: page.items.map(\.name)),
        ]
        if let user = web.viewer.principal?.name, let role = try registry.access.role(of: user, in: name) { values["role"] = role.rawValue }
        if page.hasMore, let last = page.items.last {
            values["next"] = href + "?after=" + WebFormat.escapePath(last.name.value) + (filter.isEmpty ? "" : "&q=" + WebFormat.escapePath(filter))
        }
        return render("project", values, web)
    }

    /// The registry-wide rules whose repository pattern matches the project: tried on its
    /// repositories shown and on a name inside it.
    private func rules(for project: String, repositories: [RepositoryName]) -> [[String: Any]] {
        let policies = registry.policies
        let probes = repositories.map(\.value) + [project == Project.library ? "x" : "\(project)/x"]
        func applies(_ pattern: GlobPattern) -> Bool { probes.contains { pattern.matches($0) } }
        var rows: [[String: Any]] = []
        for rule in policies.immutability where applies(rule.repositories) {
            rows.append(["kind": "Immutability", "pattern": rule.repositories.description, "effect": "tags matching \(rule.tags) cannot move or be deleted"])
        }
        for rule in policies.signedOnly where applies(rule.repositories) {
            rows.append(["kind": "Signed-only pulls", "pattern": rule.repositories.description,
                         "effect": rule.level == .verified ? "pulls need a signature verified against a trusted key" : "pulls need a signature"])
        }
        for rule in policies.retention where applies(rule.repositories) {
            let keep = [rule.keepLatest.map { "the newest \($0)" }, rule.keepWithinDays.map { "those pushed within \($0) days" }].compactMap { $0 }
            rows.append(["kind": "Retention", "pattern": rule.repositories.description,
                         "effect": "of tags matching \(rule.tags), keeps \(keep.isEmpty ? "all" : keep.joined(separator: " and "))"])
        }
        return rows
    }

    /// `/repositories/<name…>[/-/…]`: a repository's pages and actions.
    func repositoryRequest(_ parts: [String], post: Bool, _ web: inout WebRequest) async throws -> Response {
        let separator = parts.firstIndex(of: "-") ?? parts.endIndex
        guard separator > 0 else { throw WebProblem.notFound }
        let name = try RepositoryName(parsing: parts[..<separator].joined(separator: "/"))
        guard try web.viewer.may(.pull, on: name) else {
            if requiresAccounts, !web.viewer.isSignedIn, !post { return signInFirst(web) }
            throw WebProblem.notFound
        }
        let rest = Array(parts[min(separator + 1, parts.endIndex)...])
        switch (post, rest.count, rest.first) {
        case (false, 0, _): return try await artifactsPage(name, &web)
        case (false, 2, "artifacts"): return try await artifactPage(name, try Digest(parsing: rest[1]), &web)
        case (false, 3, "artifacts") where rest[2] == "accessories":
            return try accessoriesFragment(name, try Digest(parsing: rest[1]), &web)
        default: return try await changeRequest(name, rest, post: post, &web)
        }
    }

    private func artifactsPage(_ name: RepositoryName, _ web: inout WebRequest) async throws -> Response {
        let filter = web.query["tag"].map { String($0.prefix(128)) } ?? ""
        let page = try await registry.artifactPage(in: name, tagPrefix: filter, after: web.query["after"], limit: Self.pageSize)
        let mayDelete = try web.viewer.may(.delete, on: name)
        if mayDelete { ensureSession(&web) }
        let base = WebFormat.repositoryPath(name)
        let rows = page.artifacts.map { artifactValues($0, base: base, mayDelete: mayDelete) }
        var values: [String: Any] = [
            "name": name.value, "href": base, "filter": filter, "artifacts": rows,
            "project": Project.name(of: name), "projectHref": "/projects/" + WebFormat.escapePath(Project.name(of: name)),
            "pull": "docker pull \(pullRegistry(web))/\(name.value)" + (page.artifacts.first?.tags.first.map { ":\($0.value)" } ?? ""),
        ]
        if let next = page.next {
            values["next"] = base + "?after=" + WebFormat.escapePath(next) + (filter.isEmpty ? "" : "&tag=" + WebFormat.escapePath(filter))
        }
        if web.query["after"] != nil { values["first"] = base + (filter.isEmpty ? "" : "?tag=" + WebFormat.escapePath(filter)) }
        return render("repository", values, web)
    }

    /// What the templates show of an artifact.
    func artifactValues(_ artifact: ArtifactListing, base: String, mayDelete: Bool) -> [String: Any] {
        let digest = artifact.record.digest
        let href = base + "/-/artifacts/" + digest.description
        let signature = Self.signatureMark(signed: artifact.isSigned, verified: artifact.isVerified == true)
        var values: [String: Any] = [
            "digest": digest.description, "short": WebFormat.shortDigest(digest), "href": href,
            "size": WebFormat.size(artifact.record.size), "pushedISO": WebFormat.machineTime(artifact.record.pushedAt),
            "pushedText": WebFormat.humanTime(artifact.record.pushedAt), "signed": artifact.isSigned,
            "verified": artifact.isVerified == true, "accessories": artifact.accessoryCount,
            "signatureClass": signature.class, "signatureTitle": signature.title, "signatureMark": signature.mark,
            "mediaType": artifact.record.mediaType.rawValue, "isIndex": !artifact.children.isEmpty, "mayDelete": mayDelete,
            "tags": artifact.tags.map { tag -> [String: Any] in
                var row: [String: Any] = ["name": tag.value, "mayDelete": mayDelete]
                if mayDelete {
                    row["deleteAction"] = base + "/-/tags/" + WebFormat.escapePath(tag.value) + "/delete"
                }
                return row
            },
            "platforms": artifact.children.map { child -> [String: Any] in
                let mark = Self.signatureMark(signed: child.isSigned, verified: false)
                return ["name": WebFormat.platform(child.platform), "short": WebFormat.shortDigest(child.digest),
                        "href": base + "/-/artifacts/" + child.digest.description, "size": WebFormat.size(child.size),
                        "signatureClass": mark.class, "signatureTitle": mark.title, "signatureMark": mark.mark]
            },
        ]
        switch artifact.kind {
        case .image: values["kind"] = "image"
        case .index: values["kind"] = "multi-arch index"
        case .other(let type):
            values["kind"] = "artifact" + (type.map { " (\($0.rawValue))" } ?? "")
            if let type { values["artifactType"] = type.rawValue }
        }
        if mayDelete {
            // Sections test booleans (`mayDelete`): a string section would become the lookup
            // context of every name inside it, which the renderer reflects on, slowly.
            values["deleteAction"] = href + "/delete"
            values["deleteConfirm"] = "Delete the artifact \(WebFormat.shortDigest(digest))"
                + (artifact.tags.isEmpty ? "" : " (tags \(artifact.tags.map(\.value).joined(separator: ", ")))")
                + (artifact.accessoryCount == 0 ? "?" : " and its \(artifact.accessoryCount) accessories?")
        }
        return values
    }

    /// The ✓ / ✗ of an artifact: verified against a trusted key, signed, or not signed.
    static func signatureMark(signed: Bool, verified: Bool) -> (class: String, title: String, mark: String) {
        if verified { return ("verified", "signature verified against a trusted key", "✓✓ verified") }
        return signed ? ("signed", "signed", "✓") : ("unsigned", "not signed", "✗")
    }

    private func artifactPage(_ name: RepositoryName, _ digest: Digest, _ web: inout WebRequest) async throws -> Response {
        let artifact = try await registry.artifactListing(.digest(digest), in: name)
        let mayDelete = try web.viewer.may(.delete, on: name)
        if mayDelete { ensureSession(&web) }
        let base = WebFormat.repositoryPath(name)
        var values = artifactValues(artifact, base: base, mayDelete: mayDelete)
        let table = try accessoryValues(name, digest, after: web.query["after"], mayDelete: mayDelete)
        for (key, value) in table { values[key] = value }
        if mayDelete, let rows = table["rows"] as? [[String: Any]], !rows.isEmpty {
            let names = rows.compactMap { $0["name"] as? String }
            values["deleteConfirm"] = "Delete the artifact \(WebFormat.shortDigest(digest))? Its accessories go with it: \(names.joined(separator: ", "))"
                + (table["next"] != nil ? " and more." : ".")
        }
        values["name"] = name.value
        values["repositoryHref"] = base
        values["project"] = Project.name(of: name)
        values["projectHref"] = "/projects/" + WebFormat.escapePath(Project.name(of: name))
        values["pull"] = "docker pull \(pullRegistry(web))/\(name.value)@\(digest)"
        // Annotations are whatever the pusher wrote: shown as text (the renderer escapes them).
        let document = try registry.manifest(.digest(digest), in: name).bytes
        if let manifest = try? Manifest(parsing: document, contentType: nil) {
            values["annotations"] = manifest.annotations.sorted { $0.key < $1.key }.prefix(100).map { ["key": $0.key, "value": $0.value] }
        }
        return render("artifact", values, web)
    }

    /// The Accessories table alone (what the `>` of an artifact opens in place).
    private func accessoriesFragment(_ name: RepositoryName, _ digest: Digest, _ web: inout WebRequest) throws -> Response {
        let mayDelete = try web.viewer.may(.delete, on: name)
        if mayDelete { ensureSession(&web) }
        var values = try accessoryValues(name, digest, after: web.query["after"], mayDelete: mayDelete)
        values["csrf"] = web.csrfToken
        return WebResponses.html(library.render(values, withTemplate: "accessories") ?? "")
    }

    /// The rows of a page of an artifact's Accessories table, nested ones below their subject.
    private func accessoryValues(_ name: RepositoryName, _ subject: Digest, after: String?, mayDelete: Bool) throws -> [String: Any] {
        let position = try after.map { try Digest(parsing: $0) }
        let page = try registry.accessoryPage(of: .digest(subject), in: name, after: position, limit: Self.accessoryPageSize,
                                              nestedLimit: Self.accessoryPageSize)
        let base = WebFormat.repositoryPath(name) + "/-/artifacts/" + subject.description
        var rows: [[String: Any]] = []
        var truncated = false
        func add(_ row: AccessoryRow, depth: Int) {
            let node = row.node
            let label = node.tags.first?.value ?? WebFormat.shortDigest(node.digest)
            var values: [String: Any] = [
                "digest": node.digest.description, "name": label, "depth": depth, "nested": depth > 0,
                "type": WebFormat.typeLabel(node.type) + (row.format.map { " (\($0))" } ?? ""),
                "size": WebFormat.size(node.size), "createdISO": WebFormat.machineTime(node.createdAt),
                "createdText": WebFormat.humanTime(node.createdAt), "mayDelete": mayDelete,
            ]
            if mayDelete {
                values["deleteAction"] = base + "/accessories/" + node.digest.description + "/delete"
                let nested = row.nested.isEmpty ? "" : " Its own accessories go with it."
                values["deleteConfirm"] = "Delete the \(WebFormat.typeLabel(node.type)) \(label)?\(nested)"
            }
            rows.append(values)
            if row.moreNested { truncated = true }
            for child in row.nested { add(child, depth: min(depth + 1, 3)) }
        }
        for row in page.rows { add(row, depth: 0) }
        var values: [String: Any] = ["rows": rows, "subjectSigned": page.subjectSigned]
        if let next = page.next { values["next"] = base + "?after=" + next.description + "#accessories" }
        if truncated { values["more"] = "Some accessories have more nested accessories than shown here." }
        return values
    }
}
