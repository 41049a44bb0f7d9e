@testable import EDSCrypto
import Foundation
import Testing

/// signingTime is read without OpenSSL in the two forms RFC 5280 allows; OpenSSL's reading stays the referee.
@Suite("signingTime read directly in its common forms")
struct AttributeTimeTests {
    static func tlv(_ tag: UInt8, _ text: String) -> Data { Data([tag, UInt8(text.utf8.count)] + Array(text.utf8)) }

    @Test("UTCTime and GeneralizedTime in the RFC 5280 forms read as OpenSSL reads them", arguments: [
        (0x17, "260315093000Z"), (0x17, "491231235959Z"), (0x17, "500101000000Z"), (0x17, "000229120000Z"),
        (0x17, "700101000000Z"), (0x17, "991231235959Z"), (0x18, "20260315093000Z"), (0x18, "20240229000000Z"),
        (0x18, "19000301000000Z"), (0x18, "20000229235959Z"), (0x18, "00010101000000Z"), (0x18, "99991231235959Z"),
        (0x18, "16000229120000Z"),
    ] as [(UInt8, String)])
    func commonFormsAgreeWithOpenSSL(tag: UInt8, text: String) throws {
        let encoded = Self.tlv(tag, text)
        let direct = try #require(AttributeValue.commonTime(encoded))
        #expect(direct == AttributeValue.openSSLTime(encoded))
        #expect(AttributeValue.time(encoded) == direct)
    }

    @Test("every day of four years, at a varying time of day, reads as OpenSSL reads it")
    func everyDayAgreesWithOpenSSL() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        var mismatches: [String] = []
        for day in 0..<(4 * 366) {
            let moment = Date(timeIntervalSince1970: 1_700_000_000 + TimeInterval(day * 86_400 + day * 37 % 86_400))
            let text = formatter.string(from: moment) + "Z"
            for encoded in [Self.tlv(0x18, text), Self.tlv(0x17, String(text.dropFirst(2)))]
            where AttributeValue.commonTime(encoded) != AttributeValue.openSSLTime(encoded) || AttributeValue.commonTime(encoded) == nil {
                mismatches.append(text)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("other forms and impossible dates are left to OpenSSL, which reads or refuses them", arguments: [
        (0x17, "2603150930Z"), (0x17, "260315093000+0600"), (0x18, "20260315093000.5Z"), (0x17, "260230120000Z"),
        (0x17, "261315120000Z"), (0x17, "260315246000Z"), (0x17, "26031509300AZ"), (0x18, "20250229000000Z"), (0x04, "260315093000Z"),
    ] as [(UInt8, String)])
    func otherFormsGoToOpenSSL(tag: UInt8, text: String) {
        let encoded = Self.tlv(tag, text)
        #expect(AttributeValue.commonTime(encoded) == nil)
        #expect(AttributeValue.time(encoded) == AttributeValue.openSSLTime(encoded))
    }
}
