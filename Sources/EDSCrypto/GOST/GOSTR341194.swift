import Foundation

/// GOST 34.311-95, the hash of Kazakh GOST 34.310-2004 signatures: GOST R 34.11-94 (RFC 5831) with the *test*
/// S-box id-GostR3411-94-TestParamSet (1.2.643.2.2.30.0, RFC 4357 § 11.2), which no library here offers.
///
/// The digest is the 32 bytes of the final H in memory order (the order RFC 5831 § 7.3 examples are quoted in
/// most implementations), i.e. H as a little-endian 256-bit integer.
public struct GOSTR341194: Sendable {
    /// RFC 5831 § 7.1 / RFC 4357 § 11.2: id-GostR3411-94-TestParamSet, row k applies to nibble k of a word.
    private static let testSBox: [[UInt8]] = [
        [0x4, 0xA, 0x9, 0x2, 0xD, 0x8, 0x0, 0xE, 0x6, 0xB, 0x1, 0xC, 0x7, 0xF, 0x5, 0x3],
        [0xE, 0xB, 0x4, 0xC, 0x6, 0xD, 0xF, 0xA, 0x2, 0x3, 0x8, 0x1, 0x0, 0x7, 0x5, 0x9],
        [0x5, 0x8, 0x1, 0xD, 0xA, 0x3, 0x4, 0x2, 0xE, 0xF, 0xC, 0x7, 0x6, 0x0, 0x9, 0xB],
        [0x7, 0xD, 0xA, 0x1, 0x0, 0x8, 0x9, 0xF, 0xE, 0x4, 0x6, 0xC, 0xB, 0x2, 0x5, 0x3],
        [0x6, 0xC, 0x7, 0x1, 0x5, 0xF, 0xD, 0x8, 0x4, 0xA, 0x9, 0xE, 0x0, 0x3, 0xB, 0x2],
        [0x4, 0xB, 0xA, 0x0, 0x7, 0x2, 0x1, 0xD, 0x3, 0x6, 0x8, 0x5, 0x9, 0xC, 0xF, 0xE],
        [0xD, 0xB, 0x4, 0x1, 0x3, 0xF, 0x5, 0x9, 0x0, 0xA, 0xE, 0x7, 0x6, 0x8, 0x2, 0xC],
        [0x1, 0xF, 0xD, 0x0, 0x5, 0x7, 0xA, 0x4, 0x9, 0x2, 0x3, 0xE, 0x6, 0xB, 0x8, 0xC],
    ]

    /// GOST 28147-89's round function on a byte at a time: four 256-entry tables with the 11-bit rotation folded in.
    private static let substitution: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 1024)
        for byteIndex in 0..<4 {
            for value in 0..<256 {
                let low = UInt32(testSBox[2 * byteIndex][value & 0x0f])
                let high = UInt32(testSBox[2 * byteIndex + 1][value >> 4]) << 4
                let word = (low | high) << (8 * UInt32(byteIndex))
                table[256 * byteIndex + value] = (word << 11) | (word >> 21)
            }
        }
        return table
    }()

    /// 256 bits as four 64-bit words, word i = bytes 8i..8i+7 read little-endian (the standard's byte order).
    struct Block: Equatable {
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init() {}

        init(_ bytes: UnsafeRawBufferPointer) {
            w = (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian,
                bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian,
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian,
                bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian
            )
        }

        static func ^ (lhs: Block, rhs: Block) -> Block {
            var out = Block()
            out.w = (lhs.w.0 ^ rhs.w.0, lhs.w.1 ^ rhs.w.1, lhs.w.2 ^ rhs.w.2, lhs.w.3 ^ rhs.w.3)
            return out
        }

        static func == (lhs: Block, rhs: Block) -> Bool { lhs.w == rhs.w }

        var bytes: [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            for (index, word) in [w.0, w.1, w.2, w.3].enumerated() {
                for byte in 0..<8 { out[8 * index + byte] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(byte))) }
            }
            return out
        }
    }

    private var hash = Block()
    private var checksum = Block()
    private var lengthInBits: UInt64 = 0
    private var pending: [UInt8] = []

    public init() { pending.reserveCapacity(32) }

    public static func hash(_ data: some Collection<UInt8>) -> Data {
        var hasher = GOSTR341194()
        hasher.update(Array(data))
        return hasher.finish()
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        var offset = 0
        if !pending.isEmpty {
            let take = min(32 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            if pending.count == 32 {
                pending.withUnsafeBytes { absorb(Block($0)) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 32 {
            absorb(Block(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 32)])))
            offset += 32
        }
        if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// RFC 5831 § 6: pad the last block with zeros, then f(H, L) and f(H, Σ).
    public mutating func finish() -> Data {
        if !pending.isEmpty {
            lengthInBits &+= UInt64(pending.count) * 8
            let block = (pending + [UInt8](repeating: 0, count: 32 - pending.count)).withUnsafeBytes { Block($0) }
            addToChecksum(block)
            hash = Self.step(hash, block)
            pending.removeAll()
        }
        var length = Block()
        length.w.0 = lengthInBits
        hash = Self.step(hash, length)
        hash = Self.step(hash, checksum)
        return Data(hash.bytes)
    }

    private mutating func absorb(_ block: Block) {
        lengthInBits &+= 256
        addToChecksum(block)
        hash = Self.step(hash, block)
    }

    /// Σ := Σ + M mod 2^256.
    private mutating func addToChecksum(_ block: Block) {
        var carry: UInt64 = 0
        func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (partial, overflow1) = a.addingReportingOverflow(b)
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
            return sum
        }
        checksum.w.0 = add(checksum.w.0, block.w.0)
        checksum.w.1 = add(checksum.w.1, block.w.1)
        checksum.w.2 = add(checksum.w.2, block.w.2)
        checksum.w.3 = add(checksum.w.3, block.w.3)
    }

    /// C3 = 0xff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00, as the four little-endian words.
    private static let c3: (UInt64, UInt64, UInt64, UInt64) = (0xFF00_FF00_FF00_FF00, 0x00FF_00FF_00FF_00FF, 0xFF00_00FF_00FF_FF00, 0xFF00_FFFF_0000_00FF)

    /// RFC 5831 § 6.1 step function H_out = f(H_in, M): key generation (A, P, C3), encryption of H's four 64-bit
    /// parts with GOST 28147-89, and the ψ shuffle (ψ^61(H ⊕ ψ(M ⊕ ψ^12(S)))).
    static func step(_ h: Block, _ m: Block) -> Block {
        substitution.withUnsafeBufferPointer { table in
            var u = h
            var v = m
            var s = Block()
            s.w.0 = encrypt(h.w.0, key: p(u ^ v), table)
            u = a(u)
            v = a(a(v))
            s.w.1 = encrypt(h.w.1, key: p(u ^ v), table)
            u = a(u)
            u.w = (u.w.0 ^ c3.0, u.w.1 ^ c3.1, u.w.2 ^ c3.2, u.w.3 ^ c3.3)
            v = a(a(v))
            s.w.2 = encrypt(h.w.2, key: p(u ^ v), table)
            u = a(u)
            v = a(a(v))
            s.w.3 = encrypt(h.w.3, key: p(u ^ v), table)
            for _ in 0..<12 { psi(&s) }
            s = s ^ m
            psi(&s)
            s = s ^ h
            for _ in 0..<61 { psi(&s) }
            return s
        }
    }

    /// A(y4‖y3‖y2‖y1) = (y1 ⊕ y2)‖y4‖y3‖y2.
    private static func a(_ y: Block) -> Block {
        var out = Block()
        out.w = (y.w.1, y.w.2, y.w.3, y.w.0 ^ y.w.1)
        return out
    }

    /// P: byte φ(i + 1 + 4(k − 1)) = 8i + k, i.e. key byte i + 4k = w byte 8i + k: eight 32-bit key words.
    private static func p(_ w: Block) -> (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
        func word(_ k: UInt64) -> UInt32 {
            let shift = 8 * k
            return UInt32((w.w.0 >> shift) & 0xff) | UInt32((w.w.1 >> shift) & 0xff) << 8 | UInt32((w.w.2 >> shift) & 0xff) << 16
                | UInt32((w.w.3 >> shift) & 0xff) << 24
        }
        return (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
    }

    /// ψ(y16‖…‖y1) = (y1 ⊕ y2 ⊕ y3 ⊕ y4 ⊕ y13 ⊕ y16)‖y16‖…‖y2, on 16-bit lanes: a 16-bit right shift of 256 bits.
    private static func psi(_ y: inout Block) {
        let first = y.w.0 ^ (y.w.0 >> 16) ^ (y.w.0 >> 32) ^ (y.w.0 >> 48) ^ y.w.3 ^ (y.w.3 >> 48)
        y.w = (
            (y.w.0 >> 16) | (y.w.1 << 48), (y.w.1 >> 16) | (y.w.2 << 48), (y.w.2 >> 16) | (y.w.3 << 48),
            (y.w.3 >> 16) | ((first & 0xffff) << 48)
        )
    }

    /// GOST 28147-89 encryption of one 64-bit block (ECB): n1 = the low 32 bits, n2 = the high; the result is n2 ‖ n1
    /// in the same little-endian layout.
    private static func encrypt(
        _ block: UInt64, key k: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32), _ table: UnsafeBufferPointer<UInt32>
    ) -> UInt64 {
        var n1 = UInt32(truncatingIfNeeded: block)
        var n2 = UInt32(truncatingIfNeeded: block >> 32)
        @inline(__always) func f(_ x: UInt32) -> UInt32 {
            table[Int(x & 0xff)] ^ table[256 + Int((x >> 8) & 0xff)] ^ table[512 + Int((x >> 16) & 0xff)] ^ table[768 + Int(x >> 24)]
        }
        // 24 rounds with k1..k8 thrice, then 8 with k8..k1; halves swap by alternating names.
        for _ in 0..<3 {
            n2 ^= f(n1 &+ k.0)
            n1 ^= f(n2 &+ k.1)
            n2 ^= f(n1 &+ k.2)
            n1 ^= f(n2 &+ k.3)
            n2 ^= f(n1 &+ k.4)
            n1 ^= f(n2 &+ k.5)
            n2 ^= f(n1 &+ k.6)
            n1 ^= f(n2 &+ k.7)
        }
        n2 ^= f(n1 &+ k.7)
        n1 ^= f(n2 &+ k.6)
        n2 ^= f(n1 &+ k.5)
        n1 ^= f(n2 &+ k.4)
        n2 ^= f(n1 &+ k.3)
        n1 ^= f(n2 &+ k.2)
        n2 ^= f(n1 &+ k.1)
        n1 ^= f(n2 &+ k.0)
        return UInt64(n2) | UInt64(n1) << 32
    }
}
