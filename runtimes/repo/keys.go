package repo

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Key file names written by WriteKeyPair.
const (
	// PrivateKeyName holds the private key (mode 0600).
	PrivateKeyName = "kiln-runtimes.key"
	// PublicKeyName holds the public key, the value of
	// KILN_RUNTIME_PUBLIC_KEY.
	PublicKeyName = "kiln-runtimes.pub"
)

// GenerateKey makes an ed25519 key pair from random (crypto/rand.Reader
// when nil).
func GenerateKey(random io.Reader) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, nil, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	return pub, priv, nil
}

// EncodePublicKey is the one-line form of a public key (standard base64).
func EncodePublicKey(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// WriteKeyPair writes priv to DIR/kiln-runtimes.key (mode 0600) and its
// public key to DIR/kiln-runtimes.pub, creating dir. It refuses to
// replace an existing key file: a lost private key cannot be recovered.
// It returns the two paths.
func WriteKeyPair(dir string, priv ed25519.PrivateKey) (privPath, pubPath string, err error) {
	privPath, pubPath = filepath.Join(dir, PrivateKeyName), filepath.Join(dir, PublicKeyName)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("%s already exists: kiln does not replace a key (move it away first, or choose another --out)", p)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := writeNew(privPath, base64.StdEncoding.EncodeToString(priv)+"\n", 0o600); err != nil {
		return "", "", err
	}
	pub := priv.Public().(ed25519.PublicKey)
	if err := writeNew(pubPath, EncodePublicKey(pub)+"\n", 0o644); err != nil {
		return "", "", err
	}
	return privPath, pubPath, nil
}

// writeNew creates path, which must not exist, with mode from the start
// (the private key is never readable by others, not even for a moment).
func writeNew(path, text string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// decodeKey reads the base64 of a key, saying what is wrong with it.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the key is empty")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the key is not standard base64 (%v)", err)
	}
	return b, nil
}

// ParsePublicKey reads a public key as kiln-runtimes.pub holds it.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := decodeKey(s)
	if err != nil {
		return nil, err
	}
	switch len(b) {
	case ed25519.PublicKeySize:
		return ed25519.PublicKey(b), nil
	case ed25519.PrivateKeySize:
		return nil, fmt.Errorf("this is a private key (%d bytes), not a public one: give the content of %s, never the private key", len(b), PublicKeyName)
	}
	return nil, fmt.Errorf("the key is %d bytes long; an ed25519 public key is %d (the content of %s)", len(b), ed25519.PublicKeySize, PublicKeyName)
}

// ParsePublicKeys reads a comma-separated list of public keys (the value
// of KILN_RUNTIME_PUBLIC_KEY); an error names the key by its position.
func ParsePublicKeys(list string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	parts := strings.Split(list, ",")
	for i, p := range parts {
		if strings.TrimSpace(p) == "" && len(parts) > 1 {
			continue
		}
		k, err := ParsePublicKey(p)
		if err != nil {
			if len(parts) > 1 {
				return nil, fmt.Errorf("key %d of %d: %w", i+1, len(parts), err)
			}
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no key is given")
	}
	return keys, nil
}

// ParsePrivateKey reads a private key as kiln-runtimes.key holds it.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := decodeKey(s)
	if err != nil {
		return nil, err
	}
	switch len(b) {
	case ed25519.PrivateKeySize:
		priv := ed25519.PrivateKey(b)
		// The second half of an ed25519 private key is its public key:
		// a damaged file would sign with a key nobody can verify.
		if !priv.Public().(ed25519.PublicKey).Equal(ed25519.NewKeyFromSeed(priv.Seed()).Public()) {
			return nil, errors.New("the private key is damaged: its public half does not match its seed")
		}
		return priv, nil
	case ed25519.PublicKeySize:
		return nil, fmt.Errorf("this is a public key (%d bytes): signing needs the private key (%s)", len(b), PrivateKeyName)
	}
	return nil, fmt.Errorf("the key is %d bytes long; an ed25519 private key is %d (the content of %s)", len(b), ed25519.PrivateKeySize, PrivateKeyName)
}

// ReadPrivateKey reads a private key file, refusing one that others may
// read.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the private key: %w", err)
	}
	priv, err := ParsePrivateKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading the private key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the private key %s can be read by others (mode %v): chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	return priv, nil
}
