// NamePolicy.swift: which client certificates an identity or cert role accepts by name:
// allowed common names, DNS / email / URI SANs and organizational units, as glob lists
// (Vault's allowed_* semantics: each non-empty list needs one pattern to match one of
// the certificate's values of that kind).
import Foundation
import VouchCore

public struct NamePolicy: Codable, Sendable, Equatable {
    public var allowedNames: [String] = []        // Vault's deprecated allowed_names: CN, DNS and email SANs
    public var allowedCommonNames: [String] = []
    public var allowedDNSSANs: [String] = []
    public var allowedEmailSANs: [String] = []
    public var allowedURISANs: [String] = []
    public var allowedOrganizationalUnits: [String] = []

    public init() {}

    /// nil when the names pass, else which constraint they fail (for the audit log).
    public func refusal(_ n: CertificateNames) -> String? {
        func check(_ patterns: [String], _ values: [String], _ what: String) -> String? {
            Glob.anyMatch(patterns.map { Glob($0) }, values)
                ? nil : "\(what) \(values.isEmpty ? "(none)" : values.joined(separator: ", ")) not in the allowed list"
        }
        return check(allowedNames, n.commonNames + n.dnsNames + n.emailAddresses, "names")
            ?? check(allowedCommonNames, n.commonNames, "common name")
            ?? check(allowedDNSSANs, n.dnsNames, "DNS SANs")
            ?? check(allowedEmailSANs, n.emailAddresses, "email SANs")
            ?? check(allowedURISANs, n.uris, "URI SANs")
            ?? check(allowedOrganizationalUnits, n.organizationalUnits, "organizational units")
    }

    /// Splits a comma list ("a, b,c") or takes an array, trimming and dropping empties.
    public static func list(_ items: [String]) -> [String] {
        items.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
