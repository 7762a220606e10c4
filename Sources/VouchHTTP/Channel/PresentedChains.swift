// PresentedChains.swift: what a client presented with its certificate, kept for the TLS
// sessions it resumes. A resumed session (a session ticket: no second handshake, no second
// proof of the key beyond the session's secret, as nginx and Go's crypto/tls allow) skips
// the verification callback, and NIOSSL then offers only the leaf (from the session). The
// intermediates the client sent in its full handshake are remembered here by the leaf's
// SHA-256, so a resumed login sees the same chain as the first. They are untrusted
// candidates, verified at each login like any presented chain; a client can only add
// candidates for its own leaf. Bounded: past `capacity` leaves the oldest half goes, and a
// leaf found nowhere is judged alone (as if it had sent no intermediate).
import Synchronization
import VouchCore

final class PresentedChains: Sendable {
    static let shared = PresentedChains()

    private struct State {
        var chains: [[UInt8]: [[UInt8]]] = [:]
        var order: [[UInt8]] = []
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// Notes a full handshake's presented chain (leaf first, DER).
    func remember(_ chain: [[UInt8]]) {
        guard let leaf = chain.first, chain.count > 1 else { return }
        let key = Secrets.sha256(leaf)
        let rest = Array(chain.dropFirst())
        state.withLock { s in
            if s.chains.updateValue(rest, forKey: key) == nil { s.order.append(key) }
            if s.order.count > capacity {
                for old in s.order.prefix(capacity / 2) { s.chains[old] = nil }
                s.order.removeFirst(capacity / 2)
            }
        }
    }

    /// The chain to judge for a resumed session's leaf: the leaf, then what it presented.
    func chain(forLeaf leaf: [UInt8]) -> [[UInt8]] {
        let key = Secrets.sha256(leaf)
        return [leaf] + (state.withLock { $0.chains[key] } ?? [])
    }
}
