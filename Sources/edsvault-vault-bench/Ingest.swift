import EDSVault
import Foundation
import NIOConcurrencyHelpers

/// What one ingest measurement gives: documents per second over the whole run, and each document's acknowledgement
/// latency (the time of the `put` call that stored it: every document of a batch is acknowledged when it commits).
struct IngestResult {
    var rate: Double
    var acknowledgements: [Double]
}

/// Stores `inputs` through `vaults`, one thread per vault (each vault with its own index and connection), the inputs
/// dealt round-robin in batches of `batch` documents, one group commit (`Vault.put([...])`) per batch.
func ingest(_ vaults: [Vault], inputs: [(bytes: Data, metadata: DocumentMetadata)], batch: Int) throws -> IngestResult {
    let batches = stride(from: 0, to: inputs.count, by: batch).map { Array(inputs[$0..<min($0 + batch, inputs.count)]) }
    let shares = vaults.indices.map { writer in stride(from: writer, to: batches.count, by: vaults.count).map { batches[$0] } }
    let results = NIOLockedValueBox<(latencies: [Double], errors: [String])>(([], []))
    let group = DispatchGroup()
    let start = DispatchTime.now().uptimeNanoseconds
    for (vault, share) in zip(vaults, shares) {
        group.enter()
        // Threads of their own, not Dispatch's pool: each writer blocks on its commits as an HR service thread would.
        let thread = Thread {
            var latencies: [Double] = []
            do {
                for slice in share {
                    let seconds = try measure { _ = try vault.put(slice) }
                    latencies += Array(repeating: seconds, count: slice.count)
                }
                results.withLockedValue { $0.latencies += latencies }
            } catch {
                results.withLockedValue { $0.errors.append("\(error)") }
            }
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
    group.wait()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let (latencies, errors) = results.withLockedValue { $0 }
    if let error = errors.first { throw VaultError.io("a writer failed: \(error)") }
    return IngestResult(rate: Double(inputs.count) / seconds, acknowledgements: latencies)
}
