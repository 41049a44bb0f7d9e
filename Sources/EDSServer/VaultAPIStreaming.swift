import Foundation
import NIOCore

/// Hands a document's plaintext chunks from the thread that opens them (blocking vault I/O) to the response writer
/// (async), holding at most `capacity` chunks: a slow client slows the reader down instead of filling memory.
final class ChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [ByteBuffer] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<ByteBuffer?, any Error>?
    private let capacity: Int

    struct Cancelled: Error {}

    static let stallLimit: TimeInterval = 60

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Producer side: blocks while the pipe is full; throws `Cancelled` once the consumer has gone.
    func push(_ chunk: ByteBuffer) throws {
        condition.lock()
        defer { condition.unlock() }
        // A consumer that takes nothing for a minute (a stalled client, or a response never written) is gone: the
        // reading thread stops rather than waiting forever.
        while chunks.count >= capacity && !cancelled {
            if !condition.wait(until: Date().addingTimeInterval(Self.stallLimit)) { cancelled = true }
        }
        if cancelled { throw Cancelled() }
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: chunk)
        } else {
            chunks.append(chunk)
        }
    }

    /// Producer side: no more chunks; `error` when the read failed (the consumer then fails too).
    func finish(_ error: (any Error)? = nil) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        if let waiter {
            self.waiter = nil
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Consumer side: stops the producer at its next push.
    func cancel() {
        condition.lock()
        cancelled = true
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer side: the next chunk, nil at the end.
    func next() async throws -> ByteBuffer? {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            if !chunks.isEmpty {
                continuation.resume(returning: chunks.removeFirst())
                condition.broadcast()
            } else if finished {
                if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: nil) }
            } else {
                waiter = continuation
            }
        }
    }
}

/// A `Range: bytes=…` header against a body of `size` bytes (RFC 9110 § 14.2): one range only; several, or a
/// syntax this does not read, are answered with the whole body, as the RFC allows.
enum ByteRange: Equatable {
    case whole
    case part(ClosedRange<Int>)
    case unsatisfiable

    init(header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 else {
            self = .whole
            return
        }
        if bounds[0].isEmpty {
            // A suffix: the last N bytes.
            guard let length = Int(bounds[1]), length > 0 else {
                self = bounds[1].allSatisfy(\.isNumber) && !bounds[1].isEmpty ? .unsatisfiable : .whole
                return
            }
            self = size == 0 ? .unsatisfiable : .part(max(0, size - length)...(size - 1))
            return
        }
        guard let first = Int(bounds[0]), first >= 0 else {
            self = .whole
            return
        }
        let last = bounds[1].isEmpty ? size - 1 : Int(bounds[1]).map { min($0, size - 1) }
        guard let last else {
            self = .whole
            return
        }
        guard first < size, first <= last else {
            self = .unsatisfiable
            return
        }
        self = .part(first...last)
    }
}
