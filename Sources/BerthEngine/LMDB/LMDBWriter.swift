import Foundation

/// The one writer of an LMDB environment: a dedicated thread that runs every write transaction.
///
/// Why a thread of its own: LMDB allows one write transaction at a time and ties it to the
/// thread that began it, while Swift tasks hop threads at every `await`. Funnelling writes here
/// keeps a transaction on one thread, never across an `await`, and never blocks the cooperative
/// pool on LMDB's writer lock.
///
/// Group commit: every job queued while a commit is running joins the next transaction. Each job
/// runs in a nested transaction, so one that throws is rolled back alone; the batch then commits
/// once (one fsync) and only then is any caller resumed. Nothing is acknowledged before it is
/// durable (invariant 3).
final class LMDBWriter: @unchecked Sendable {
    // @unchecked: `queue` and `stopped` are only touched under `condition`; `thread` is set once,
    // before the thread starts; `lastReaderCheck` is only touched on the writer thread.
    private struct Job {
        /// Runs the job's body in a nested transaction; returns the error it threw, if any.
        let run: (LMDBTransaction) -> (any Error)?
        let finish: (LMDBError?) -> Void
    }

    /// What the writer tells about each transaction, on its own thread.
    struct Reporting: Sendable {
        /// Read inside the transaction, after its jobs ran and before it commits.
        let inspect: @Sendable (LMDBTransaction) -> IndexFigures?
        /// Called once the transaction has committed (or failed to), before any of its callers
        /// resumes.
        let report: @Sendable (IndexWriteBatch) -> Void
    }

    private let environment: LMDBEnvironment
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopped = false
    private let finishedSemaphore = DispatchSemaphore(value: 0)
    private let maximumBatch: Int
    private let reporting: Reporting?
    /// The writer thread, so that `stop` called on it (the index released by a job it ran)
    /// does not wait for itself.
    private var thread: Thread?
    /// When the writer last cleared the reader slots of dead processes.
    private var lastReaderCheck = ContinuousClock.now

    /// Starts the writer thread for `environment`.
    init(environment: LMDBEnvironment, maximumBatch: Int = 512, reporting: Reporting? = nil) {
        self.environment = environment
        self.maximumBatch = maximumBatch
        self.reporting = reporting
        // Weakly: the writer holds its thread, which keeps its block; the loop itself holds the
        // writer while it runs, and `stop` ends it before the index lets the writer go.
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "berth-lmdb-writer"
        self.thread = thread
        thread.start()
    }

    /// Runs `body` in a write transaction and returns its result once the transaction that
    /// holds it has committed durably. If `body` throws, none of its writes are kept.
    func write<T: Sendable>(_ body: @escaping @Sendable (LMDBTransaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let box = ResultBox<T>()
            let job = Job(
                run: { transaction in
                    let result = Result { try transaction.nested(body) }
                    box.result = result
                    if case .failure(let error) = result { return error }
                    return nil
                },
                finish: { commitError in
                    if let commitError { continuation.resume(throwing: commitError); return }
                    switch box.result {
                    case .success(let value)?: continuation.resume(returning: value)
                    case .failure(let error)?: continuation.resume(throwing: error)
                    case nil: continuation.resume(throwing: LMDBError(code: EIO, operation: "write job not run"))
                    }
                })
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: LMDBError(code: ESHUTDOWN, operation: "writer stopped"))
                return
            }
            queue.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// Finishes the queued jobs, then stops the thread. Later writes fail.
    func stop() {
        condition.lock()
        let alreadyStopped = stopped
        stopped = true
        condition.signal()
        condition.unlock()
        // On the writer thread itself the loop ends after this job's batch; waiting would hang.
        if !alreadyStopped, Thread.current !== thread { finishedSemaphore.wait() }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                condition.unlock()
                finishedSemaphore.signal()
                return
            }
            let batch = Array(queue.prefix(maximumBatch))
            queue.removeFirst(batch.count)
            condition.unlock()
            if ContinuousClock.now - lastReaderCheck > .seconds(60) {
                lastReaderCheck = .now
                environment.clearStaleReaders()
            }
            runBatch(batch)
        }
    }

    private func runBatch(_ batch: [Job]) {
        let transaction: LMDBTransaction
        do {
            transaction = try environment.begin(parent: nil, readOnly: false)
        } catch {
            reporting?.report(IndexWriteBatch(jobs: batch.count, commitDuration: .zero,
                                              failures: Array(repeating: RegistryError(error), count: batch.count), figures: nil))
            for job in batch { job.finish(error) }
            return
        }
        var failures: [RegistryError] = []
        for job in batch {
            if let error = job.run(transaction) { failures.append(RegistryError(error)) }
        }
        let figures = reporting?.inspect(transaction)
        let started = ContinuousClock.now
        do {
            try transaction.commit()
            let committed = ContinuousClock.now - started
            // Reported before any caller resumes: a figure read after an acknowledged write
            // already counts it (a scrape right after a push sees the push).
            reporting?.report(IndexWriteBatch(jobs: batch.count, commitDuration: committed, failures: failures, figures: figures))
            for job in batch { job.finish(nil) }
        } catch {
            let failed = ContinuousClock.now - started
            reporting?.report(IndexWriteBatch(jobs: batch.count, commitDuration: failed,
                                              failures: Array(repeating: RegistryError(error), count: batch.count), figures: nil))
            for job in batch { job.finish(error) }
        }
    }
}

/// Carries a job's result from the writer thread to the continuation that resumes after commit.
private final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written by the writer thread before `finish` runs on the same thread.
    var result: Result<T, any Error>?
}
