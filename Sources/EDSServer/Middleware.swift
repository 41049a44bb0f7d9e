import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// One structured line per request. It logs the route pattern (`/proofs/{token}`), never the path: a proof
/// token in a log would open the proof to whoever reads the log. No query strings, no file names, no identities.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context: context, status: response.status.code, started: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context: context, status: status, started: started)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        context.logger.log(
            level: status >= 500 ? .error : .info, "request",
            metadata: [
                "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                "ms": "\(VerificationService.milliseconds(since: started))",
            ])
    }
}

/// Headers every page needs: no sniffing, no framing, no Referer (a proof URL holds its token), and a CSP that
/// allows only the inline stylesheet and inline SVG the pages use.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var referrerPolicy: HTTPFields.Element.Name { HTTPFields.Element.Name("Referrer-Policy")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Errors (404, 413, 503, an unmatched route) become their JSON response here, so they carry the same
            // headers as every other answer instead of Hummingbird's bare one.
            response = try error.response(from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "no-referrer"
        // A page that needs more (the signing page's own script) sets its own, as strict otherwise.
        if response.headers[.contentType]?.hasPrefix("text/html") == true, response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] =
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        }
        return response
    }
}

/// Who may hold a connection, and for how long a request may take to arrive (issue 23, item 9: five connections
/// trickling a byte every 25 s were held past 100 s, and nothing bounded how many one address opened).
///
/// Shared by every connection of one server. A connection beyond `maxPerAddress` from the same address is closed as
/// soon as it opens. A request must send its whole head within `headerTimeout` of the connection opening (or of the
/// previous response, on a kept-alive connection), and its whole body within `requestTimeout` of that moment; past
/// either the connection is closed. The idle timeout alone (60 s without a byte) let a trickle live forever.
public final class ConnectionLimits: Sendable {
    public let maxPerAddress: Int
    public let headerTimeout: TimeAmount
    public let requestTimeout: TimeAmount
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    private let refused = NIOLockedValueBox(0)
    private let expired = NIOLockedValueBox(0)

    public init(maxPerAddress: Int, headerTimeout: TimeAmount, requestTimeout: TimeAmount) {
        self.maxPerAddress = maxPerAddress
        self.headerTimeout = headerTimeout
        self.requestTimeout = requestTimeout
    }

    /// Connections open now, over every address.
    public var openConnections: Int { counts.withLockedValue { $0.values.reduce(0, +) } }
    /// Connections closed at once because their address held `maxPerAddress` already.
    public var refusedConnections: Int { refused.withLockedValue { $0 } }
    /// Connections closed because a request did not arrive in time.
    public var expiredRequests: Int { expired.withLockedValue { $0 } }

    func admit(_ address: String) -> Bool {
        let admitted = counts.withLockedValue { counts in
            let open = counts[address, default: 0]
            guard open < maxPerAddress else { return false }
            counts[address] = open + 1
            return true
        }
        if !admitted { refused.withLockedValue { $0 += 1 } }
        return admitted
    }

    func release(_ address: String) {
        counts.withLockedValue { counts in
            let open = counts[address, default: 0]
            counts[address] = open > 1 ? open - 1 : nil
        }
    }

    func noteExpired() { expired.withLockedValue { $0 += 1 } }

    /// The request header the guard sets to the connection's peer address.
    static let peerAddressField = HTTPFields.Element.Name("X-EDSVault-Peer-Address")!

    /// The handler for one connection (added after Hummingbird's HTTP/1 codec).
    func handler() -> ConnectionGuardHandler { ConnectionGuardHandler(limits: self) }
}

/// One connection's share of `ConnectionLimits`: its admission, and the deadlines of the request it is receiving.
///
/// The head deadline runs while the connection waits for a request's head (from its start, or once every request
/// received has been answered); the request deadline runs from the same moment (or from the head of a request sent
/// while an earlier one is still being answered) until that request's end. Neither runs while requests are only being
/// answered: validation has its own limits.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    /// The address counted for this connection, until it is released.
    private var address: String?
    private var decided = false
    private var headDeadline: Scheduled<Void>?
    private var requestDeadline: Scheduled<Void>?
    /// A request's head arrived and its end has not.
    private var receiving = false
    private var received = 0
    private var answered = 0

    init(limits: ConnectionLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            receiving = true
            headDeadline?.cancel()
            headDeadline = nil
            if requestDeadline == nil { requestDeadline = schedule(context, in: limits.requestTimeout) }
            // The peer's address, for the vault API's per-address rate limit (routes do not see the channel). A value
            // the client sent under this name is replaced, never trusted.
            head.headerFields[ConnectionLimits.peerAddressField] = address ?? "unknown"
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        case .body:
            break
        case .end:
            receiving = false
            received += 1
            requestDeadline?.cancel()
            requestDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answered += 1
            // Every request answered: the connection waits for the next one under both deadlines. An answer given
            // before its request ended (413) leaves that request's deadline running.
            if answered >= received && !receiving { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        let key = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limits.admit(key) else {
            context.close(promise: nil)
            return
        }
        address = key
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        headDeadline?.cancel()
        requestDeadline?.cancel()
        headDeadline = schedule(context, in: limits.headerTimeout)
        requestDeadline = schedule(context, in: limits.requestTimeout)
    }

    private func schedule(_ context: ChannelHandlerContext, in delay: TimeAmount) -> Scheduled<Void> {
        let limits = self.limits
        let channel = context.channel
        return context.eventLoop.scheduleTask(in: delay) {
            limits.noteExpired()
            channel.close(promise: nil)
        }
    }

    private func finish() {
        headDeadline?.cancel()
        requestDeadline?.cancel()
        headDeadline = nil
        requestDeadline = nil
        if let address { limits.release(address) }
        address = nil
    }
}
