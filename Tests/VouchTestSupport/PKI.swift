// PKI.swift (test support, shared by the test targets): test certificates and CRLs made with the real openssl CLI (`openssl ca`, so
// that validity dates, revocation and CRLs are exactly what a real CA produces).
import Foundation

public enum KeyType: String, CaseIterable, Sendable {
    case rsa2048, rsa4096, rsa1024, p256, p384, ed25519

    public var genpkeyArgs: [String] {
        switch self {
        case .rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        case .rsa4096: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"]
        case .rsa1024: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]
        case .p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        case .p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
        case .ed25519: ["-algorithm", "ed25519"]
        }
    }
}

/// Extension profiles, as an operator's openssl.cnf would have them.
public enum Profile: String, Sendable {
    case ca, caNoKU, caNotCritical, caPathLen0, notCA, client, serverOnly, clientNoSAN, clientKeyEncipherOnly

    public var section: String {
        switch self {
        case .ca:
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .caNoKU:
            "basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .caNotCritical:
            "basicConstraints=CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .caPathLen0:
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .notCA:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .client:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\nsubjectAltName=DNS:client.example.com,URI:spiffe://example.org/ns/prod/sa/api\n"
        case .serverOnly:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .clientNoSAN:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        case .clientKeyEncipherOnly:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
        }
    }
}

public struct Issued: Sendable {
    public let name: String
    public let key: KeyType
    public let dir: URL

    /// A certificate NAME.pem with its key NAME.key in `dir`.
    public init(name: String, key: KeyType, dir: URL) {
        self.name = name
        self.key = key
        self.dir = dir
    }
    public var certPath: String { dir.appendingPathComponent("\(name).pem").path }
    public var keyPath: String { dir.appendingPathComponent("\(name).key").path }
    public var caDir: URL { dir.appendingPathComponent("\(name).ca") }
    public var pem: Data { try! Data(contentsOf: URL(fileURLWithPath: certPath)) }
    public var der: Data {
        try! PKI.run(["openssl", "x509", "-in", certPath, "-outform", "DER"])
    }
}

public final class PKI: @unchecked Sendable {
    public let dir: URL
    private var serial = 0x1000

    public init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var cnf = "[req]\ndistinguished_name=dn\n[dn]\n"
        for p in [Profile.ca, .caNoKU, .caNotCritical, .caPathLen0, .notCA, .client, .serverOnly, .clientNoSAN,
                  .clientKeyEncipherOnly] {
            cnf += "[\(p.rawValue)]\n\(p.section)"
        }
        try cnf.write(to: dir.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    public static func run(_ args: [String], input: Data? = nil) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let input {
            let inp = Pipe()
            p.standardInput = inp
            try p.run()
            inp.fileHandleForWriting.write(input)
            try inp.fileHandleForWriting.close()
        } else {
            try p.run()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            throw NSError(domain: "PKI", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "\(args.joined(separator: " ")): \(String(decoding: errData, as: UTF8.self))"
            ])
        }
        return data
    }

    private func caConfig(for issuer: Issued) throws -> String {
        let d = issuer.caDir
        let cnf = d.appendingPathComponent("ca.cnf")
        if !FileManager.default.fileExists(atPath: cnf.path) {
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try "".write(to: d.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
            try "01\n".write(to: d.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
            let text = """
                [ca]
                default_ca=CA_default
                [CA_default]
                dir=\(d.path)
                database=$dir/index.txt
                new_certs_dir=$dir
                serial=$dir/serial
                crlnumber=$dir/crlnumber
                policy=pol
                unique_subject=no
                default_crl_days=30
                default_md=default
                [pol]
                commonName=supplied
                organizationName=optional
                organizationalUnitName=optional
                [req]
                distinguished_name=dn
                [dn]

                """
            try text.write(to: cnf, atomically: true, encoding: .utf8)
        }
        return cnf.path
    }

    public static func stamp(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMddHHmmss'Z'"
        return f.string(from: d)
    }

    /// Makes a key and a certificate for `subject`, signed by `issuer` (self-signed when nil).
    /// `extensions` (openssl.cnf lines) replaces the profile's; `serialHex` the next serial.
    public func make(
        _ name: String, subject: String? = nil, key: KeyType = .p256, issuer: Issued? = nil,
        profile: Profile = .ca, extensions: String? = nil, serialHex: String? = nil,
        from: Date = Date(timeIntervalSinceNow: -86400),
        to: Date = Date(timeIntervalSinceNow: 365 * 86400), md: String? = nil, reuseKeyOf: Issued? = nil
    ) throws -> Issued {
        let out = Issued(name: name, key: reuseKeyOf?.key ?? key, dir: dir)
        if let reuse = reuseKeyOf {
            try FileManager.default.copyItem(atPath: reuse.keyPath, toPath: out.keyPath)
        } else {
            try PKI.run(["openssl", "genpkey"] + key.genpkeyArgs + ["-out", out.keyPath])
        }
        let csr = dir.appendingPathComponent("\(name).csr").path
        try PKI.run([
            "openssl", "req", "-config", dir.appendingPathComponent("ext.cnf").path, "-new", "-key", out.keyPath,
            "-subj", subject ?? "/CN=\(name)", "-out", csr,
        ])
        let signer = issuer ?? out
        let cnf = try caConfig(for: signer)
        serial += 1
        try "\(serialHex ?? String(serial, radix: 16))\n".write(
            to: signer.caDir.appendingPathComponent("serial"), atomically: true, encoding: .utf8)
        var extfile = dir.appendingPathComponent("ext.cnf").path, section = profile.rawValue
        if let extensions {
            extfile = dir.appendingPathComponent("\(name).ext.cnf").path
            section = "custom"
            try "[custom]\n\(extensions)\n".write(toFile: extfile, atomically: true, encoding: .utf8)
        }
        var args = [
            "openssl", "ca", "-batch", "-config", cnf, "-in", csr, "-out", out.certPath, "-notext", "-preserveDN",
            "-startdate", PKI.stamp(from), "-enddate", PKI.stamp(to), "-keyfile", signer.keyPath,
            "-extfile", extfile, "-extensions", section,
        ]
        if issuer == nil { args += ["-selfsign"] } else { args += ["-cert", signer.certPath] }
        if let md { args += ["-md", md] } else if signer.key != .ed25519 { args += ["-md", "sha256"] }
        try PKI.run(args)
        return out
    }

    /// Revokes `cert` in its issuer's database.
    public func revoke(_ cert: Issued, by issuer: Issued) throws {
        try PKI.run([
            "openssl", "ca", "-config", try caConfig(for: issuer), "-keyfile", issuer.keyPath, "-cert", issuer.certPath,
            "-revoke", cert.certPath,
        ])
    }

    /// The issuer's current CRL, PEM.
    public func crl(of issuer: Issued) throws -> Data {
        let s = issuer
        let path = dir.appendingPathComponent("\(issuer.name)-\(UUID().uuidString).crl").path
        var args = [
            "openssl", "ca", "-config", try caConfig(for: issuer), "-keyfile", s.keyPath, "-cert", issuer.certPath,
            "-gencrl", "-out", path,
        ]
        if s.key != .ed25519 { args += ["-md", "sha256"] }
        try PKI.run(args)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    public func write(_ data: Data, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// openssl.cnf extension lines for tests that need their own.
public enum ExtensionLines {
    public static let ca = """
        basicConstraints=critical,CA:TRUE
        keyUsage=critical,keyCertSign,cRLSign
        subjectKeyIdentifier=hash
        authorityKeyIdentifier=keyid:always
        """

    public static func client(san: String) -> String {
        """
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=clientAuth
        subjectKeyIdentifier=hash
        authorityKeyIdentifier=keyid:always
        subjectAltName=\(san)
        """
    }
}
