import Foundation

/// Command line of `edsvault-bench`.
struct Options {
    var quick = false
    var strict = false
    var certs: URL?
    var hashSizeMiB: Int?
    var seconds: Double?
    var cmsRuns: Int?
    var openssl: URL?
    var temporaryParent: URL?
    /// Key types to measure (default: all).
    var only: KeyAlgorithm?

    /// Seconds per in-process measurement (sign/s, verify/s).
    var measureSeconds: Double { seconds ?? (quick ? 0.5 : 2.5) }
    var warmupSeconds: Double { quick ? 0.05 : 0.25 }
    /// `openssl speed -seconds N`.
    var speedSeconds: Int { quick ? 1 : 2 }
    var cmsProcessRuns: Int { cmsRuns ?? (quick ? 10 : 50) }
    var hashMiB: Int { hashSizeMiB ?? (quick ? 64 : 1024) }
    /// Timed repetitions of each hashing run (the best is kept).
    var hashRepeats: Int { quick ? 1 : 2 }

    static let usage = """
        USAGE: edsvault-bench [options]
               edsvault-bench hash-only FILE
               edsvault-bench lt-loop N [--cold|--plain|--ocsp]
               edsvault-bench batch [SIGNATURES]

        Benchmarks EDS Vault's in-process CMS signing, full validation and streaming hashing against OpenSSL
        referees run in the same invocation, and prints the ratios with PASS/MISS per target.
        Run from the repository root (Certs/ is found there), in release mode:

            swift run -c release edsvault-bench

        OPTIONS:
          --quick              short run (0.5 s per measurement, 10 cms processes, 64 MiB hash file), for CI smoke tests
          --certs DIR          the demo PKI folder (default: ./Certs)
          --hash-size-mib N    size of the hashed temporary file in MiB (default 1024, 64 with --quick)
          --seconds S          seconds per in-process measurement (default 2.5, 0.5 with --quick)
          --cms-runs N         number of `openssl cms -verify` processes (default 50, 10 with --quick)
          --openssl PATH       the openssl executable (default: the first on $PATH)
          --tmp DIR            where the temporary hash file is written (default: $TMPDIR or /tmp)
          --only ALG           measure only rsa2048 or p256 signing/verification (for profiling)
          --strict             exit with status 2 when a target is missed (default: only errors fail)
          -h, --help           this text

        hash-only FILE: hashes FILE with Digest.hashFile (SHA-256) and prints its digest, time and peak RSS
        (used by the benchmark itself to measure memory in a clean child process).
        batch [SIGNATURES]: the `verify --batch` row alone (default 20,000 signatures; --jobs 1 against one job per core).
        lt-loop N [--cold|--plain|--ocsp]: N CAdES-LT (or plain, or OCSP-based LT) validations and nothing else, for a
        profiler such as valgrind --tool=callgrind; --cold empties the certificate cache before each one.
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw BenchError("\(name) needs a value") }
            return arguments[index]
        }
        func positiveInt(_ name: String) throws -> Int {
            let text = try value(name)
            guard let number = Int(text), number > 0 else { throw BenchError("\(name) needs a positive integer, not \(text)") }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--quick": options.quick = true
            case "--strict": options.strict = true
            case "--certs": options.certs = URL(fileURLWithPath: try value(argument))
            case "--hash-size-mib": options.hashSizeMiB = try positiveInt(argument)
            case "--cms-runs": options.cmsRuns = try positiveInt(argument)
            case "--seconds":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else { throw BenchError("--seconds needs a positive number, not \(text)") }
                options.seconds = seconds
            case "--openssl": options.openssl = URL(fileURLWithPath: try value(argument))
            case "--tmp": options.temporaryParent = URL(fileURLWithPath: try value(argument))
            case "--only":
                let text = try value(argument)
                guard let algorithm = KeyAlgorithm.allCases.first(where: { $0.speedName == text || $0.optionName == text }) else {
                    throw BenchError("--only takes rsa2048 or p256, not \(text)")
                }
                options.only = algorithm
            default: throw BenchError("unknown argument \(argument) (see --help)")
            }
            index += 1
        }
        return options
    }
}
