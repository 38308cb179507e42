import BerthEngine
import BerthModel
import Foundation
import Hummingbird

/// Deletes: an artifact (its accessories go with it), one accessory, one tag. A `GET` of an
/// action shows its confirmation (what goes); the `POST` does it through
/// `RegistryAdministration`, which applies the rules (immutability, which accessory belongs to
/// which artifact) and audits; replication's outbox learns of it in the same transaction.
extension WebInterface {
    func changeRequest(_ name: RepositoryName, _ rest: [String], post: Bool, _ web: inout WebRequest) async throws -> Response {
        guard try web.viewer.may(.delete, on: name) else { throw WebProblem.forbidden }
        let base = WebFormat.repositoryPath(name)
        let administration = registry.administration
        switch (rest.count, rest.first, rest.last) {
        case (3, "artifacts", "delete"):
            let digest = try Digest(parsing: rest[1])
            let artifactHref = base + "/-/artifacts/" + digest.description
            if post {
                _ = try await administration.deleteArtifact(digest, in: name, by: web.viewer.actor)
                return WebResponses.redirect(base + "?done=artifact-deleted")
            }
            _ = try registry.manifestRecord(.digest(digest), in: name)
            let goes = try registry.accessories(of: .digest(digest), in: name).flatMap(Self.describe)
            return confirmation(&web, question: "Delete the artifact \(digest)?", goes: goes, verb: "Delete artifact",
                                action: artifactHref + "/delete", back: artifactHref)
        case (5, "artifacts", "delete") where rest[2] == "accessories":
            let subject = try Digest(parsing: rest[1])
            let accessory = try Digest(parsing: rest[3])
            let artifactHref = base + "/-/artifacts/" + subject.description
            if post {
                _ = try await administration.deleteAccessory(accessory, of: .digest(subject), in: name, by: web.viewer.actor)
                return WebResponses.redirect(artifactHref + "?done=accessory-deleted#accessories")
            }
            let tree = try registry.accessories(of: .digest(subject), in: name)
            guard let node = Self.find(accessory, in: tree) else { throw WebProblem.notFound }
            return confirmation(&web, question: "Delete the \(WebFormat.typeLabel(node.type)) \(node.tags.first?.value ?? accessory.description)?",
                                goes: node.accessories.flatMap(Self.describe), verb: "Delete accessory",
                                action: artifactHref + "/accessories/" + accessory.description + "/delete", back: artifactHref + "#accessories")
        case (3, "tags", "delete"):
            let tag = try Tag(parsing: rest[1])
            if post {
                try await administration.deleteTag(tag, in: name, by: web.viewer.actor)
                return WebResponses.redirect(base + "?done=tag-deleted")
            }
            _ = try registry.manifestRecord(.tag(tag), in: name)
            return confirmation(&web, question: "Delete the tag \(tag.value) of \(name.value)? The artifact stays.", goes: [],
                                verb: "Delete tag", action: base + "/-/tags/" + WebFormat.escapePath(tag.value) + "/delete", back: base)
        default:
            throw WebProblem.notFound
        }
    }

    /// The confirmation page of an action.
    func confirmation(_ web: inout WebRequest, question: String, goes: [String], verb: String, action: String, back: String) -> Response {
        ensureSession(&web)
        return render("confirm", ["question": question, "goes": goes, "verb": verb, "action": action, "back": back], web)
    }

    /// One line per accessory of a tree: what it is and its name.
    static func describe(_ node: AccessoryNode) -> [String] {
        ["\(WebFormat.typeLabel(node.type)) \(node.tags.first?.value ?? node.digest.description)"] + node.accessories.flatMap(describe)
    }

    static func find(_ digest: Digest, in nodes: [AccessoryNode]) -> AccessoryNode? {
        for node in nodes {
            if node.digest == digest { return node }
            if let found = find(digest, in: node.accessories) { return found }
        }
        return nil
    }
}
