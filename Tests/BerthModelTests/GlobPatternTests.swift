import BerthModel
import Testing

/// Globs of repository and tag rules: `*` within a path component, `**` across them, `?` one character.
@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("app", "app", true), ("app", "apps", false), ("team/*", "team/api", true), ("team/*", "team/a/b", false),
        ("team/**", "team/a/b", true), ("**", "anything/at/all", true), ("v*", "v1.2.3", true), ("v*", "1.0", false),
        ("release-?", "release-1", true), ("release-?", "release-10", false), ("*", "", true), ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false), ("*/prod", "team/prod", true), ("*/prod", "a/b/prod", false),
    ])
    func globsMatchAsDocumented(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected)
    }
}
