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

    private var hash = [UInt8](repeating: 0, count: 32)
    private var checksum = [UInt8](repeating: 0, count: 32)
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
                absorb(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 32 {
            absorb(Array(bytes[offset..<(offset + 32)]))
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
            let count = pending.count
            var block = pending
            block += [UInt8](repeating: 0, count: 32 - count)
            lengthInBits &+= UInt64(count) * 8
            addToChecksum(block)
            hash = Self.step(hash, block)
            pending.removeAll()
        }
        var length = [UInt8](repeating: 0, count: 32)
        for index in 0..<8 { length[index] = UInt8((lengthInBits >> (8 * UInt64(index))) & 0xff) }
        hash = Self.step(hash, length)
        hash = Self.step(hash, checksum)
        return Data(hash)
    }

    private mutating func absorb(_ block: [UInt8]) {
        lengthInBits &+= 256
        addToChecksum(block)
        hash = Self.step(hash, block)
    }

    /// Σ := Σ + M mod 2^256 (little-endian).
    private mutating func addToChecksum(_ block: [UInt8]) {
        var carry: UInt16 = 0
        for index in 0..<32 {
            let sum = UInt16(checksum[index]) + UInt16(block[index]) + carry
            checksum[index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
    }

    /// RFC 5831 § 6.1 step function H_out = f(H_in, M): key generation (A, P, C3), encryption of H's four 64-bit
    /// parts with GOST 28147-89, and the ψ shuffle (ψ^61(H ⊕ ψ(M ⊕ ψ^12(S)))).
    static func step(_ h: [UInt8], _ m: [UInt8]) -> [UInt8] {
        var s = [UInt8](repeating: 0, count: 32)
        var u = h
        var v = m
        for round in 0..<4 {
            if round > 0 {
                u = a(u)
                if round == 2 {
                    // C3 = 0xff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00 (little-endian bytes).
                    for index in [1, 3, 5, 7, 8, 10, 12, 14, 17, 18, 20, 23, 24, 28, 29, 31] { u[index] = ~u[index] }
                }
                v = a(a(v))
            }
            var w = [UInt8](repeating: 0, count: 32)
            for index in 0..<32 { w[index] = u[index] ^ v[index] }
            let key = p(w)
            let encrypted = encrypt(block: Array(h[(8 * round)..<(8 * round + 8)]), key: key)
            s.replaceSubrange((8 * round)..<(8 * round + 8), with: encrypted)
        }
        for _ in 0..<12 { psi(&s) }
        for index in 0..<32 { s[index] ^= m[index] }
        psi(&s)
        for index in 0..<32 { s[index] ^= h[index] }
        for _ in 0..<61 { psi(&s) }
        return s
    }

    /// A(y4‖y3‖y2‖y1) = (y1 ⊕ y2)‖y4‖y3‖y2, on 64-bit parts stored little-endian.
    private static func a(_ y: [UInt8]) -> [UInt8] {
        var out = Array(y[8..<32])
        for index in 0..<8 { out.append(y[index] ^ y[index + 8]) }
        return out
    }

    /// P: byte φ(i + 1 + 4(k − 1)) = 8i + k.
    private static func p(_ w: [UInt8]) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            for j in 0..<8 { key[i + 4 * j] = w[8 * i + j] }
        }
        return key
    }

    /// ψ(y16‖…‖y1) = (y1 ⊕ y2 ⊕ y3 ⊕ y4 ⊕ y13 ⊕ y16)‖y16‖…‖y2, on 16-bit words stored little-endian.
    private static func psi(_ y: inout [UInt8]) {
        let low = y[0] ^ y[2] ^ y[4] ^ y[6] ^ y[24] ^ y[30]
        let high = y[1] ^ y[3] ^ y[5] ^ y[7] ^ y[25] ^ y[31]
        y.removeFirst(2)
        y.append(low)
        y.append(high)
    }

    /// GOST 28147-89 encryption of one 64-bit block (ECB), key as eight little-endian 32-bit words.
    private static func encrypt(block: [UInt8], key: [UInt8]) -> [UInt8] {
        var k = [UInt32](repeating: 0, count: 8)
        for index in 0..<8 {
            k[index] =
                UInt32(key[4 * index]) | UInt32(key[4 * index + 1]) << 8 | UInt32(key[4 * index + 2]) << 16
                | UInt32(key[4 * index + 3]) << 24
        }
        var n1 = UInt32(block[0]) | UInt32(block[1]) << 8 | UInt32(block[2]) << 16 | UInt32(block[3]) << 24
        var n2 = UInt32(block[4]) | UInt32(block[5]) << 8 | UInt32(block[6]) << 16 | UInt32(block[7]) << 24
        let table = substitution
        func f(_ x: UInt32) -> UInt32 {
            table[Int(x & 0xff)] ^ table[256 + Int((x >> 8) & 0xff)] ^ table[512 + Int((x >> 16) & 0xff)]
                ^ table[768 + Int(x >> 24)]
        }
        // 24 rounds with k1..k8 thrice, then 8 with k8..k1; halves swap by alternating names.
        let schedule = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0]
        for round in stride(from: 0, to: 32, by: 2) {
            n2 ^= f(n1 &+ k[schedule[round]])
            n1 ^= f(n2 &+ k[schedule[round + 1]])
        }
        return [
            UInt8(n2 & 0xff), UInt8((n2 >> 8) & 0xff), UInt8((n2 >> 16) & 0xff), UInt8(n2 >> 24),
            UInt8(n1 & 0xff), UInt8((n1 >> 8) & 0xff), UInt8((n1 >> 16) & 0xff), UInt8(n1 >> 24),
        ]
    }
}
