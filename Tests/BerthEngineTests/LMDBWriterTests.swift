import Foundation
import Synchronization
import Testing
@testable import BerthEngine

@Suite struct LMDBWriterTests {
    private func environment(_ root: TemporaryRoot) throws -> (LMDBEnvironment, LMDBDatabase) {
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let env = try LMDBEnvironment(directory: root.path, mapSize: 1 << 26, maxDatabases: 4, readOnly: false)
        let txn = try env.begin(parent: nil, readOnly: false)
        let db = try env.openDatabase(named: "test", in: txn, create: true)
        try txn.commit()
        return (env, db)
    }

    @Test func aFailingJobInABatchRollsBackAloneWhileTheOthersCommit() async throws {
        let root = TemporaryRoot()
        let (env, db) = try environment(root)
        let writer = LMDBWriter(environment: env)
        struct Refused: Error {}
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    _ = try? await writer.write { txn in
                        try txn.put(db, Array("key\(i)".utf8), [UInt8(i % 256)])
                        if i % 10 == 0 { throw Refused() }
                    }
                }
            }
        }
        writer.stop()
        let count = try env.read { try $0.count(db) }
        #expect(count == 180)
        #expect(try env.read { try $0.get(db, Array("key10".utf8)) } == nil)
        #expect(try env.read { try $0.get(db, Array("key11".utf8)) } == [11])
    }

    @Test func aTransactionIsReportedBeforeItsCallerResumes() async throws {
        let root = TemporaryRoot()
        let (env, db) = try environment(root)
        let reported = Mutex<[IndexWriteBatch]>([])
        // A slow report: a writer that resumed its callers first would return before it ends.
        let writer = LMDBWriter(environment: env, reporting: LMDBWriter.Reporting(
            inspect: { txn in (try? txn.count(db)).map { IndexFigures(manifests: $0, tags: 0) } },
            report: { batch in
                Thread.sleep(forTimeInterval: 0.2)
                reported.withLock { $0.append(batch) }
            }))
        try await writer.write { txn in try txn.put(db, Array("key".utf8), [1]) }
        let batches = reported.withLock { $0 }
        writer.stop()
        #expect(batches.count == 1)
        #expect(batches.first?.figures?.manifests == 1)
        #expect(batches.first?.failures.isEmpty == true)
    }

    @Test func writesAfterStopFail() async throws {
        let root = TemporaryRoot()
        let (env, db) = try environment(root)
        let writer = LMDBWriter(environment: env)
        writer.stop()
        await #expect(throws: LMDBError.self) { try await writer.write { txn in try txn.put(db, [1], [1]) } }
    }

    @Test func scanStopsAtTheEndOfThePrefix() async throws {
        let root = TemporaryRoot()
        let (env, db) = try environment(root)
        let writer = LMDBWriter(environment: env)
        try await writer.write { txn in
            for key in ["a1", "a2", "b1", "b2", "b3", "c1"] { try txn.put(db, Array(key.utf8), [UInt8]()) }
        }
        writer.stop()
        var keys: [String] = []
        try env.read { txn in
            try txn.scan(db, from: Array("b".utf8), prefix: Array("b".utf8)) { key, _ in
                keys.append(String(decoding: key, as: UTF8.self))
                return true
            }
        }
        #expect(keys == ["b1", "b2", "b3"])
    }
}
