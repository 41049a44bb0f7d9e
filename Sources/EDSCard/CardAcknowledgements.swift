import EDSVerification
import Foundation

/// One person on the document's acquaintance sheet ("лист ознакомления", issue 22), as the card lists them: the IIN
/// masked by the caller (a card given out by a link is anonymous), and when their acknowledging signature arrived.
public struct CardAcknowledgement: Sendable, Equatable {
    public var maskedIIN: String
    public var acknowledgedAt: Date?

    public init(maskedIIN: String, acknowledgedAt: Date?) {
        self.maskedIIN = maskedIIN
        self.acknowledgedAt = acknowledgedAt
    }
}

extension DocumentCard {
    /// The information page's "acquaintance sheet" part; nothing when the document has none.
    static func acknowledgementBlocks(_ lines: [CardAcknowledgement], strings t: CardStrings) -> [CardBlock] {
        guard !lines.isEmpty else { return [] }
        let done = lines.filter { $0.acknowledgedAt != nil }.count
        let (title, summary, acknowledged, pending) =
            switch t.report {
            case .kazakh: ("Танысу парағы", "\(lines.count) адамның \(done) танысты", "танысты", "әлі жоқ")
            case .russian: ("Лист ознакомления", "ознакомлены \(done) из \(lines.count)", "ознакомлен(а)", "ещё нет")
            case .english: ("Acquaintance sheet", "\(done) of \(lines.count) acknowledged", "acknowledged", "not yet")
            }
        return [.heading(title), .paragraph(summary)]
            + lines.map { .field($0.maskedIIN, $0.acknowledgedAt.map { "\(acknowledged) \(astana($0))" } ?? pending) }
    }
}
