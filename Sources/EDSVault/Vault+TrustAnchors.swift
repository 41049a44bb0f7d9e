import EDSCrypto

extension Vault {
    /// The anchors this vault validates signatures against (made by `vault init`), e.g. for `serve --vault` to
    /// log them and refuse demo anchors.
    public var trustAnchors: [Certificate] { trust.anchors }
}
