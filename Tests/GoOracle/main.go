// The differential oracle for Vouch's chain verification: Go's crypto/x509, used the way
// Vault's cert auth method uses it (builtin/credential/cert/path_login.go): the role's
// bundle as Roots, the client's further certificates as Intermediates, KeyUsages
// ExtKeyUsageClientAuth. Built and run by the tests (GoOracleTests); standard library only.
//
// Reads a JSON array of cases on standard input and writes one JSON object per case, in
// order: {"id": ..., "accepted": bool, "error": "..."}.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"
)

type testCase struct {
	ID            string   `json:"id"`
	Roots         []string `json:"roots"`         // PEM or base64 DER, each one certificate
	Intermediates []string `json:"intermediates"` // as presented after the leaf
	Leaf          string   `json:"leaf"`
	Time          int64    `json:"time"`    // Unix seconds
	Purpose       string   `json:"purpose"` // "client" (default) or "server"
}

type result struct {
	ID       string `json:"id"`
	Accepted bool   `json:"accepted"`
	Error    string `json:"error,omitempty"`
}

// parse reads one certificate from PEM text or from raw DER bytes carried as a string.
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

func decide(c testCase) result {
	r := result{ID: c.ID}
	leaf, err := parse(c.Leaf)
	if err != nil {
		r.Error = "leaf: " + err.Error()
		return r
	}
	roots := x509.NewCertPool()
	for i, p := range c.Roots {
		cert, err := parse(p)
		if err != nil {
			r.Error = fmt.Sprintf("root %d: %v", i, err)
			return r
		}
		roots.AddCert(cert)
	}
	inters := x509.NewCertPool()
	for i, p := range c.Intermediates {
		cert, err := parse(p)
		if err != nil {
			r.Error = fmt.Sprintf("intermediate %d: %v", i, err)
			return r
		}
		inters.AddCert(cert)
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
