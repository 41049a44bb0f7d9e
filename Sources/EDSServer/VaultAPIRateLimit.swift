import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// Requests per minute the vault API admits per credential and per client address (token buckets: a burst of a
/// minute's worth, refilled evenly). Beyond either, 429 with `Retry-After`.
public struct VaultAPIRateLimits: Sendable {
    public var perCredentialPerMinute: Int
    public var perAddressPerMinute: Int

    public init(perCredentialPerMinute: Int = 1200, perAddressPerMinute: Int = 2400) {
        self.perCredentialPerMinute = perCredentialPerMinute
        self.perAddressPerMinute = perAddressPerMinute
    }
}

/// Token buckets by name, shared by every request of one service.
final class TokenBuckets: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let capacity: Double
    let refillPerSecond: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    /// Beyond this many names, buckets that have refilled completely are forgotten (they hold nothing).
    static let pruneThreshold = 50_000

    init(perMinute: Int) {
        capacity = Double(max(1, perMinute))
        refillPerSecond = Double(max(1, perMinute)) / 60
    }

    /// Takes a token for `name`: nil when admitted, else whole seconds until one is available.
    func take(_ name: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLockedValue { buckets in
            if buckets.count > Self.pruneThreshold {
                let full = capacity / refillPerSecond
                buckets = buckets.filter { (now - $0.value.updated) < .seconds(full) }
            }
            var bucket = buckets[name] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * refillPerSecond)
            bucket.updated = now
            defer { buckets[name] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// A request refused by a rate limit: 429 with `Retry-After`.
struct RateLimited: Error {
    var retryAfter: Int
    var what: String
}

/// The vault API's per-address limit, applied to every route of the group before anything else (the sign-in
/// exchange included: a nonce costs a database write).
struct VaultAPIAddressLimitMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let buckets: TokenBuckets

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = request.headers[ConnectionLimits.peerAddressField] ?? "unknown"
        if let retryAfter = buckets.take("address:\(address)") {
            return VaultAPIRoutes.failure(RateLimited(retryAfter: retryAfter, what: "this address"), context: context)
        }
        return try await next(request, context)
    }
}
