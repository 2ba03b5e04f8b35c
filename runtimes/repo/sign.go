package repo

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrBadSignature is the error of a signature that none of the keys
// verifies: the manifest changed after it was signed, or another key
// signed it.
var ErrBadSignature = errors.New("the signature does not match the manifest with any of the public keys")

// Sign returns the content of manifest.json.sig for manifest: the base64
// of its ed25519 signature, and a newline.
func Sign(manifest []byte, priv ed25519.PrivateKey) []byte {
	return []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(priv, manifest)) + "\n")
}

// Verify checks sig (the content of manifest.json.sig) over manifest
// against keys: one of them must verify it.
func Verify(manifest, sig []byte, keys []ed25519.PublicKey) error {
	if len(keys) == 0 {
		return errors.New("no public key to verify the signature with")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil {
		return fmt.Errorf("the signature is not base64: %w", err)
	}
	if len(raw) != ed25519.SignatureSize {
		return fmt.Errorf("the signature is %d bytes long; an ed25519 signature is %d", len(raw), ed25519.SignatureSize)
	}
	for _, k := range keys {
		if ed25519.Verify(k, manifest, raw) {
			return nil
		}
	}
	return ErrBadSignature
}

// Open verifies manifest against sig and keys, then parses it; a client
// never reads a manifest it has not verified.
func Open(manifest, sig []byte, keys []ed25519.PublicKey) (*Manifest, error) {
	if err := Verify(manifest, sig, keys); err != nil {
		return nil, err
	}
	return ParseManifest(manifest)
}
