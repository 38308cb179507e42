/// Lets one caller at a time through a piece of work that suspends (an index write between a
/// read and the store of what was read): what a `Mutex` cannot hold across an `await`. Callers
/// pass in arrival order.
actor SerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Waits for the gate, then holds it.
    func enter() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    /// Hands the gate to the next caller waiting, or opens it.
    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
