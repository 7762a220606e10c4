// KeygenBench.swift: RSA key pairs made per second by the core (SSHPrivateKey.generate,
// what `issue` of an RSA SSH key runs: the key made, tested, and its public half encoded)
// next to OpenSSL's own EVP_PKEY_keygen (what `openssl genpkey -algorithm RSA` runs), in
// alternating rounds of the same run. A key's time depends on how far the prime search
// goes, so each round makes several keys and the medians are compared.
import CVouchBench
import Foundation
import VouchCore

func keygenBench() {
    let bits = 2048
    let rounds = smoke ? 1 : 5
    let secs = smoke ? 0.0 : 2.0
    let minKeys = smoke ? 1 : 4
    func ours() -> Double {
        var n = 0
        let t0 = vb_now()
        var t = 0.0
        repeat {
            _ = try! SSHPrivateKey.generate(.rsa, bits: bits)
            n += 1
            t = vb_now() - t0
        } while t < secs || n < minKeys
        return Double(n) / t
    }
    var a: [Double] = [], b: [Double] = []
    for _ in 0..<rounds {
        b.append(vb_raw_rsa_keygen(Int32(bits), secs, Int32(minKeys)))
        a.append(ours())
    }
    let o = a.sorted()[rounds / 2], r = b.sorted()[rounds / 2]
    add("ssh_keygen_rsa\(bits)", o, "OpenSSL EVP_PKEY_keygen RSA-\(bits) (what openssl genpkey runs)", r < 0 ? nil : r,
        note: String(format: "median of %d alternating rounds of at least %.0f s and %d keys; ours: FIPS 186-4 B.3.3 primes from "
                     + "OpenSSL's BN_generate_prime_ex2 (sieve, 64 Miller-Rabin rounds), the key tested by one signature; "
                     + "OpenSSL 3.0's: B.3.6 (auxiliary primes, a constant-time GCD on every candidate)",
                     rounds, secs, minKeys))
}
