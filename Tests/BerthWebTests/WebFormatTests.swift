@testable import BerthWeb
import Foundation
import Testing

/// How values are written for people.
@Suite struct WebFormatTests {
    @Test func sizesAreDecimalWithOneFigureAfterThePoint() {
        #expect(WebFormat.size(0) == "0 B")
        #expect(WebFormat.size(999) == "999 B")
        #expect(WebFormat.size(1000) == "1.0 kB")
        #expect(WebFormat.size(12_400_000) == "12.4 MB")
        #expect(WebFormat.size(999_960) == "1.0 MB")
        #expect(WebFormat.size(3 * 1_000_000_000_000) == "3.0 TB")
    }

    @Test func timesAreUTCInBothForms() {
        let date = Date(timeIntervalSince1970: 1_796_411_518) // 2026-12-04T19:11:58Z
        #expect(WebFormat.machineTime(date) == "2026-12-04T19:11:58Z")
        #expect(WebFormat.humanTime(date) == "2026-12-04 19:11 UTC")
        #expect(WebFormat.machineTime(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(WebFormat.machineTime(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func escapingChangesOnlyTheFiveCharacters() {
        let escape = WebHTMLContentType()
        #expect(escape.escapeText("sha256:abc/def-1.2") == "sha256:abc/def-1.2")
        #expect(escape.escapeText(#"<a href="x">'&'</a> é"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; é")
    }
}
