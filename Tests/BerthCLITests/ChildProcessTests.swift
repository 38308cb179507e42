import BerthTestSupport
import Foundation
import Testing

/// The tests' own child processes (`ChildProcess`, in place of Foundation's `Process`).
@Suite struct ChildProcessTests {
    @Test func anExitCodeAndBothOutputsAreReported() throws {
        let result = try ChildProcess.run("sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test func standardInputComesFromTheGivenText() throws {
        #expect(try ChildProcess.run("cat", [], input: "hello").stdout == "hello")
    }

    @Test func aChildInheritsNoDescriptorAboveTheStandardThree() throws {
        // Opened without O_CLOEXEC: a child would inherit it unless the spawn closes it.
        let fd = open("/dev/null", O_RDONLY)
        try #require(fd > 3)
        defer { close(fd) }
        // `ls` lists its own descriptors: 0, 1, 2 and 3, the one it reads the directory with.
        let listed = try ChildProcess.run("ls", ["/proc/self/fd"]).stdout.split(separator: "\n").compactMap { Int32($0) }
        #expect(!listed.isEmpty)
        #expect(listed.allSatisfy { $0 <= 3 }, "inherited: \(listed)")
    }

    @Test func aTerminatedChildReportsTheSignal() throws {
        let child = ChildProcess("sleep", ["30"])
        try child.run()
        #expect(child.isRunning)
        child.terminate()
        child.waitUntilExit()
        #expect(!child.isRunning)
        #expect(child.terminationStatus == SIGTERM)
    }
}
