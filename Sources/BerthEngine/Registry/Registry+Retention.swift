import BerthModel
import Foundation

/// Retention runs: which tags the rules keep, and removing the rest.
extension Registry {
    /// What a retention run removed (or, dry, would remove).
    public typealias RetentionReport = BerthEngine.RetentionReport

    /// Applies the retention rules: in each repository a rule covers, the tags the rule matches
    /// are kept when among its `keepLatest` most recently pushed or pushed within
    /// `keepWithinDays`; the others are removed, and a manifest left without a tag goes with its
    /// accessories, unless a kept index names it or it is itself an accessory of a present
    /// subject. Immutable tags and cosign tag-scheme tags are never touched.
    public func runRetention(dryRun: Bool, now: Date? = nil) async throws(RegistryError) -> RetentionReport {
        let began = ContinuousClock.now
        let report = try await retain(dryRun: dryRun, now: now ?? self.now())
        metrics.record(report, duration: ContinuousClock.now - began)
        return report
    }

    private func retain(dryRun: Bool, now: Date) async throws(RegistryError) -> RetentionReport {
        var report = RetentionReport(dryRun: dryRun)
        let policies = self.policies
        guard !policies.retention.isEmpty else { return report }
        for repository in try catalog().items {
            guard let rule = policies.retention.first(where: { $0.repositories.matches(repository.value) }) else { continue }
            let records = try RegistryError.wrapping { try index.tagRecords(in: repository) }
            let plain = records.filter { AccessoryClassifier.tagSchemeSubject($0.tag) == nil }
            let matching = plain.filter { rule.tags.matches($0.tag.value) }.sorted { $0.taggedAt > $1.taggedAt }
            let cutoff = rule.keepWithinDays.map { now.addingTimeInterval(-Double($0) * 86_400) }
            var doomed: [TagRecord] = []
            for (rank, record) in matching.enumerated() {
                let keptByCount = rule.keepLatest.map { rank < $0 } ?? false
                let keptByAge = cutoff.map { record.taggedAt >= $0 } ?? false
                // A rule that names neither limit keeps everything rather than deleting by accident.
                if keptByCount || keptByAge || (rule.keepLatest == nil && rule.keepWithinDays == nil) { continue }
                if policies.immutabilityRule(for: record.tag, in: repository) != nil {
                    report.protected.append("\(repository):\(record.tag)")
                    continue
                }
                doomed.append(record)
            }
            guard !doomed.isEmpty else { continue }
            // One transaction re-checks what the listing said: a tag pushed again or moved
            // since, or pushed onto a doomed manifest, is kept.
            let outcome = try await RegistryError.wrapping {
                try await index.retireTags(doomed, in: repository, dryRun: dryRun, protection: tagProtection(in: repository), outbox: outbox)
            }
            report.tags += outcome.tags.map { "\(repository):\($0)" }
            report.manifests += outcome.manifests.map { "\(repository)@\($0)" }
            report.protected += outcome.protected
        }
        return report
    }
}
