/// Where the parts of a CertificateList are in its DER (RFC 5280 § 5.1), as byte ranges of the whole TLVs.
struct CertificateListLayout: Hashable, Sendable {
    let toBeSigned: Range<Int>
    /// tbsCertList.signature (§ 5.1.2.2).
    let innerSignatureAlgorithm: Range<Int>
    let issuer: Range<Int>
    let thisUpdate: Range<Int>
    let nextUpdate: Range<Int>?
    let signatureAlgorithm: Range<Int>
    /// The BIT STRING.
    let signature: Range<Int>
    /// The contents of crlExtensions [0] (the Extensions SEQUENCE), when present.
    let extensions: Range<Int>?
}

/// The revokedCertificates of a CRL indexed by serial: each entry is the offset of its TLV in the DER (4 bytes), found
/// through an open-addressing table of entry numbers (8 bytes an entry at load ≤ 0.5). No entry is copied or decoded;
/// a lookup hashes the serial and compares it with the bytes in the DER.
struct SerialIndex: Sendable {
    /// Offsets of the revokedCertificates entries, in DER order.
    private var entries: [UInt32] = []
    /// 0: empty; otherwise an index into `entries` plus one. Linear probing keeps entries with one serial in DER order.
    private var slots: [UInt32] = []

    init(entries: [UInt32], bytes: UnsafeBufferPointer<UInt8>) {
        self.entries = entries
        guard !entries.isEmpty else { return }
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (number, offset) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: Self.hash(Self.serial(at: Int(offset), in: bytes))) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(number + 1)
        }
        self.slots = slots
    }

    /// The offset of the first entry (in DER order) whose userCertificate INTEGER has `serial` as its contents.
    func firstEntry(withSerial serial: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        return serial.withUnsafeBufferPointer { wanted -> Int? in
            var slot = Int(truncatingIfNeeded: Self.hash(wanted[...])) & mask
            while slots[slot] != 0 {
                let offset = Int(entries[Int(slots[slot]) - 1])
                if Self.serial(at: offset, in: bytes).elementsEqual(wanted) { return offset }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The serial INTEGER contents of the entry at `offset` (already checked by the reader: short definite headers).
    static func serial(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var position = offset + 1
        position += headerLengthOctets(bytes[position])
        // The INTEGER's own header.
        let lengthOctet = bytes[position + 1]
        var length = Int(lengthOctet)
        var start = position + 2
        if lengthOctet >= 0x80 {
            length = 0
            for index in 0..<Int(lengthOctet & 0x7f) { length = length << 8 | Int(bytes[start + index]) }
            start += Int(lengthOctet & 0x7f)
        }
        return bytes[start..<(start + length)]
    }

    private static func headerLengthOctets(_ lengthOctet: UInt8) -> Int {
        lengthOctet < 0x80 ? 1 : 1 + Int(lengthOctet & 0x7f)
    }

    /// FNV-1a, 64-bit: serials are a CA's choice, and a hostile CRL can only slow its own lookups.
    private static func hash<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }
}

extension CertificateRevocationList {
    /// One pass over a CertificateList's DER (already scanned within `ASN1Limits.crl`) that checks its structure
    /// (RFC 5280 § 5.1) as strictly as OpenSSL's d2i_X509_CRL and records where its parts and entries are.
    enum Reader {
        struct Result {
            let layout: CertificateListLayout
            let serials: SerialIndex
            let namesCertificateIssuers: Bool
            /// The OID (whole TLV) of a critical entry extension RFC 5280 § 5.3 does not define, in the first entry that has one.
            let unhandledCriticalEntryExtension: Range<Int>?
        }

        private struct Malformed: Error {}

        private struct Cursor {
            let bytes: UnsafeBufferPointer<UInt8>
            var position: Int
            let end: Int

            var atEnd: Bool { position == end }

            func peekTag() -> UInt8? { position < end ? bytes[position] : nil }

            /// The next TLV, which must have tag `tag`; returns its whole range and its contents' range.
            mutating func next(_ tag: UInt8) throws(Malformed) -> (whole: Range<Int>, contents: Range<Int>) {
                guard position < end, bytes[position] == tag else { throw Malformed() }
                guard let header = try? ASN1Scanner.readHeader(bytes, at: position, bound: end, rules: .der), let length = header.contentLength
                else { throw Malformed() }
                let start = position
                let contents = (start + header.headerLength)..<(start + header.headerLength + length)
                position = contents.upperBound
                return (start..<position, contents)
            }

            mutating func nextTime() throws(Malformed) -> Range<Int> {
                try next(peekTag() == 0x18 ? 0x18 : 0x17).whole
            }
        }

        static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Result? {
            try? parse(bytes)
        }

        private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) -> Result {
            var outer = Cursor(bytes: bytes, position: 0, end: bytes.count)
            let list = try outer.next(0x30)
            guard outer.atEnd else { throw Malformed() }
            var fields = Cursor(bytes: bytes, position: list.contents.lowerBound, end: list.contents.upperBound)
            let tbs = try fields.next(0x30)
            let signatureAlgorithm = try fields.next(0x30).whole
            let signature = try fields.next(0x03).whole
            guard fields.atEnd else { throw Malformed() }

            var cursor = Cursor(bytes: bytes, position: tbs.contents.lowerBound, end: tbs.contents.upperBound)
            if cursor.peekTag() == 0x02 { _ = try cursor.next(0x02) }
            let innerAlgorithm = try cursor.next(0x30).whole
            let issuer = try cursor.next(0x30).whole
            let thisUpdate = try cursor.nextTime()
            let nextUpdate = cursor.peekTag() == 0x17 || cursor.peekTag() == 0x18 ? try cursor.nextTime() : nil
            var entries: [UInt32] = []
            var namesCertificateIssuers = false
            var unhandledCritical: Range<Int>?
            if cursor.peekTag() == 0x30 {
                let revoked = try cursor.next(0x30).contents
                entries.reserveCapacity(revoked.count / 40)
                var list = Cursor(bytes: bytes, position: revoked.lowerBound, end: revoked.upperBound)
                while !list.atEnd {
                    let entry = try list.next(0x30)
                    entries.append(UInt32(entry.whole.lowerBound))
                    var fields = Cursor(bytes: bytes, position: entry.contents.lowerBound, end: entry.contents.upperBound)
                    let serial = try fields.next(0x02).contents
                    try checkMinimalInteger(bytes, serial)
                    _ = try fields.nextTime()
                    if !fields.atEnd {
                        let extensions = try fields.next(0x30).contents
                        let found = try entryExtensions(bytes, extensions)
                        if found.certificateIssuer { namesCertificateIssuers = true }
                        if unhandledCritical == nil { unhandledCritical = found.unhandledCritical }
                    }
                    guard fields.atEnd else { throw Malformed() }
                }
            }
            var extensions: Range<Int>?
            if cursor.peekTag() == 0xa0 {
                let wrapper = try cursor.next(0xa0).contents
                var inner = Cursor(bytes: bytes, position: wrapper.lowerBound, end: wrapper.upperBound)
                extensions = try inner.next(0x30).whole
                guard inner.atEnd else { throw Malformed() }
            }
            guard cursor.atEnd else { throw Malformed() }
            let layout = CertificateListLayout(
                toBeSigned: tbs.whole, innerSignatureAlgorithm: innerAlgorithm, issuer: issuer, thisUpdate: thisUpdate,
                nextUpdate: nextUpdate, signatureAlgorithm: signatureAlgorithm, signature: signature, extensions: extensions)
            return Result(
                layout: layout, serials: SerialIndex(entries: entries, bytes: bytes), namesCertificateIssuers: namesCertificateIssuers,
                unhandledCriticalEntryExtension: unhandledCritical)
        }

        /// X.690 § 8.3.2: no empty INTEGER and no redundant leading octet (OpenSSL refuses both).
        private static func checkMinimalInteger(_ bytes: UnsafeBufferPointer<UInt8>, _ contents: Range<Int>) throws(Malformed) {
            guard !contents.isEmpty else { throw Malformed() }
            if contents.count > 1 {
                let first = bytes[contents.lowerBound]
                let second = bytes[contents.lowerBound + 1]
                if (first == 0 && second & 0x80 == 0) || (first == 0xff && second & 0x80 != 0) { throw Malformed() }
            }
        }

        /// Whether the entry's Extensions hold a certificateIssuer (id-ce 29, § 5.3.3), and the first critical one that
        /// § 5.3 does not define (reasonCode 21, holdInstructionCode 23, invalidityDate 24 and certificateIssuer 29 are).
        private static func entryExtensions(
            _ bytes: UnsafeBufferPointer<UInt8>, _ extensions: Range<Int>
        ) throws(Malformed) -> (certificateIssuer: Bool, unhandledCritical: Range<Int>?) {
            var list = Cursor(bytes: bytes, position: extensions.lowerBound, end: extensions.upperBound)
            var found = false
            var unhandled: Range<Int>?
            while !list.atEnd {
                let ext = try list.next(0x30).contents
                var fields = Cursor(bytes: bytes, position: ext.lowerBound, end: ext.upperBound)
                let (oidTLV, oid) = try fields.next(0x06)
                let isIdCE = oid.count == 3 && bytes[oid.lowerBound] == 0x55 && bytes[oid.lowerBound + 1] == 0x1d
                if isIdCE && bytes[oid.lowerBound + 2] == 0x1d { found = true }
                var critical = false
                if fields.peekTag() == 0x01 {
                    let flag = try fields.next(0x01).contents
                    critical = flag.count == 1 && bytes[flag.lowerBound] != 0
                }
                if critical && unhandled == nil && !(isIdCE && [21, 23, 24, 29].contains(bytes[oid.lowerBound + 2])) {
                    unhandled = oidTLV
                }
                _ = try fields.next(0x04)
                guard fields.atEnd else { throw Malformed() }
            }
            return (found, unhandled)
        }
    }
}
