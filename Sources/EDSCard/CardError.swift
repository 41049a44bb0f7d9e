import Foundation

/// Why a card could not be made or read: one line for the CLI and the service.
public struct CardError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable {
        /// The input cannot go into a card or is not a card (the CLI's 65).
        case invalidInput
        /// The machine lacks what the card needs (a font file) or a library failed.
        case environment
    }

    public let code: Code
    public let reason: String

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
