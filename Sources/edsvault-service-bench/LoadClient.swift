import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// What all clients of one run share: how many requests are left to start, and what came back.
final class LoadState: Sendable {
    private struct Counts {
        var toStart: Int
        var latenciesNanoseconds: [UInt64] = []
        var failures = 0
        var firstFailure: String?
    }

    private let counts: NIOLockedValueBox<Counts>

    init(total: Int) {
        var counts = Counts(toStart: total)
        counts.latenciesNanoseconds.reserveCapacity(total)
        self.counts = NIOLockedValueBox(counts)
    }

    /// Claims the next request; false when all have been started.
    func claim() -> Bool {
        counts.withLockedValue { counts in
            guard counts.toStart > 0 else { return false }
            counts.toStart -= 1
            return true
        }
    }

    func record(latency: UInt64, ok: Bool, failure: @autoclosure () -> String) {
        counts.withLockedValue { counts in
            counts.latenciesNanoseconds.append(latency)
            if !ok {
                counts.failures += 1
                if counts.firstFailure == nil { counts.firstFailure = failure() }
            }
        }
    }

    var latencies: [UInt64] { counts.withLockedValue { $0.latenciesNanoseconds } }
    var failures: (count: Int, first: String?) { counts.withLockedValue { ($0.failures, $0.firstFailure) } }
}

/// One keep-alive HTTP/1.1 connection that sends the same precomputed request again as soon as the previous answer
/// is complete (closed loop, like wrk). It parses only the status line and Content-Length, so the load generator
/// takes as little of the shared CPU as possible.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let expect: [UInt8]
    private let state: LoadState
    private let done: EventLoopPromise<Void>
    private var received = ByteBuffer()
    private var sentAt: UInt64 = 0

    init(request: ByteBuffer, expect: String, state: LoadState, done: EventLoopPromise<Void>) {
        self.request = request
        self.expect = Array(expect.utf8)
        self.state = state
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        guard let response = completeResponse() else { return }
        let latency = DispatchTime.now().uptimeNanoseconds - sentAt
        let ok = response.status == 200 && response.body.contains(expect)
        state.record(latency: latency, ok: ok, failure: "HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        sendNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(())  // no-op when already completed
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard state.claim() else {
            done.succeed(())
            context.close(promise: nil)
            return
        }
        sentAt = DispatchTime.now().uptimeNanoseconds
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    /// The status and body once `received` holds a whole Content-Length response; the bytes are consumed.
    /// Byte scanning, no Strings: the load generator shares the two cores with the service it measures.
    private func completeResponse() -> (status: Int, body: [UInt8])? {
        let view = received.readableBytesView
        guard let headerEnd = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = view[view.startIndex..<headerEnd.lowerBound]
        // "HTTP/1.1 200 OK": the status is the three digits after the first space.
        var status = 0
        if let space = head.firstIndex(of: 32), head.distance(from: space, to: head.endIndex) > 3 {
            for byte in head[(space + 1)..<(space + 4)] { status = status * 10 + Int(byte &- 48) }
        }
        var length = 0
        let name = Array("content-length:".utf8)
        var lineStart = head.startIndex
        while lineStart < head.endIndex {
            let lineEnd = head[lineStart...].firstIndex(of: 13) ?? head.endIndex
            let line = head[lineStart..<lineEnd]
            if line.count > name.count, zip(line, name).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) {
                for byte in line.dropFirst(name.count) where byte >= 48 && byte <= 57 { length = length * 10 + Int(byte - 48) }
                break
            }
            lineStart = lineEnd + 2
        }
        let bodyStart = headerEnd.upperBound - view.startIndex
        guard received.readableBytes >= bodyStart + length else { return nil }
        received.moveReaderIndex(forwardBy: bodyStart)
        let body = received.readBytes(length: length) ?? []
        received.discardReadBytes()
        return (status, body)
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return needle.isEmpty }
        return self.firstRange(of: needle) != nil
    }
}

enum LoadGenerator {
    struct Result {
        let requests: Int
        let seconds: Double
        let latenciesNanoseconds: [UInt64]
        let failures: Int
        let firstFailure: String?
        /// CPU seconds the load generator's own thread used: taken out of the service's CPU per request, since a
        /// separate client (wrk) would not be charged to the service.
        var clientCPUSeconds: Double = 0

        var requestsPerSecond: Double { Double(requests) / seconds }

        func percentile(_ p: Double) -> Double {
            let sorted = latenciesNanoseconds.sorted()
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[Swift.max(0, index)]) / 1e6
        }
    }

    /// `clients` connections on one event loop thread, `total` requests in all.
    static func run(port: Int, request: ByteBuffer, expect: String, clients: Int, total: Int) async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let clientCPUStart = try await loop.submit { threadCPUSeconds() }.get()
        let state = LoadState(total: total)
        let started = DispatchTime.now().uptimeNanoseconds
        var futures: [EventLoopFuture<Void>] = []
        for _ in 0..<clients {
            let done = group.next().makePromise(of: Void.self)
            futures.append(done.futureResult)
            let bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            LoadClientHandler(request: request, expect: expect, state: state, done: done))
                    }
                }
            bootstrap.connect(host: "127.0.0.1", port: port).whenFailure { done.fail($0) }
        }
        for future in futures { try await future.get() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let clientCPU = try await loop.submit { threadCPUSeconds() }.get() - clientCPUStart
        try await group.shutdownGracefully()
        let latencies = state.latencies
        let failures = state.failures
        return Result(
            requests: latencies.count, seconds: seconds, latenciesNanoseconds: latencies, failures: failures.count, firstFailure: failures.first,
            clientCPUSeconds: clientCPU)
    }
}

/// CPU seconds (user + system) used by the calling thread.
func threadCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(1, &usage)  // RUSAGE_THREAD (Linux), which Glibc's Swift overlay does not name
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
