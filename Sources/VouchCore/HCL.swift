// HCL.swift: the HCL (version 1) subset Vault policies are written in, read by the C core
// (hcl.c) into the same JSONValue a JSON document gives: blocks `path "x" { ... }` become
// {"path": {"x": {...}}}, and a block repeated with the same labels becomes a list of its
// bodies in document order. See vouch_hcl.h for the grammar and every refusal.
import CVouch

public enum HCL {
    /// Converts exactly `bytes`, an HCL document, to a JSON object. Throws a VouchError
    /// whose message names the line and column ("line 3, column 14: unterminated string"),
    /// or `input_too_large` past `maxBytes`. `maxDepth` (1...256) bounds the JSON's nesting;
    /// a block's body counts one level more than it shows, for the list repeats make.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 32, maxBytes: Int = 1 << 20) throws -> JSONValue {
        let data = Array(bytes)
        var root: UnsafeMutablePointer<json_t>?
        try checked { diag in
            data.withUnsafeBufferPointer { vouch_hcl_to_json($0.baseAddress, $0.count, maxDepth, maxBytes, &root, diag) }
        }
        defer { vouch_json_release(root) }
        return JSONValue.convert(root!)
    }
}
