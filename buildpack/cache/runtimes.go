package cache

import (
	"path/filepath"

	"github.com/kiln-dev/kiln/internal/atomicfile"
)

// Runtimes says where a build keeps the runtimes it installs (Node.js with
// npm, Yarn, pnpm, the Meteor tool, PHP, nginx) and their downloads. It
// is part of the policy (see policy.go): there are two forms, and the
// platform chooses between them with KILN_RUNTIME_STORE.
//
// With a shared runtime store (Shared, the directory KILN_RUNTIME_STORE
// names; kiln build uses one per user by default), runtimes are kept there,
// unpacked, once per machine, and placed into each app by hard links; the
// store serves every app and every build of that machine, and CACHE_DIR
// keeps nothing of them. Builds running at the same time share it under
// file locks (Store.Lock): a runtime is unpacked by one build while the
// others wait, and an entry is never replaced while a build reads it.
//
// Without one (Shared is empty: a platform that carries only CACHE_DIR
// from build to build), CACHE_DIR keeps each runtime once, as its verified
// archive (Downloads) with a small record naming it (Record), and each
// build unpacks the archive into the app again. An unpacked Node.js is 140
// MB of binaries next to its 55 MB archive: carried in an archived
// CACHE_DIR it costs more to archive and unpack than the unpacking it
// saves (bench/CYCLE.md).
type Runtimes struct {
	// CacheDir is the build cache (CACHE_DIR).
	CacheDir string
	// Shared is the shared runtime store, or "" for none.
	Shared string
}

// IsShared reports whether runtimes are kept in a shared store.
func (r Runtimes) IsShared() bool { return r.Shared != "" }

// Downloads is where verified archives are kept, by checksum: the shared
// store's downloads/, else CACHE_DIR/downloads.
func (r Runtimes) Downloads() string {
	if r.IsShared() {
		return filepath.Join(r.Shared, "downloads")
	}
	return Downloads(r.CacheDir)
}

// Headers is where the Node.js C headers tarballs, made from the verified
// archive when node-gyp asks, are kept: in the shared store when there is
// one, else in CACHE_DIR/runtimes/headers.
func (r Runtimes) Headers() string {
	if r.IsShared() {
		return filepath.Join(r.Shared, "headers")
	}
	return filepath.Join(r.CacheDir, "runtimes", "headers")
}

// Node is the shared store's entry of the unpacked Node.js tool name
// (such as "node-24.18.0" or "pnpm-10.4.1"): <store>/node/<name>. The
// tree is the archive's content (Node.js without the C headers); every
// file is linked: nothing a build runs rewrites Node.js files in place
// (npm, Yarn and pnpm write new files and rename them), and an entry is
// never modified once saved. Without a shared store there is no entry:
// ok is false.
func (r Runtimes) Node(name string) (st Store, ok bool) {
	if !r.IsShared() {
		return Store{}, false
	}
	root := filepath.Join(r.Shared, "node")
	return Store{Root: root, Name: name, Noun: "the unpacked " + name, lock: filepath.Join(root, "."+name+".lock")}, true
}

// PHP is the shared store's entry of an unpacked PHP or nginx archive
// named name (such as "php-8.4.22-sha256-0123456789abcdef"):
// <store>/php/<name>, with the copy rule of phpRuntimeCopied. Without a
// shared store there is no entry: ok is false.
func (r Runtimes) PHP(name string) (st Store, ok bool) {
	if !r.IsShared() {
		return Store{}, false
	}
	root := filepath.Join(r.Shared, "php")
	return Store{Root: root, Name: name, Noun: "the unpacked " + name, copy: phpRuntimeCopied, lock: filepath.Join(root, "."+name+".lock")}, true
}

// Record is, without a shared store, the file in CACHE_DIR that names the
// archives a runtime was unpacked from, so that the next build unpacks
// them again from Downloads without asking the network which they are:
// CACHE_DIR/runtimes/<name>.json.
func (r Runtimes) Record(name string) string {
	return filepath.Join(r.CacheDir, "runtimes", name+".json")
}

// WriteRecord writes a record atomically (a failure only costs the next
// build a lookup).
func WriteRecord(path string, b []byte) { _ = atomicfile.Write(path, b, 0o644) }
