// The differential oracle for Vouch's chain verification: Go's crypto/x509, used the way
// Vault's cert auth method uses it (builtin/credential/cert/path_login.go): the role's
// bundle as Roots, the client's further certificates as Intermediates, KeyUsages
// ExtKeyUsageClientAuth. Built and run by the tests (GoOracleTests); standard library only.
//
// Reads a JSON array of cases on standard input and writes one JSON object per case, in
// order: {"id": ..., "accepted": bool, "error": "...", "leaf_der": ...}. A case may give,
// instead of a leaf, a tbsCertificate and a P-256 key (PKCS#8 PEM): the oracle signs it
// (ecdsa-with-SHA256) into the leaf, and returns the leaf's DER so that Vouch judges the
// very same bytes (the fuzz_diff corpus is made of such tbsCertificates).
package main

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"
)

type testCase struct {
	ID            string   `json:"id"`
	Roots         []string `json:"roots"`         // PEM, each one certificate
	Intermediates []string `json:"intermediates"` // as presented after the leaf
	Leaf          string   `json:"leaf"`          // PEM
	Time          int64    `json:"time"`          // Unix seconds
	Purpose       string   `json:"purpose"`       // "client" (default) or "server"
	TBS           []byte   `json:"tbs,omitempty"` // instead of Leaf: base64 in JSON
	SignKey       string   `json:"sign_key,omitempty"`
}

type result struct {
	ID       string `json:"id"`
	Accepted bool   `json:"accepted"`
	Error    string `json:"error,omitempty"`
	LeafDER  []byte `json:"leaf_der,omitempty"`
}

// signTBS wraps a tbsCertificate into a Certificate signed with the key, as fuzz_diff.c does.
func signTBS(tbs []byte, keyPEM string) ([]byte, error) {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return nil, fmt.Errorf("sign_key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sign_key is not an ECDSA key")
	}
	digest := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{
		TBS: asn1.RawValue{FullBytes: tbs},
		Alg: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}},
		Sig: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
}

// parse reads one certificate from PEM text, or from DER bytes carried as a string.
func parse(s string) (*x509.Certificate, error) {
	b := []byte(s)
	if block, _ := pem.Decode(b); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q", block.Type)
		}
		b = block.Bytes
	}
	return x509.ParseCertificate(b)
}

// pool parses each PEM certificate into a pool; the error names which one failed.
func pool(pems []string, what string) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	for i, text := range pems {
		cert, err := parse(text)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %v", what, i, err)
		}
		p.AddCert(cert)
	}
	return p, nil
}

func decide(c testCase) result {
	r := result{ID: c.ID}
	if len(c.TBS) > 0 {
		der, err := signTBS(c.TBS, c.SignKey)
		if err != nil {
			r.Error = "signing the tbsCertificate: " + err.Error()
			return r
		}
		r.LeafDER = der
		c.Leaf = string(der)
	}
	leaf, err := parse(c.Leaf)
	if err != nil {
		r.Error = "leaf: " + err.Error()
		return r
	}
	roots, err := pool(c.Roots, "root")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	inters, err := pool(c.Intermediates, "intermediate")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	usage := x509.ExtKeyUsageClientAuth
	if c.Purpose == "server" {
		usage = x509.ExtKeyUsageServerAuth
	}
	opts := x509.VerifyOptions{
		Roots: roots, Intermediates: inters, CurrentTime: time.Unix(c.Time, 0),
		KeyUsages: []x509.ExtKeyUsage{usage},
	}
	if _, err := leaf.Verify(opts); err != nil {
		r.Error = err.Error()
		return r
	}
	r.Accepted = true
	return r
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "gooracle: reading cases:", err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	for _, c := range cases {
		if err := out.Encode(decide(c)); err != nil {
			os.Exit(2)
		}
	}
}
