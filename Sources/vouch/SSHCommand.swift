// SSHCommand.swift: `vouch ssh sign` (what `ssh-keygen -s` does, without its file
// juggling), `vouch ssh keygen` and `vouch ssh inspect` (what `ssh-keygen -L` prints).
import ArgumentParser
import Foundation
import VouchCore

#if canImport(Glibc)
import Glibc
#endif

struct SSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh", abstract: "OpenSSH certificates and keys.",
        subcommands: [Sign.self, Keygen.self, Inspect.self, KRL.self, SSHCredentialsCommand.self])

    /// The extensions `ssh-keygen -s` puts in a user certificate when told nothing.
    static let defaultUserExtensions = [
        "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc",
    ]

    /// A file's text, or standard input for "-".
    static func text(_ path: String, what: String, limit: Int = 1 << 20, trimmed: Bool = true) throws -> String {
        let text = String(decoding: try readInput(path, what: what, limit: limit), as: UTF8.self)
        return trimmed ? text.trimmingCharacters(in: .whitespacesAndNewlines) : text
    }

    /// Exits 2 with the core's reason.
    static func fail(_ e: VouchError, _ context: String) -> ExitCode {
        warn("error (\(e.code)): \(context): \(e.message)")
        return ExitCode(2)
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an OpenSSH user or host certificate; prints the certificate line.",
            discussion: """
                The certificate is valid from --backdate-seconds before now (30 by default, for \
                clocks a little behind) until --valid-seconds after now. A user certificate gets \
                ssh-keygen's default extensions (permit-X11-forwarding, permit-agent-forwarding, \
                permit-port-forwarding, permit-pty, permit-user-rc) unless --extension or \
                --no-default-extensions says otherwise; a host certificate gets none. At least one \
                principal is required: a certificate without principals is valid for every user.
                """)

        @Option(help: "The CA's private key (OpenSSH, PEM or PKCS#8; unencrypted).")
        var caKey: String

        @Option(help: "The public key to certify (an authorized_keys-style line), or - for standard input.")
        var publicKey: String

        @Option(help: "A user name (user certificates) or host name (host certificates); repeatable, or comma-separated as ssh-keygen -n.")
        var principal: [String] = []

        @Option(help: "Seconds the certificate is valid for, from now.")
        var validSeconds: UInt64

        @Option(help: "Seconds before now the certificate becomes valid.")
        var backdateSeconds: UInt64 = 30

        @Option(help: "user or host.")
        var type: CertType

        @Option(help: "The key ID, logged by sshd when the certificate is used.")
        var keyId: String = ""

        @Option(help: "The serial number.")
        var serial: UInt64 = 0

        @Option(help: "NAME=VALUE: force-command=CMD or source-address=CIDR[,CIDR...]; verify-required takes no value. Repeatable.")
        var criticalOption: [String] = []

        @Option(help: "An extension such as permit-pty or name@domain; repeatable. Replaces the defaults.")
        var `extension`: [String] = []

        @Flag(help: "A user certificate without ssh-keygen's default extensions.")
        var noDefaultExtensions = false

        @Flag(help: "An RSA CA signs with rsa-sha2-256 instead of rsa-sha2-512.")
        var rsaSha256 = false

        enum CertType: String, ExpressibleByArgument { case user, host }

        func run() throws {
            // comma-separated, as ssh-keygen -n takes them (a principal never holds a comma)
            let principals = principal.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard !principals.isEmpty else {
                warn("error (missing_principal): give at least one --principal; a certificate without principals is valid for every user")
                throw ExitCode(2)
            }
            guard !principals.contains(where: \.isEmpty) else {
                warn("error (invalid_principal): an empty principal in --principal \(principal.joined(separator: ","))")
                throw ExitCode(2)
            }
            guard validSeconds > 0 else {
                warn("error (invalid_validity): --valid-seconds must be greater than 0")
                throw ExitCode(2)
            }
            var options: [String: String] = [:]
            for option in criticalOption {
                let (name, value) = option.firstIndex(of: "=").map { (String(option[..<$0]), String(option[option.index(after: $0)...])) }
                    ?? (option, "")
                guard options.updateValue(value, forKey: name) == nil else {
                    warn("error (duplicate_option): critical option \(name) given twice")
                    throw ExitCode(2)
                }
            }
            let ca: SSHPrivateKey
            do {
                ca = try SSHPrivateKey(pem: try readInput(caKey, what: "CA key", limit: 1 << 20))
            } catch let e as VouchError { throw SSHCommand.fail(e, "CA key \(caKey)") }
            let line = try SSHCommand.text(publicKey, what: "public key")
            let key: SSHPublicKey
            do {
                key = try SSHPublicKey(line: line)
            } catch let e as VouchError { throw SSHCommand.fail(e, "public key \(publicKey)") }

            let now = UInt64(max(0, Date().timeIntervalSince1970)) // a clock before 1970 is not a crash
            var request = SSHCertificateRequest(
                key: key, type: type == .user ? .user : .host,
                validAfter: now - min(backdateSeconds, now), validBefore: now.addingReportingOverflow(validSeconds).overflow ? .max : now + validSeconds)
            request.serial = serial
            request.keyID = keyId
            request.principals = principals
            request.criticalOptions = options
            request.extensions = !`extension`.isEmpty || noDefaultExtensions || type == .host ? `extension` : SSHCommand.defaultUserExtensions
            request.rsaSHA256 = rsaSha256
            do {
                let cert = try SSHCertificateAuthority(key: ca).sign(request)
                // the key line's comment: what follows its type and key, after spaces or tabs
                let fields = line.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
                let comment = fields.count == 3 ? fields[2].trimmingCharacters(in: .whitespaces) : nil
                print(cert.line(comment: comment))
            } catch let e as VouchError { throw SSHCommand.fail(e, "cannot sign") }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair: FILE (OpenSSH private key format, mode 0600) and FILE.pub.",
            discussion: "RSA keys are 4096 bits unless --bits 2048; ECDSA keys are P-256 unless --bits 384.")

        @Option(help: "rsa, ecdsa or ed25519.")
        var type: KeyType

        @Option(help: "RSA: 2048 or 4096. ECDSA: 256 or 384.")
        var bits: Int?

        @Option(help: "Where to write the private key; the public key goes to FILE.pub.")
        var out: String

        @Option(help: "The comment stored with the key.")
        var comment: String = ""

        @Flag(help: "Overwrite FILE and FILE.pub if they exist.")
        var force = false

        enum KeyType: String, ExpressibleByArgument { case rsa, ecdsa, ed25519 }

        func run() throws {
            let kind: SSHKeyKind
            switch (type, bits) {
            case (.rsa, nil), (.rsa, 2048), (.rsa, 4096): kind = .rsa
            case (.ecdsa, nil), (.ecdsa, 256): kind = .ecdsaP256
            case (.ecdsa, 384): kind = .ecdsaP384
            case (.ed25519, nil): kind = .ed25519
            default:
                warn("error (invalid_bits): \(type.rawValue) keys take \(type == .rsa ? "--bits 2048 or 4096" : type == .ecdsa ? "--bits 256 or 384" : "no --bits")")
                throw ExitCode(2)
            }
            guard !comment.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                warn("error (invalid_comment): --comment must be one line without control characters")
                throw ExitCode(2)
            }
            var st = stat()
            let paths: [String] = [out, out + ".pub"]
            if !force, let existing = paths.first(where: { p in p.withCString { lstat($0, &st) == 0 } }) {
                warn("error (file_exists): \(existing) exists; pass --force to overwrite it")
                throw ExitCode(2)
            }
            let key: SSHPrivateKey
            do {
                key = try SSHPrivateKey.generate(kind, bits: kind == .rsa ? bits ?? 4096 : 0)
            } catch let e as VouchError { throw SSHCommand.fail(e, "cannot generate") }
            try write(Data(key.openSSHFormat(comment: comment).utf8), to: out, mode: 0o600)
            let pub = key.publicKey
            try write(Data((pub.line(comment: comment.isEmpty ? nil : comment) + "\n").utf8), to: out + ".pub", mode: 0o644)
            print("\(pub.bits) \(pub.fingerprint) \(comment.isEmpty ? "no comment" : comment) (\(SSHCommand.shortType(pub.kind)))")
        }

        /// Writes a file created with `mode` from the start (never briefly world-readable).
        private func write(_ data: Data, to path: String, mode: mode_t) throws {
            unlink(path)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            guard fd >= 0 else {
                warn("error (unwritable_file): cannot create \(path): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            defer { close(fd) }
            let ok = data.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { return false }
                    off += n
                }
                return true
            }
            guard ok else {
                warn("error (unwritable_file): cannot write \(path): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a certificate's fields as `ssh-keygen -L` does (after checking its signature).",
            discussion: "Every certificate line of the file is listed; comments and blank lines are skipped, and a line that is not a good certificate is reported on standard error. Exits 1 when no line is a good certificate, 2 when the file cannot be read.")

        @Argument(help: "The certificate file (-cert.pub lines), or - for standard input.")
        var certificate: String

        /// As ssh-keygen -L: every certificate line of the file (comments and blank lines
        /// skipped), headed "FILE:" for a first line and "FILE:N:" otherwise; a line that is
        /// not a good certificate is reported and skipped. Exit 1 when none is: the
        /// certificate is what is judged, and a malformed one is refused.
        func run() throws {
            let stdin = certificate == "-"
            let name = stdin ? "(stdin)" : certificate
            let text = try SSHCommand.text(certificate, what: "certificate", trimmed: false)
            var shown = 0, lastError: VouchError?
            for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
                if line.isEmpty || line.hasPrefix("#") { continue }
                do {
                    let cert = try SSHCertificate(line: line)
                    print(SSHCommand.listing(cert, name: !stdin && i == 0 ? name : "\(name):\(i + 1)"), terminator: "")
                    shown += 1
                } catch let e as VouchError {
                    warn("\(name):\(i + 1): error (\(e.code)): \(e.message)")
                    lastError = e
                }
            }
            if shown == 0 {
                if let lastError {
                    warn("REFUSED (\(lastError.code)): certificate \(certificate): \(lastError.message)")
                } else {
                    warn("REFUSED (empty_input): \(certificate) holds no certificate")
                }
                throw ExitCode(1)
            }
        }
    }

    /// The text `ssh-keygen -L -f NAME` prints for a certificate, times in local time.
    static func listing(_ c: SSHCertificate, name: String) -> String {
        var s = "\(name):\n"
        s += "        Type: \(c.typeName) \(c.type.rawValue) certificate\n"
        s += "        Public key: \(shortType(c.key.kind))-CERT \(c.key.fingerprint)\n"
        s += "        Signing CA: \(shortType(c.signatureKey.kind)) \(c.signatureKey.fingerprint) (using \(c.signatureAlgorithm))\n"
        s += "        Key ID: \"\(c.keyID)\"\n"
        s += "        Serial: \(c.serial)\n"
        s += "        Valid: \(validity(c.validAfter, c.validBefore))\n"
        s += "        Principals: " + (c.principals.isEmpty ? "(none)\n" : c.principals.map { "\n                \($0)" }.joined() + "\n")
        s += "        Critical Options: " + options(c.optionData(critical: true), critical: true)
        s += "        Extensions: " + options(c.optionData(critical: false), critical: false)
        return s
    }

    /// The key type as ssh-keygen -l and -L name it.
    static func shortType(_ kind: SSHKeyKind) -> String {
        switch kind {
        case .rsa: "RSA"
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: "ECDSA"
        case .ed25519: "ED25519"
        case .skECDSA: "ECDSA-SK"
        case .skEd25519: "ED25519-SK"
        }
    }

    /// ssh-keygen's show_options: known options by name (force-command and source-address
    /// with their value), other ones as a flag or as their data field in hex.
    private static func options(_ list: [(name: String, data: [UInt8])], critical: Bool) -> String {
        if list.isEmpty { return "(none)\n" }
        return "\n" + list.map { o in
            if critical && (o.name == "force-command" || o.name == "source-address") {
                let value = o.data.count >= 4 ? String(decoding: o.data.dropFirst(4).prefix { $0 != 0 }, as: UTF8.self) : ""
                return "                \(o.name) \(value)\n"
            }
            if critical ? o.name == "verify-required" : knownExtensions.contains(o.name) { return "                \(o.name)\n" }
            if o.data.isEmpty { return "                \(o.name) UNKNOWN FLAG OPTION\n" }
            return "                \(o.name) UNKNOWN OPTION: \(o.data.map { String(format: "%02x", $0) }.joined()) (len \(o.data.count))\n"
        }.joined()
    }

    private static let knownExtensions: Set = [
        "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc",
        "no-touch-required",
    ]

    private static func validity(_ after: UInt64, _ before: UInt64) -> String {
        if after == 0 && before == .max { return "forever" }
        if after == 0 { return "before \(localTime(before))" }
        if before == .max { return "after \(localTime(after))" }
        return "from \(localTime(after)) to \(localTime(before))"
    }

    /// "%Y-%m-%dT%H:%M:%S" in local time, as ssh-keygen prints.
    private static func localTime(_ t: UInt64) -> String {
        var tt = time_t(clamping: t)
        var tm = tm()
        guard localtime_r(&tt, &tm) != nil else { return "\(t)" }
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S", &tm)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
