// SSHKRLCommand.swift: `vouch ssh krl build | inspect | check`: OpenSSH key revocation
// lists offline, what `ssh-keygen -k`, `ssh-keygen -Q -l` and `ssh-keygen -Q` do.
import ArgumentParser
import Foundation
import VouchCore

#if canImport(Glibc)
import Glibc
#endif

extension SSHCommand {
    struct KRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "krl", abstract: "OpenSSH key revocation lists (KRLs) for sshd's RevokedKeys.",
            subcommands: [Build.self, Inspect.self, Check.self])

        /// Exits 2: "error (code): text".
        static func usage(_ code: String, _ text: String) -> ExitCode {
            warn("error (\(code)): \(text)")
            return ExitCode(2)
        }

        /// A serial ("42", "0x2a") or a range of them ("10-20", as ssh-keygen's serial: lines).
        static func serials(_ text: String, _ context: String) throws -> ClosedRange<UInt64> {
            func one(_ s: Substring) -> UInt64? {
                let t = s.trimmingCharacters(in: .whitespaces)
                if t.lowercased().hasPrefix("0x") { return t.count > 2 ? UInt64(t.dropFirst(2), radix: 16) : nil }
                return t.allSatisfy(\.isASCII) ? UInt64(t) : nil
            }
            let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let lo = one(parts[0]), let hi = parts.count == 2 ? one(parts[1]) : lo else {
                throw usage("invalid_serial", "\(context): \(text.debugDescription) is not a serial (decimal or 0x-hex, or a range N-M)")
            }
            guard lo != 0 else {
                throw usage("invalid_serial", "\(context): serial 0 cannot be revoked (it means no serial, and sshd never checks it)")
            }
            guard lo <= hi else { throw usage("invalid_serial", "\(context): the range \(text) ends before it starts") }
            return lo...hi
        }

        /// The key or certificate lines of a file: (line number, line) without comments and blanks.
        static func lines(_ path: String, what: String) throws -> [(Int, String)] {
            let text = try SSHCommand.text(path, what: what, limit: 16 << 20, trimmed: false)
            return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, raw in
                let line = raw.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
                return line.isEmpty || line.hasPrefix("#") ? nil : (i + 1, line)
            }
        }
    }
}

extension SSHCommand.KRL {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a KRL revoking certificates of a CA by serial or key ID, and public keys.",
            discussion: """
                --serial and --key-id revoke certificates signed by the --ca key; --any-ca-key-id \
                revokes a key ID whatever CA signed the certificate. --key revokes a public key (every \
                line of the file), and with it every certificate of that key; a revoked CA key revokes \
                what it signed. --spec reads ssh-keygen's KRL specification lines (serial:, id:, key:, \
                sha1:, sha256:, hash: SHA256:..., and bare public key lines). The KRL is the same bytes \
                for the same input: serials sorted and coalesced, key IDs and hashes sorted. The date is \
                now unless --date gives one.
                """)

        @Option(help: "The CA's public key file: the certificates it signed are what --serial and --key-id revoke.")
        var ca: String?

        @Option(help: "A serial (decimal or 0x-hex) or range N-M of certificates of --ca to revoke; repeatable.")
        var serial: [String] = []

        @Option(help: "A key ID of certificates of --ca to revoke; repeatable.")
        var keyId: [String] = []

        @Option(help: "A key ID to revoke in certificates of every CA; repeatable.")
        var anyCaKeyId: [String] = []

        @Option(help: "A public key file whose keys are revoked (with every certificate of them); repeatable.")
        var key: [String] = []

        @Option(help: "A file of ssh-keygen KRL specification lines; repeatable.")
        var spec: [String] = []

        @Option(help: "The KRL's version number (krl_version).")
        var version: UInt64 = 0

        @Option(help: "The generation date, Unix seconds (default: now).")
        var date: UInt64?

        @Option(help: "The KRL's comment.")
        var comment: String = ""

        @Option(name: [.customShort("o"), .customLong("out")], help: "Where to write the KRL (- for standard output).")
        var out: String

        func run() throws {
            var serials: [ClosedRange<UInt64>] = []
            var ids = keyId, anyIDs = anyCaKeyId
            var keys: [[UInt8]] = [], sha256: [[UInt8]] = [], sha1: [[UInt8]] = []
            for s in serial { serials.append(try SSHCommand.KRL.serials(s, "--serial")) }
            for path in key {
                for (n, line) in try SSHCommand.KRL.lines(path, what: "public key") { keys.append(try publicKey(line, "\(path):\(n)").blob) }
            }
            for path in spec { try read(spec: path, &serials, &ids, &keys, &sha256, &sha1) }
            if (ids + anyIDs).contains(where: \.isEmpty) {
                throw SSHCommand.KRL.usage("invalid_key_id", "an empty key ID: it would revoke every certificate without one")
            }
            var sections: [SSHKRL.CASection] = []
            if let ca {
                let caKey: SSHPublicKey
                do {
                    caKey = try SSHPublicKey(line: try SSHCommand.KRL.lines(ca, what: "CA public key").first?.1 ?? "")
                } catch let e as VouchError { throw SSHCommand.fail(e, "CA public key \(ca)") }
                sections.append(SSHKRL.CASection(caKey: caKey.blob, serials: serials, keyIDs: ids))
            } else if !serials.isEmpty || !ids.isEmpty {
                throw SSHCommand.KRL.usage("missing_ca", "--serial, --key-id and serial:/id: lines revoke certificates of one CA: give its public key with --ca (or revoke a key ID for every CA with --any-ca-key-id)")
            }
            if !anyIDs.isEmpty { sections.append(SSHKRL.CASection(caKey: nil, keyIDs: anyIDs)) }
            let now = UInt64(max(0, Date().timeIntervalSince1970))
            let krl = SSHKRL(version: version, generatedDate: date ?? now, comment: comment, certificates: sections,
                             revokedKeys: keys, revokedKeyHashes: sha256, revokedSHA1Hashes: sha1)
            let bytes: [UInt8]
            do {
                bytes = try krl.encoded()
            } catch let e as VouchError { throw SSHCommand.fail(e, "cannot build the KRL") }
            try write(bytes)
            if out != "-" { print("\(out): KRL version \(version), \(bytes.count) bytes") }
        }

        private func publicKey(_ line: String, _ context: String) throws -> SSHPublicKey {
            do {
                return try SSHPublicKey(line: line)
            } catch let e as VouchError {
                if (try? SSHCertificate(line: line)) != nil {
                    throw SSHCommand.KRL.usage("certificate_not_key", "\(context): a certificate, not a public key: revoke it by --serial or --key-id with --ca")
                }
                throw SSHCommand.fail(e, "public key \(context)")
            }
        }

        /// ssh-keygen's KRL specification (ssh-keygen(1), KEY REVOCATION LISTS).
        private func read(spec path: String, _ serials: inout [ClosedRange<UInt64>], _ ids: inout [String], _ keys: inout [[UInt8]],
                          _ sha256: inout [[UInt8]], _ sha1: inout [[UInt8]]) throws {
            let text = try SSHCommand.text(path, what: "KRL specification", limit: 16 << 20, trimmed: false)
            for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let at = "\(path):\(i + 1)"
                var line = raw.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
                if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]).trimmingCharacters(in: .whitespaces) }
                if line.isEmpty { continue }
                func value(_ keyword: String) -> String? {
                    guard line.lowercased().hasPrefix(keyword) else { return nil }
                    return String(line.dropFirst(keyword.count)).trimmingCharacters(in: .whitespaces)
                }
                if let v = value("serial:") {
                    serials.append(try SSHCommand.KRL.serials(v, at))
                } else if let v = value("id:") {
                    ids.append(v)
                } else if let v = value("hash:") {
                    guard v.hasPrefix("SHA256:"), let h = Base64.decode(v.dropFirst(7) + String(repeating: "=", count: (4 - (v.count - 7) % 4) % 4), .standard),
                          h.count == 32
                    else { throw SSHCommand.KRL.usage("invalid_spec", "\(at): hash: takes a SHA256:... fingerprint as ssh-keygen -l prints it") }
                    sha256.append(h)
                } else if let v = value("sha1:") {
                    sha1.append(SSHKRL.sha1(ofKey: try publicKey(v, at).blob))
                } else if let v = value("sha256:") {
                    sha256.append(SSHKRL.sha256(ofKey: try publicKey(v, at).blob))
                } else {
                    keys.append(try publicKey(value("key:") ?? line, at).blob)
                }
            }
        }

        /// Writes the KRL to a temporary file beside OUT and renames it into place (sshd never
        /// reads half a KRL), or to standard output.
        private func write(_ bytes: [UInt8]) throws {
            if out == "-" {
                FileHandle.standardOutput.write(Data(bytes))
                return
            }
            let tmp = out + ".tmp-\(getpid())"
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SSHCommand.KRL.usage("unwritable_file", "cannot create \(tmp): \(String(cString: strerror(errno)))") }
            let ok = bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { return false }
                    off += n
                }
                return fsync(fd) == 0
            }
            let err = errno
            close(fd)
            guard ok, rename(tmp, out) == 0 else {
                let reason = String(cString: strerror(ok ? errno : err))
                unlink(tmp)
                throw SSHCommand.KRL.usage("unwritable_file", "cannot write \(out): \(reason)")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what a KRL revokes, as `ssh-keygen -Q -l -f KRL` does.",
            discussion: """
                The listing is ssh-keygen's (a KRL specification ssh-keygen -k reads back), with one \
                difference: a revoked SHA-256 fingerprint is printed as SHA256:base64 (as ssh-keygen -l \
                prints fingerprints), where ssh-keygen prints it in hex. Skipped non-critical extensions \
                are listed as comments at the end. Exits 2 when the KRL cannot be read.
                """)

        @Argument(help: "The KRL file, or - for standard input.")
        var file: String

        func run() throws {
            let list: SSHRevocationList
            do {
                list = try SSHRevocationList(bytes: Array(try readInput(file, what: "KRL", limit: 16 << 20)))
            } catch let e as VouchError { throw SSHCommand.fail(e, "KRL \(file)") }
            print(Self.listing(list.content), terminator: "")
        }

        /// ssh-keygen's krl_dump.
        static func listing(_ krl: SSHKRL) -> String {
            var s = "# KRL version \(krl.version)\n# Generated at \(timestamp(krl.generatedDate))\n"
            if !krl.comment.isEmpty { s += "# Comment: \(escaped(krl.comment))\n" }
            s += "\n"
            for key in krl.revokedKeys { s += "hash: \(SSHKRL.fingerprint(ofKey: key)) # \(SSHKRL.keyType(ofKey: key))\n" }
            for h in krl.revokedKeyHashes { s += "hash: \(SSHKRL.fingerprint(sha256: h))\n" }
            for h in krl.revokedSHA1Hashes { s += "# hash SHA1:\(h.map { String(format: "%02x", $0) }.joined())\n" }
            for section in krl.certificates {
                s += "\n"
                if let ca = section.caKey {
                    s += "# CA key \(SSHKRL.keyType(ofKey: ca)) \(SSHKRL.fingerprint(ofKey: ca))\n"
                } else {
                    s += "# Wildcard CA\n"
                }
                for r in section.serials { s += r.lowerBound == r.upperBound ? "serial: \(r.lowerBound)\n" : "serial: \(r.lowerBound)-\(r.upperBound)\n" }
                for id in section.keyIDs { s += "id: \(escaped(id))\n" }
            }
            if !krl.skippedExtensions.isEmpty {
                s += "\n" + krl.skippedExtensions.map { "# skipped non-critical extension \(escaped($0))\n" }.joined()
            }
            return s
        }

        /// As ssh-keygen prints comments and key IDs: control characters as \ooo.
        static func escaped(_ s: String) -> String {
            var out = ""
            for u in s.unicodeScalars {
                if u.value < 0x20 || (0x7f...0x9f).contains(u.value) {
                    for b in String(u).utf8 { out += "\\" + String(b, radix: 8).leftPadded(to: 3) }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
            return out
        }

        /// "%Y%m%dT%H%M%S" in local time, as ssh-keygen prints a KRL's date.
        static func timestamp(_ t: UInt64) -> String {
            var tt = time_t(clamping: t)
            var tm = tm()
            guard localtime_r(&tt, &tm) != nil else { return "<INVALID>" }
            var buf = [CChar](repeating: 0, count: 64)
            let n = strftime(&buf, buf.count, "%Y%m%dT%H%M%S", &tm)
            return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check certificates and public keys against a KRL, as `ssh-keygen -Q -f KRL FILE...` does.",
            discussion: """
                Prints "FILE (COMMENT): ok" or "FILE (COMMENT): REVOKED" for each file (the comment of \
                its key line, or the file name when it has none), as ssh-keygen -Q. A file is read as \
                ssh-keygen reads it: its first line that is a certificate or public key, else FILE.pub. \
                Exits 0 when nothing is revoked, 1 when something is, 2 when the KRL or a file cannot \
                be read (stopping there, as ssh-keygen does). --verbose says on standard error why \
                each revoked one is.
                """)

        @Option(name: [.customShort("f"), .customLong("krl")], help: "The KRL file.")
        var krl: String

        @Flag(name: [.short, .long], help: "Say why each revoked certificate or key is revoked (standard error).")
        var verbose = false

        @Argument(help: "Certificate (-cert.pub) or public key files.")
        var files: [String]

        enum Loaded {
            case certificate(SSHCertificate)
            case key(SSHPublicKey)
        }

        func run() throws {
            let list: SSHRevocationList
            do {
                list = try SSHRevocationList(bytes: Array(try readInput(krl, what: "KRL", limit: 16 << 20)))
            } catch let e as VouchError { throw SSHCommand.fail(e, "KRL \(krl)") }
            var anyRevoked = false
            for file in files {
                guard let (loaded, comment, path) = Self.load(file) ?? Self.load(file + ".pub") else {
                    throw SSHCommand.KRL.usage("unreadable_key", "cannot load a certificate or public key from \(file)")
                }
                let revocation: SSHKRL.Revocation?
                switch loaded {
                case .certificate(let c): revocation = list.isRevoked(c)
                case .key(let k): revocation = list.isRevoked(k)
                }
                print("\(file) (\(comment ?? path)): \(revocation == nil ? "ok" : "REVOKED")")
                if let revocation {
                    anyRevoked = true
                    if verbose { warn("\(file): revoked (\(revocation.reason.rawValue)): \(revocation.message)") }
                }
            }
            if anyRevoked { throw ExitCode(1) }
        }

        /// The first line of the file that is a certificate or a public key, its comment (what
        /// follows the base64) and the path, as ssh-keygen's sshkey_load_public reads it.
        static func load(_ path: String) -> (Loaded, String?, String)? {
            guard let data = FileManager.default.contents(atPath: path), data.count <= 16 << 20 else { return nil }
            for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                if raw.isEmpty || raw.hasPrefix("#") { continue }
                let line = String(raw).trimmingCharacters(in: .init(charactersIn: "\r"))
                let fields = line.drop { $0 == " " || $0 == "\t" }.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
                guard fields.count >= 2 else { continue }
                let keyLine = fields[0] + " " + fields[1]
                let comment = fields.count == 3 ? String(fields[2]) : nil
                if let c = try? SSHCertificate(line: String(keyLine)) { return (.certificate(c), comment, path) }
                if let k = try? SSHPublicKey(line: String(keyLine)) { return (.key(k), comment, path) }
            }
            return nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
