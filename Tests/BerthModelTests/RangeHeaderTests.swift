import BerthModel
import Testing

/// `Range` headers of blob downloads and `Content-Range` headers of chunked uploads.
@Suite struct RangeHeaderTests {
    @Test(arguments: [
        ("bytes=0-99", 1000, ByteRange(start: 0, end: 99)), ("bytes=900-", 1000, ByteRange(start: 900, end: 999)),
        ("bytes=-10", 1000, ByteRange(start: 990, end: 999)), ("bytes=500-5000", 1000, ByteRange(start: 500, end: 999)),
        ("bytes=-5000", 1000, ByteRange(start: 0, end: 999)),
    ] as [(String, Int64, ByteRange)])
    func rangesResolveAgainstTheSize(header: String, size: Int64, expected: ByteRange) throws {
        #expect(try ByteRange.parse(header, size: size) == expected)
    }

    @Test(arguments: ["items=0-1", "bytes=a-b", "bytes=5-1", "bytes=0-1,3-4", "bytes=", "bytes=-0", "bytes=-"])
    func malformedOrMultipleRangesMeanTheWholeBlob(header: String) throws {
        #expect(try ByteRange.parse(header, size: 1000) == nil)
    }

    @Test func aRangePastTheEndIsUnsatisfiable() {
        #expect(throws: ByteRange.Unsatisfiable.self) { try ByteRange.parse("bytes=1000-", size: 1000) }
        #expect(throws: ByteRange.Unsatisfiable.self) { try ByteRange.parse("bytes=-1", size: 0) }
    }

    @Test(arguments: [("0-99", 0, 99), ("bytes 100-199/1000", 100, 199), ("5-4", 5, 4)] as [(String, Int64, Int64)])
    func contentRangesParse(header: String, start: Int64, end: Int64) throws {
        let range = try #require(ContentRange(parsing: header))
        #expect(range.start == start && range.end == end)
    }

    @Test(arguments: ["", "0-", "-5", "a-b", "10-5", "0-1-2", "bytes=0-1"])
    func malformedContentRangesAreRefused(header: String) {
        #expect(ContentRange(parsing: header) == nil)
    }
}
