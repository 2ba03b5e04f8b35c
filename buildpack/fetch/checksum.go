// Package fetch downloads artifacts, verifies them against a checksum from a
// trusted source before anything uses them, keeps them in the build cache
// keyed by that checksum, and extracts archives safely.
package fetch

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Checksum is an expected digest of an artifact.
type Checksum struct {
	// Algo is "sha256", "sha512" or "sha1".
	Algo string
	// Digest is the raw digest.
	Digest []byte
}

// String renders the checksum as "algo:hex".
func (c Checksum) String() string { return c.Algo + ":" + hex.EncodeToString(c.Digest) }

// IsZero reports whether no checksum is set.
func (c Checksum) IsZero() bool { return c.Algo == "" || len(c.Digest) == 0 }

// NewHash returns a hash for the checksum's algorithm.
func (c Checksum) NewHash() (hash.Hash, error) {
	switch c.Algo {
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	case "sha1":
		return sha1.New(), nil
	}
	return nil, fmt.Errorf("unsupported checksum algorithm %q", c.Algo)
}

// Hex parses a hexadecimal digest for algo.
func Hex(algo, s string) (Checksum, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return Checksum{}, fmt.Errorf("parsing %s checksum %q: %w", algo, s, err)
	}
	c := Checksum{Algo: algo, Digest: b}
	if h, err := c.NewHash(); err != nil {
		return Checksum{}, err
	} else if h.Size() != len(b) {
		return Checksum{}, fmt.Errorf("%s checksum %q has %d bytes, want %d", algo, s, len(b), h.Size())
	}
	return c, nil
}

// SRI parses a Subresource Integrity string such as the npm registry's
// dist.integrity ("sha512-<base64>"). When several are given, the strongest
// supported one is used.
func SRI(s string) (Checksum, error) {
	var best Checksum
	for _, f := range strings.Fields(s) {
		algo, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return Checksum{}, fmt.Errorf("parsing integrity %q: %w", f, err)
		}
		c := Checksum{Algo: algo, Digest: b}
		if _, err := c.NewHash(); err != nil {
			continue
		}
		if best.IsZero() || rank(algo) > rank(best.Algo) {
			best = c
		}
	}
	if best.IsZero() {
		return Checksum{}, fmt.Errorf("no supported checksum in integrity %q", s)
	}
	return best, nil
}

// PackageManagerHash parses the "+sha512.<hex>" / "+sha256.<hex>" suffix of a
// package.json packageManager field ("pnpm@9.1.0+sha512.abc…"). It returns a
// zero Checksum when there is none.
func PackageManagerHash(field string) (Checksum, error) {
	_, suffix, ok := strings.Cut(field, "+")
	if !ok {
		return Checksum{}, nil
	}
	algo, digest, ok := strings.Cut(suffix, ".")
	if !ok {
		return Checksum{}, fmt.Errorf("packageManager hash %q: want <algo>.<hex>", suffix)
	}
	return Hex(algo, digest)
}

func rank(algo string) int {
	switch algo {
	case "sha512":
		return 3
	case "sha256":
		return 2
	case "sha1":
		return 1
	}
	return 0
}
