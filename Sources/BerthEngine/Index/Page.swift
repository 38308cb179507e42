/// A page of results and whether more follow.
public struct Page<Element: Sendable>: Sendable {
    /// The results, in the listing's order.
    public let items: [Element]
    /// True when at least one more item follows the last one returned.
    public let hasMore: Bool

    /// A page.
    public init(items: [Element], hasMore: Bool) {
        self.items = items
        self.hasMore = hasMore
    }
}

extension Page: Equatable where Element: Equatable {}

