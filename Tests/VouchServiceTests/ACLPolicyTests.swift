// ACLPolicyTests.swift: Vault ACL policies: parsing (HCL and JSON, the legacy form, every
// refusal), names, and the ACL's decisions (merging, priority, root, list and sudo),
// cross-checked against the cases of Vault's own vault/acl_test.go.
import VouchService
import XCTest

final class ACLPolicyTests: XCTestCase {
    private func policy(_ text: String, name: String = "test") throws -> ACLPolicy { try ACLPolicy(name: name, text: text) }

    private func acl(_ texts: String...) throws -> ACL {
        try ACL(texts.enumerated().map { try policy($0.element, name: "p\($0.offset)") })
    }

    /// The error's code and message, for refusals.
    private func refusal(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ServiceError? {
        do {
            try body()
            XCTFail("not refused", file: file, line: line)
        } catch let e as ServiceError {
            return e
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: parsing

    func testHCLAndJSONFormsGiveTheSameRules() throws {
        let hcl = """
            # Grant 'create', 'read' , 'update', and ‘list’ permission
            # to paths prefixed by 'secret/*'
            path "secret/*" {
              capabilities = [ "create", "read", "update", "patch", "delete", "list" ]
            }

            // Even though we allowed secret/*, this line explicitly denies
            // secret/super-secret. This takes precedence.
            path "secret/super-secret" {
              capabilities = ["deny"]
            }

            /* Root-protected paths need sudo */
            path "sys/audit" { capabilities = ["read", "sudo"] }
            """
        let json = """
            {
              "path": {
                "secret/*": {
                  "capabilities": ["create", "read", "update", "patch", "delete", "list"]
                },
                "secret/super-secret": {
                  "capabilities": ["deny"]
                },
                "sys/audit": {"capabilities": ["read", "sudo"]}
              }
            }
            """
        let a = try policy(hcl), b = try policy("  \n" + json)
        XCTAssertEqual(a.rules, b.rules)
        XCTAssertEqual(a.rules.map(\.path), ["secret/*", "secret/super-secret", "sys/audit"])
        XCTAssertEqual(a.rules[0].capabilities, [.create, .read, .update, .patch, .delete, .list])
        XCTAssertEqual(a.rules[1].capabilities, .deny)
        XCTAssertEqual(a.rules.map(\.kind), [.prefix, .exact, .exact])
        XCTAssertEqual(a.text, hcl)
    }

    func testJSONFormWithListsAndName() throws {
        let p = try policy(
            #"{"name": "ignored", "path": [{"a": {"capabilities": ["read"]}}, {"a": [{"capabilities": ["list"]}, {"policy": "deny"}]}]}"#
        )
        XCTAssertEqual(p.name, "test", "the API's name counts, not the document's")
        XCTAssertEqual(p.rules, [.init(path: "a", capabilities: .read), .init(path: "a", capabilities: .list), .init(path: "a", capabilities: .deny)])
    }

    func testHeredocAndCommentsInAPolicy() throws {
        let p = try policy(
            """
            name = "webapp"
            path "secret/data/webapp/*" {
              capabilities = ["read"]
              comment = <<-EOT
                Read-only, for the web servers.
                EOT
            }
            """)
        XCTAssertEqual(p.rules, [.init(path: "secret/data/webapp/*", capabilities: .read)])
    }

    func testLegacyPolicyFormMapsAsVaultDoes() throws {
        let p = try policy(
            """
            path "r" { policy = "read" }
            path "w" { policy = "write" }
            path "s" { policy = "sudo" }
            path "d" { policy = "deny" }
            path "mixed" {
              policy = "read"
              capabilities = ["update", "sudo"]
            }
            path "denied" {
              policy = "deny"
              # This has no effect
              capabilities = ["read", "update", "sudo"]
            }
            """)
        XCTAssertEqual(
            p.rules.map(\.capabilities),
            [
                [.read, .list], [.read, .list, .create, .update, .delete], [.read, .list, .create, .update, .delete, .sudo],
                .deny, [.read, .list, .update, .sudo], .deny,
            ])
    }

    func testDenyInARuleIsTheWholeRule() throws {
        let p = try policy(#"path "x" { capabilities = ["read", "deny", "list"] }"#)
        XCTAssertEqual(p.rules[0].capabilities, .deny)
        XCTAssertFalse(ACL([p]).allows("x", .read).allowed)
    }

    func testPatternKindsAndLeadingSlash() throws {
        let p = try policy(
            """
            path "/secret/exact" { capabilities = ["read"] }
            path "secret/prefix*" { capabilities = ["read"] }
            path "secret/+/seg" { capabilities = ["read"] }
            path "+" { capabilities = ["read"] }
            path "+/x/*" { capabilities = ["read"] }
            path "a/+b" { capabilities = ["read"] }
            path "c++/lib" { capabilities = ["read"] }
            path "" { capabilities = [] }
            """)
        XCTAssertEqual(p.rules.map(\.path), ["secret/exact", "secret/prefix*", "secret/+/seg", "+", "+/x/*", "a/+b", "c++/lib", ""])
        XCTAssertEqual(p.rules.map(\.kind), [.exact, .prefix, .segments, .segments, .segments, .segments, .exact, .exact])
    }

    func testEmptyPolicies() throws {
        XCTAssertEqual(try policy("").rules, [])
        XCTAssertEqual(try policy("# nothing yet\n").rules, [])
        XCTAssertEqual(try policy("{}").rules, [])
        XCTAssertEqual(try policy(#"path "a" {}"#).rules, [.init(path: "a", capabilities: [])])
        XCTAssertFalse(ACL([try policy("")]).allows("anything", .read).allowed)
    }

    func testEveryParserRefusal() {
        func refused(_ text: String, _ mention: String, code: String = "invalid_policy", file: StaticString = #filePath, line: UInt = #line) {
            guard let e = refusal({ _ = try policy(text) }, file: file, line: line) else { return }
            XCTAssertEqual(e.code, code, text, file: file, line: line)
            XCTAssertEqual(e.kind, code == "policy_too_large" ? .tooLarge : .badRequest, file: file, line: line)
            XCTAssertTrue(e.message.contains(mention), "\(text): \(e.message)", file: file, line: line)
        }
        // syntax, with the line and column
        refused("path \"secret/*\" {\n  capabilities = [\"read]\n}", "line 2, column 19: unterminated string")
        refused(#"path "a\q" {}"#, "line 1, column 8: bad escape")
        refused("path \"a\" { capabilities = [] }\npath \"b\" { capabilities = [], capabilities = [] }", "line 2, column 31: duplicate key")
        refused("path \"a\" {", "'{' never closed")
        refused("path \"a\" { x = " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + " }", "nested deeper than 32")
        refused("path \"a\" { comment = \"\0\" }", "NUL byte")
        refused("path \"a\" { capabilities = [\"read\"] } /* never closed", "unterminated comment")
        refused("path \"a\" { comment = <<EOF\nnever closed\n}", "unterminated heredoc")
        refused(#"{"path": {"a": {}}, "path": {}}"#, "JSON: ")
        refused(#"{"path": "#, "JSON: ")
        refused(String(repeating: " ", count: ACLPolicy.maxBytes + 1), "at most", code: "policy_too_large")
        // what the rules hold
        refused(#"path "a" { capabilities = ["read", "write"] }"#, #"path "a": invalid capability "write""#)
        refused(#"path "a" { capabilities = ["root"] }"#, #"invalid capability "root""#)
        refused(#"path "a" { capabilities = ["recover"] }"#, #"capability "recover" is not supported"#)
        refused(#"path "a" { capabilities = ["subscribe"] }"#, #"capability "subscribe" is not supported"#)
        refused(#"path "a" { capabilities = "read" }"#, "capabilities must be a list of strings")
        refused(#"path "a" { capabilities = [1] }"#, "capabilities must be a list of strings")
        refused(#"path "a" { policy = "admin" }"#, #"invalid policy "admin""#)
        refused(#"path "a" { policy = ["read"] }"#, "policy must be a string")
        refused(#"path "a" { comment = 1 }"#, "comment must be a string")
        refused(#"path "a" { capabilities = ["read"], capabilites = ["list"] }"#, #"unknown key "capabilites""#)
        for key in [
            "allowed_parameters", "denied_parameters", "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl",
            "control_group", "mfa_methods", "subscribe_event_types",
        ] {
            refused("path \"a\" {\n  capabilities = [\"create\"]\n  \(key) = {}\n}", #"path "a": "\#(key)" is not supported"#)
        }
        refused(#"{"path": {"a": {"allowed_parameters": {"*": []}}}}"#, #""allowed_parameters" is not supported"#)
        refused(#"path "secret/*/config" { capabilities = ["read"] }"#, "'*' may only end a path")
        refused(#"path "secret/**" { capabilities = ["read"] }"#, "'*' may only end a path")
        refused(#"path "secret/+*" { capabilities = ["read"] }"#, "('+*' is forbidden)")
        refused(#"path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }"#, "templated policy paths are not supported")
        refused(#"path "a" "b" { capabilities = ["read"] }"#, #"path "a": unknown key "b""#)
        refused(#"path "a" { capabilities = ["read"] } paths "b" {}"#, #"unknown key "paths" at the top"#)
        refused(#"path = "a""#, "\"path\" must map path patterns to rules")
        refused(#"path "a" = 1"#, "expected '{' after the labels of \"path\", found '='")
        refused(#"name = 1"#, "\"name\" must be a string")
        refused("[]", "expected a key")
        refused(#"{"path": {"a": 1}}"#, #"path "a": a rule must be an object"#)
        refused(#"{"path": {"a": [1]}}"#, #"path "a": a rule must be an object"#)
        refused(#"{"path": [1]}"#, "\"path\" must map path patterns to rules")
    }

    // MARK: names

    func testNames() throws {
        XCTAssertEqual(ACLPolicy.normalizedName("  Dev-Ops \n"), "dev-ops")
        XCTAssertEqual(try ACLPolicy.validatedName("KV_admin.v2@team:x+y"), "kv_admin.v2@team:x+y")
        XCTAssertEqual(try policy("", name: " OpS ").name, "ops")
        for bad in ["", "   ", "a/b", "a b", "é", "a?", String(repeating: "a", count: 129)] {
            XCTAssertEqual(refusal { _ = try ACLPolicy.validatedName(bad) }?.code, "invalid_policy_name", bad)
        }
        XCTAssertEqual(try ACLPolicy.checkWritable("Default"), "default", "default may be changed")
        XCTAssertEqual(try ACLPolicy.checkDeletable("app"), "app")
        for name in ["root", " ROOT", "response-wrapping", "control-group"] {
            XCTAssertEqual(refusal { _ = try ACLPolicy.checkWritable(name) }?.message.hasPrefix("cannot update"), true, name)
            XCTAssertEqual(refusal { _ = try ACLPolicy.checkDeletable(name) }?.code, "immutable_policy", name)
        }
        XCTAssertEqual(refusal { _ = try ACLPolicy.checkDeletable("DEFAULT") }?.message, "cannot delete default policy")
        XCTAssertEqual(refusal { _ = try policy("", name: "Root") }?.message, #"cannot update "root" policy"#)
        XCTAssertEqual(refusal { _ = try policy("", name: "a/b") }?.code, "invalid_policy_name")
        XCTAssertTrue(ACLPolicy.root.isRoot)
    }

    func testDefaultPolicyParses() throws {
        let p = try ACLPolicy(name: ACLPolicy.defaultName, text: ACLPolicy.defaultPolicyText)
        let acl = ACL([p])
        XCTAssertTrue(acl.allows("auth/token/lookup-self", .read).allowed)
        XCTAssertTrue(acl.allows("sys/capabilities-self", .update).allowed)
        XCTAssertTrue(acl.allows("cubbyhole/mine", .create).allowed)
        XCTAssertFalse(acl.allows("auth/token/create", .update).allowed)
        XCTAssertFalse(acl.allows("secret/data/x", .read).allowed)
    }

    // MARK: the ACL

    func testRootAllowsEverything() throws {
        let acl = ACL([try policy(#"path "*" { capabilities = ["deny"] }"#), .root])
        XCTAssertTrue(acl.isRoot)
        let d = acl.allows("/sys/anything", .delete, sudo: true)
        XCTAssertTrue(d.allowed)
        XCTAssertTrue(d.isRoot)
        XCTAssertEqual(d.path, "sys/anything")
        XCTAssertEqual(acl.capabilities("any/path"), ["root"])
        XCTAssertTrue(ACL.root.allows("x", .sudo).allowed)
        XCTAssertTrue(ACL(policyNames: ["default", "Root"]) { _ in nil }.isRoot)
    }

    func testNoPoliciesAllowsNothing() {
        let acl = ACL([])
        let d = acl.allows("secret/x", .read)
        XCTAssertFalse(d.allowed)
        XCTAssertNil(d.pattern)
        XCTAssertEqual(d.message, #"permission denied: path "secret/x" needs capability "read""#)
        XCTAssertEqual(d.detail, #"no rule matches path "secret/x""#)
        XCTAssertEqual(acl.capabilities("secret/x"), ["deny"])
    }

    func testDecisionNamesTheRuleAndPolicies() throws {
        let acl = ACL([
            try policy(#"path "secret/*" { capabilities = ["list"] }"#, name: "app"),
            try policy(#"path "secret/*" { capabilities = ["read"] } path "secret/x" { capabilities = ["deny"] }"#, name: "ops"),
        ])
        let d = acl.allows("secret/y", .read)
        XCTAssertTrue(d.allowed)
        XCTAssertEqual(d.pattern, "secret/*")
        XCTAssertEqual(d.policies, ["app", "ops"])
        XCTAssertEqual(d.granted, [.list, .read])
        XCTAssertEqual(d.detail, "rule \"secret/*\" of policies app, ops grants [list, read]")
        let u = acl.allows("secret/y", .update)
        XCTAssertFalse(u.allowed)
        XCTAssertEqual(u.message, #"permission denied: path "secret/y" needs capability "update""#)
        XCTAssertEqual(u.error.kind, .forbidden)
        XCTAssertEqual(u.error.code, "permission_denied")
        let x = acl.allows("secret/x", .read)
        XCTAssertFalse(x.allowed)
        XCTAssertEqual(x.detail, "rule \"secret/x\" of policy ops denies")
        let s = acl.allows("secret/y", .read, sudo: true)
        XCTAssertFalse(s.allowed)
        XCTAssertEqual(s.message, #"permission denied: path "secret/y" needs capabilities "read" and "sudo""#)
    }

    func testMergingAcrossPoliciesAndRepeatedBlocks() throws {
        let acl = try self.acl(
            #"path "kv/a" { capabilities = ["read"] } path "kv/a" { capabilities = ["update"] }"#,
            #"path "kv/a" { capabilities = ["list"] } path "kv/b" { capabilities = ["deny"] }"#,
            #"path "kv/b" { capabilities = ["read", "sudo"] } path "kv/c*" { capabilities = ["read"] }"#,
            #"path "kv/c*" { capabilities = ["deny"] } path "kv/+/d" { capabilities = ["read"] }"#,
            #"path "kv/+/d" { capabilities = ["create"] }"#)
        XCTAssertEqual(acl.capabilities("kv/a"), ["list", "read", "update"], "union")
        XCTAssertEqual(acl.capabilities("kv/b"), ["deny"], "a deny in one policy wins over a grant in a later one")
        XCTAssertEqual(acl.capabilities("kv/cx"), ["deny"], "and over an earlier one")
        XCTAssertEqual(acl.capabilities("kv/x/d"), ["create", "read"], "segment patterns merge too")
        XCTAssertEqual(acl.allows("kv/b", .read).policies, ["p1"])
    }

    func testLessSpecificDenyDoesNotOverrideMoreSpecificAllow() throws {
        let acl = try self.acl(
            #"path "secret/*" { capabilities = ["deny"] }"#,
            #"path "secret/app/*" { capabilities = ["read"] } path "secret/app/config" { capabilities = ["read"] }"#)
        XCTAssertTrue(acl.allows("secret/app/config", .read).allowed, "exact beats prefix")
        XCTAssertTrue(acl.allows("secret/app/other", .read).allowed, "longer prefix beats shorter")
        XCTAssertFalse(acl.allows("secret/other", .read).allowed)
        // and a more specific deny does override a less specific allow
        let b = try self.acl(#"path "secret/*" { capabilities = ["read"] } path "secret/super-secret" { capabilities = ["deny"] }"#)
        XCTAssertFalse(b.allows("secret/super-secret", .read).allowed)
        XCTAssertTrue(b.allows("secret/super-secretish", .read).allowed)
    }

    func testOnlyTheDecidingRuleCounts() throws {
        // the exact rule grants list only: read is not taken from the matching prefix rule
        let acl = try self.acl(#"path "secret/*" { capabilities = ["read"] } path "secret/a" { capabilities = ["list"] }"#)
        XCTAssertFalse(acl.allows("secret/a", .read).allowed)
        XCTAssertEqual(acl.allows("secret/a", .read).pattern, "secret/a")
        // an empty rule matches and grants nothing
        let empty = try self.acl(#"path "secret/*" { capabilities = ["read"] } path "secret/a" { capabilities = [] }"#)
        XCTAssertFalse(empty.allows("secret/a", .read).allowed)
        XCTAssertEqual(empty.capabilities("secret/a"), ["deny"])
    }

    func testExactAndPrefixOfTheSameStemAreTwoRules() throws {
        let acl = try self.acl(#"path "secret/foo" { capabilities = ["read"] } path "secret/foo*" { capabilities = ["list"] }"#)
        XCTAssertEqual(acl.capabilities("secret/foo"), ["read"])
        XCTAssertEqual(acl.capabilities("secret/foobar"), ["list"])
        XCTAssertEqual(acl.capabilities("secret/fo"), ["deny"])
    }

    func testPrefixAndPlus() throws {
        let acl = try self.acl(
            """
            path "secret/+/teamb" { capabilities = ["read"] }
            path "secret/+/+/config/*" { capabilities = ["list"] }
            path "*" { capabilities = ["patch"] }
            """)
        XCTAssertTrue(acl.allows("secret/a/teamb", .read).allowed)
        XCTAssertTrue(acl.allows("secret//teamb", .read).allowed, "+ matches an empty segment, as in Vault")
        XCTAssertFalse(acl.allows("secret/a/b/teamb", .read).allowed, "+ is exactly one segment")
        XCTAssertFalse(acl.allows("secret/teamb", .read).allowed)
        XCTAssertTrue(acl.allows("secret/a/b/config/x/y", .list).allowed)
        XCTAssertFalse(acl.allows("secret/a/b/config", .list).allowed, "config/* needs something after config/")
        XCTAssertTrue(acl.allows("anything/else", .patch).allowed, "* alone is a prefix of everything")
        XCTAssertTrue(acl.allows("", .patch).allowed)
    }

    func testListChecksThePathWithoutItsTrailingSlashFirst() throws {
        let acl = try self.acl(
            """
            path "secret/metadata/app" { capabilities = ["list"] }
            path "kv/dir*" { capabilities = ["list"] }
            path "kv/dir/*" { capabilities = ["read"] }
            """)
        XCTAssertTrue(acl.allows("secret/metadata/app/", .list).allowed, "exact rule on the path less its slash")
        XCTAssertFalse(acl.allows("secret/metadata/app/", .read).allowed, "only for list")
        XCTAssertTrue(acl.allows("kv/dir/", .list).allowed, "kv/dir matches kv/dir* before kv/dir/ matches kv/dir/*")
        XCTAssertTrue(acl.allows("kv/dir/", .read).allowed)
        XCTAssertEqual(acl.capabilities("kv/dir/"), ["list"], "capabilities look up as a list does")
    }

    func testPathsCompareAsBytes() throws {
        let acl = try self.acl(#"path "secret/caf\u00e9" { capabilities = ["read"] }"#)
        XCTAssertTrue(acl.allows("secret/caf\u{e9}", .read).allowed)
        XCTAssertFalse(acl.allows("secret/cafe\u{301}", .read).allowed, "canonically equal, different bytes")
    }

    func testSudo() throws {
        let acl = try self.acl(#"path "sys/audit*" { capabilities = ["read", "sudo"] } path "sys/mounts" { capabilities = ["read"] }"#)
        XCTAssertTrue(acl.allows("sys/audit", .read, sudo: true).allowed)
        XCTAssertFalse(acl.allows("sys/mounts", .read, sudo: true).allowed)
        XCTAssertTrue(acl.allows("sys/mounts", .read).allowed)
        XCTAssertFalse(acl.allows("sys/audit", .deny).allowed, "deny is never a grant")
    }

    func testPolicyNamesLookup() throws {
        let store = ["app": try policy(#"path "a" { capabilities = ["read"] }"#, name: "app")]
        let acl = ACL(policyNames: ["APP", "missing"]) { store[$0] }
        XCTAssertFalse(acl.isRoot)
        XCTAssertEqual(acl.policyNames, ["app"])
        XCTAssertTrue(acl.allows("a", .read).allowed)
    }

    // MARK: Vault's vault/acl_test.go cases

    /// Vault's aclPolicy test fixture (its `recover` capability left out: Vouch has none).
    private let vaultPolicy = """
        name = "DeV"
        path "dev/*" {
        	policy = "sudo"
        }
        path "stage/*" {
        	policy = "write"
        }
        path "stage/aws/*" {
        	policy = "read"
        	capabilities = ["update", "sudo"]
        }
        path "stage/aws/policy/*" {
        	policy = "sudo"
        }
        path "prod/*" {
        	policy = "read"
        }
        path "prod/aws/*" {
        	policy = "deny"
        }
        path "sys/*" {
        	policy = "deny"
        }
        path "foo/bar" {
        	capabilities = ["read", "create", "sudo"]
        }
        path "baz/quux" {
        	capabilities = ["read", "create", "patch"]
        }
        path "test/+/segment" {
        	capabilities = ["read"]
        }
        path "+/segment/at/front" {
        	capabilities = ["read"]
        }
        path "test/segment/at/end/+" {
        	capabilities = ["read"]
        }
        path "test/segment/at/end/v2/+/" {
        	capabilities = ["read"]
        }
        path "test/+/wildcard/+/*" {
        	capabilities = ["read"]
        }
        path "test/+/wildcardglob/+/end*" {
        	capabilities = ["read"]
        }
        path "1/2/*" {
        	capabilities = ["create"]
        }
        path "1/2/+" {
        	capabilities = ["read"]
        }
        path "1/2/+/+" {
        	capabilities = ["update"]
        }
        """

    private let vaultPolicy2 = """
        name = "OpS"
        path "dev/hide/*" {
        	policy = "deny"
        }
        path "stage/aws/policy/*" {
        	policy = "deny"
        	# This should have no effect
        	capabilities = ["read", "update", "sudo"]
        }
        path "prod/*" {
        	policy = "write"
        }
        path "sys/seal" {
        	policy = "sudo"
        }
        path "foo/bar" {
        	capabilities = ["deny"]
        }
        path "baz/quux" {
        	capabilities = ["deny"]
        }
        """

    /// (capability, path, allowed, the deciding rule holds sudo)
    private func check(_ acl: ACL, _ cases: [(Capability, String, Bool, Bool)], file: StaticString = #filePath, line: UInt = #line) {
        for (cap, path, allowed, sudo) in cases {
            let d = acl.allows(path, cap)
            XCTAssertEqual(d.allowed, allowed, "\(cap) \(path): \(d)", file: file, line: line)
            XCTAssertEqual(d.granted.contains(.sudo), sudo, "sudo on \(path): \(d)", file: file, line: line)
        }
    }

    func testVaultSingle() throws {
        let acl = ACL([try policy(vaultPolicy, name: "dev")])
        check(
            acl,
            [
                (.read, "root", false, false),
                (.read, "dev/foo", true, true), (.update, "dev/foo", true, true),
                (.delete, "stage/foo", true, false), (.list, "stage/aws/foo", true, true),
                (.update, "stage/aws/foo", true, true), (.update, "stage/aws/policy/foo", true, true),
                (.delete, "prod/foo", false, false), (.update, "prod/foo", false, false),
                (.read, "prod/foo", true, false), (.list, "prod/foo", true, false), (.read, "prod/aws/foo", false, false),
                (.read, "foo/bar", true, true), (.list, "foo/bar", false, true), (.update, "foo/bar", false, true),
                (.create, "foo/bar", true, true),
                (.read, "baz/quux", true, false), (.create, "baz/quux", true, false), (.patch, "baz/quux", true, false),
                (.list, "baz/quux", false, false), (.update, "baz/quux", false, false),
                // segment wildcards
                (.read, "test/foo/bar/segment", false, false), (.read, "test/foo/segment", true, false),
                (.read, "test/bar/segment", true, false), (.read, "test/segment/at/frond", false, false),
                (.read, "test/segment/at/front", true, false), (.read, "test/segment/at/end/foo", true, false),
                (.read, "test/segment/at/end/foo/", false, false), (.read, "test/segment/at/end/v2/foo/", true, false),
                (.read, "test/segment/wildcard/at/foo/", true, false), (.read, "test/segment/wildcard/at/end", true, false),
                (.read, "test/segment/wildcard/at/end/", true, false),
                // segment wildcards against a glob
                (.read, "1/2/3/4", false, false), (.read, "1/2/3", true, false), (.update, "1/2/3", false, false),
                (.update, "1/2/3/4", true, false), (.create, "1/2/3/4/5", true, false),
            ])
        XCTAssertEqual(acl.capabilities("dev"), ["deny"])
        XCTAssertEqual(acl.capabilities("dev/"), ["create", "delete", "list", "read", "sudo", "update"])
        XCTAssertEqual(acl.capabilities("stage/aws/test"), ["list", "read", "sudo", "update"])
    }

    func testVaultLayered() throws {
        let acl = ACL([try policy(vaultPolicy, name: "dev"), try policy(vaultPolicy2, name: "ops")])
        check(
            acl,
            [
                (.read, "root", false, false),
                (.read, "dev/foo", true, true), (.update, "dev/foo", true, true),
                (.read, "dev/hide/foo", false, false), (.update, "dev/hide/foo", false, false),
                (.delete, "stage/foo", true, false), (.list, "stage/aws/foo", true, true),
                (.update, "stage/aws/foo", true, true), (.update, "stage/aws/policy/foo", false, false),
                (.delete, "prod/foo", true, false), (.update, "prod/foo", true, false), (.read, "prod/foo", true, false),
                (.list, "prod/foo", true, false), (.read, "prod/aws/foo", false, false),
                (.read, "sys/status", false, false), (.update, "sys/seal", true, true),
                (.read, "foo/bar", false, false), (.list, "foo/bar", false, false), (.update, "foo/bar", false, false),
                (.create, "foo/bar", false, false),
                (.read, "baz/quux", false, false), (.list, "baz/quux", false, false), (.update, "baz/quux", false, false),
                (.create, "baz/quux", false, false), (.patch, "baz/quux", false, false),
            ])
    }

    /// Each policy has a read rule and an update rule; the update rule is the more specific.
    func testVaultSegmentWildcardPriority() throws {
        let cases: [(String, String, String)] = [
            // '*' wins: first wildcard at 0 for both, no '+' segments
            ("+/*", "*", "foo/bar/bar/baz"),
            // the later first wildcard wins
            ("+/*", "foo/+/*", "foo/bar/bar/baz"),
            // fewer '+' segments win
            ("foo/+/+/*", "foo/+/bar/baz", "foo/bar/bar/baz"),
            ("foo/+/+/baz", "foo/+/bar/baz", "foo/bar/bar/baz"),
            // the later first wildcard wins, whatever the bytes ('(' sorts before '+')
            ("foo/+/(ar/baz", "foo/(ar/+/baz", "foo/(ar/(ar/baz"),
            // no trailing '*' beats a trailing '*'
            ("foo/bar/+/baz*", "foo/bar/+/baz", "foo/bar/bar/baz"),
            // the longer pattern wins
            ("foo/bar/+/b*", "foo/bar/+/ba*", "foo/bar/bar/baz"),
        ]
        for (readRule, updateRule, path) in cases {
            for order in [[readRule, updateRule], [updateRule, readRule]] {
                let text = order.map { "path \"\($0)\" { capabilities = [\"\($0 == readRule ? "read" : "update")\"] }" }
                    .joined(separator: "\n")
                let acl = try self.acl(text)
                XCTAssertTrue(acl.allows(path, .update).allowed, "\(text) on \(path)")
                XCTAssertFalse(acl.allows(path, .read).allowed, "\(text) on \(path)")
                XCTAssertEqual(acl.allows(path, .read).pattern, updateRule)
            }
        }
    }

    func testVaultGrantingPolicies() throws {
        let granting = try policy(
            """
            path "kv/foo" { capabilities = ["update", "read"] }
            path "kv/path/*" { capabilities = ["read"] }
            path "kv/path/longer" { capabilities = ["update", "read"] }
            path "kv/deny" { capabilities = ["deny"] }
            """, name: "granting_policy")
        let merged = try policy(
            """
            path "kv/foo" { capabilities = ["update", "read"] }
            path "kv/bar" { capabilities = ["update", "read"] }
            path "kv/path/*" { capabilities = ["read"] }
            path "kv/path/longer3" { capabilities = ["read"] }
            path "kv/deny" { capabilities = ["update"] }
            """, name: "granting_policy_merged")
        let one = ACL([granting]), both = ACL([granting, merged])
        XCTAssertEqual(one.allows("kv/foo", .read).policies, ["granting_policy"])
        XCTAssertFalse(one.allows("kv/bad", .read).allowed)
        XCTAssertFalse(one.allows("kv/deny", .read).allowed)
        XCTAssertTrue(one.allows("kv/path/longer", .read).allowed)
        XCTAssertEqual(both.allows("kv/foo", .read).policies, ["granting_policy", "granting_policy_merged"])
        XCTAssertEqual(both.allows("kv/path/longer3", .read).policies, ["granting_policy_merged"])
        XCTAssertEqual(both.allows("kv/bar", .read).policies, ["granting_policy_merged"])
        XCTAssertFalse(both.allows("kv/deny", .read).allowed)
        XCTAssertFalse(both.allows("kv/deny", .update).allowed)
        XCTAssertTrue(both.allows("kv/path/longer", .update).allowed)
        XCTAssertEqual(both.allows("kv/path/foo", .read).policies, ["granting_policy", "granting_policy_merged"])
    }

    /// Random patterns and paths: the ACL (indexes, longest prefix by length, buckets of
    /// segment patterns) decides as a plain transcription of Vault's algorithm that tries
    /// every rule.
    func testAgreesWithAPlainTranscriptionOfVaultsAlgorithm() throws {
        var rng = SplitMix(seed: 20_261_128)
        let words = ["a", "b", "ab", "abc", "", "+"]
        for round in 0..<300 {
            var patterns: [String] = []
            for _ in 0..<rng.below(12) + 1 {
                var p = (0..<rng.below(4) + 1).map { _ in words[rng.below(words.count)] }.joined(separator: "/")
                if rng.below(3) == 0 { p += "*" }
                if p.contains("+*") || patterns.contains(p) { continue }
                patterns.append(p)
            }
            let text = patterns.map { "path \"\($0)\" { capabilities = [\"read\", \"list\"] }" }.joined(separator: "\n")
            let p = try policy(text)
            let acl = ACL([p])
            for _ in 0..<60 {
                var path = (0..<rng.below(5) + 1).map { _ in words[rng.below(words.count - 1)] }.joined(separator: "/")
                if rng.below(4) == 0 { path += "/" }
                for listing in [false, true] {
                    let want = Self.reference(p.rules, path, listing: listing)
                    let got = acl.allows(path, listing ? .list : .read).pattern
                    XCTAssertEqual(got, want, "round \(round), \(listing ? "list" : "read") \(path) with \(patterns)")
                }
            }
        }
    }

    private struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func below(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }

    /// Vault's AllowOperation and CheckAllowedFromNonExactPaths, rule by rule: the pattern
    /// of the rule that decides, or nil.
    private static func reference(_ rules: [ACLPolicy.Rule], _ raw: String, listing: Bool) -> String? {
        let slash = UInt8(ascii: "/"), plus = UInt8(ascii: "+"), star = UInt8(ascii: "*")
        var path = Array(raw.utf8)
        while path.first == slash { path.removeFirst() }
        func exact(_ p: [UInt8]) -> String? { rules.first { $0.kind == .exact && Array($0.path.utf8) == p }?.path }
        func nonExact(_ p: [UInt8]) -> String? {
            var candidates: [(first: Int, prefix: Bool, plus: Int, stem: [UInt8], pattern: String)] = []
            let prefixes = rules.filter { $0.kind == .prefix && p.starts(with: Array($0.path.utf8.dropLast())) }
            if let longest = prefixes.max(by: { $0.path.utf8.count < $1.path.utf8.count }) {
                let stem = Array(longest.path.utf8.dropLast())
                candidates.append((stem.count, true, 0, stem, longest.path))
            }
            let segs = p.split(separator: slash, omittingEmptySubsequences: false).map(Array.init)
            for r in rules where r.kind == .segments {
                let bytes = Array(r.path.utf8)
                let isPrefix = bytes.last == star
                let stem = isPrefix ? Array(bytes.dropLast()) : bytes
                let parts = stem.split(separator: slash, omittingEmptySubsequences: false).map(Array.init)
                if segs.count < parts.count || (!isPrefix && segs.count != parts.count) { continue }
                var matched = true, wildcards = 0
                for (i, part) in parts.enumerated() {
                    if part == [plus] {
                        wildcards += 1
                    } else if part != segs[i] && !(isPrefix && i == parts.count - 1 && segs[i].starts(with: part)) {
                        matched = false
                        break
                    }
                }
                if matched { candidates.append((bytes.firstIndex(of: plus)!, isPrefix, wildcards, stem, r.path)) }
            }
            return candidates.sorted { a, b in
                if a.first != b.first { return a.first < b.first }
                if a.prefix != b.prefix { return a.prefix }
                if a.plus != b.plus { return a.plus > b.plus }
                if a.stem.count != b.stem.count { return a.stem.count < b.stem.count }
                return a.stem.lexicographicallyPrecedes(b.stem)
            }.last?.pattern
        }
        if let r = exact(path) { return r }
        if listing && path.last == slash {
            let less = Array(path.dropLast())
            if let r = exact(less) ?? nonExact(less) { return r }
        }
        return nonExact(path)
    }

    func testManyRulesStayFast() throws {
        var text = ""
        for i in 0..<500 {
            text += "path \"secret/data/team\(i)/*\" { capabilities = [\"read\"] }\n"
            text += "path \"secret/data/+/app\(i)\" { capabilities = [\"list\"] }\n"
            text += "path \"kv/exact/\(i)\" { capabilities = [\"update\"] }\n"
        }
        let acl = ACL([try policy(text)])
        XCTAssertTrue(acl.allows("secret/data/team499/x", .read).allowed)
        XCTAssertTrue(acl.allows("secret/data/team1/app1", .read).allowed, "the prefix's wildcard comes later: it decides")
        XCTAssertFalse(acl.allows("secret/data/team1/app1", .list).allowed)
        XCTAssertTrue(acl.allows("secret/data/x/app1", .list).allowed)
        XCTAssertTrue(acl.allows("kv/exact/250", .update).allowed)
        measure {
            for _ in 0..<200 { _ = acl.allows("secret/data/team7/x/y", .read) }
        }
    }
}
