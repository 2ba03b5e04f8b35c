// Package repo is kiln's runtime repository format: the signed manifest
// that lists every archive of one repository directory with its checksum,
// the ed25519 keys that sign it, and the index that writes it.
//
// A repository is a directory served over HTTP by any static file server:
//
//	DIR/php/<stack>/php-<version>.tgz
//	DIR/php/<stack>/composer-<version>.phar
//	DIR/php/<stack>/ext/<zend-api>/php-<ext>.tgz         (php-<ext>-<version>.tgz: a pinned APM agent)
//	DIR/nginx/<stack>/nginx-<version>.tgz
//	DIR/<kind>/<stack>/manifest.json + manifest.json.sig  (written by Index)
//
// Next to an archive X, X.build.json (written by kiln runtimes build) holds
// the inputs it was built from; Index copies it into the archive's entry.
//
// manifest.json.sig is the standard base64 of the 64-byte ed25519
// signature over the exact bytes of manifest.json, and a newline. A private
// key file holds the standard base64 of the 64-byte ed25519 private key, a
// public key the base64 of the 32-byte public key (GenerateKey,
// WriteKeyPair). Buildpacks accept a manifest whose signature one of their
// public keys verifies (Open), so that keys can be rotated.
//
// Index writes manifest.json before manifest.json.sig, each atomically: a
// client reading between the two writes sees a signature that does not
// match and refuses the manifest; it never accepts an unsigned one.
package repo
