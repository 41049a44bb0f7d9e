import Foundation
import Testing

@testable import EDSVerification

/// Report texts carry dates in Foundation's `.iso8601` style; the validator formats most of them itself (issue 11),
/// and must write the very same characters.
struct ISO8601FormattingTests {
    @Test(arguments: [
        0.0, 1_764_410_400, 1_764_410_400.999, -0.5, 951_782_400, 1_709_164_799, 2_524_607_999.75, 2_524_608_000,
        -2_208_988_800, -2_208_988_801, 253_402_300_799, 253_402_300_800, Date.distantPast.timeIntervalSince1970,
        Date.distantFuture.timeIntervalSince1970,
        // Century and leap-day edges of the civil-date arithmetic: 1900 and 2100 are not leap years, 2400 is.
        -2_203_891_201, -2_203_891_200, 4_107_499_200, 4_107_542_400, 13_574_563_200, -1, -86_400.25,
    ])
    func validatorDatesReadAsFoundationWritesThem(_ secondsSince1970: Double) {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        #expect(ISO8601.string(date) == date.formatted(.iso8601))
    }
}
