import CFuzzerDriver
import Foundation

#if FUZZING
/// One input through the target named by `BERTH_FUZZ_TARGET` (set by `Fuzz/run`). Exported
/// under libFuzzer's name too, for the case where the linker picks libFuzzer's own `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let selected = getenv("BERTH_FUZZ_TARGET") else { return 0 }
    FuzzTargets.run(String(cString: selected), UnsafeBufferPointer(start: data, count: size))
    return 0
}
#endif

/// Without `-DFUZZING`: `BerthFuzz <target> <corpus folder…>` replays every file of the folders
/// through the target and exits 0 when none traps; the saved corpus is a regression suite.
@main
struct BerthFuzz {
    static func main() {
        #if FUZZING
        // libFuzzer takes over: argv holds its options and corpus folders.
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, FuzzTargets.names.contains(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: BerthFuzz <\(FuzzTargets.names.joined(separator: "|"))> [corpus folder …]\n".utf8))
            exit(2)
        }
        var replayed = 0
        for folder in arguments.dropFirst(2) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() {
                guard let data = FileManager.default.contents(atPath: "\(folder)/\(file)") else { continue }
                data.withUnsafeBytes { raw in FuzzTargets.run(arguments[1], raw.bindMemory(to: UInt8.self)) }
                replayed += 1
            }
        }
        print("\(arguments[1]): replayed \(replayed) inputs")
        #endif
    }
}
