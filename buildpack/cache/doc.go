// Package cache is kiln's one cache abstraction: a Store keeps a directory
// tree in the build cache (CACHE_DIR) together with the key it was produced
// from. It is opened with a key (Open: a hit, a miss naming the inputs that
// changed, or damage to ignore), places its tree into the app by hard
// links or copies under one policy (Clone, and the copy rules of
// policy.go), saves a new tree atomically (Save, which a caller may run in
// the background, see Jobs), checks a tree placed by links for in-place
// rewrites (CheckShared), and keeps a ready-made copy of its tree that a
// build takes with a rename (Spare). One Sweep, run by the engine once per
// build before the buildpacks compile, removes what killed builds left in
// every store.
//
// The ecosystems decide what goes into a tree and what its key is made of;
// where each store lives, what it leaves out and which of its files are
// copied is the policy of this package (policy.go), in one place.
//
// # What CACHE_DIR keeps
//
// Decided by policy.go and runtimes.go; the stores are marked with the
// function that makes them.
//
//	downloads/         verified archives as downloaded, by checksum (buildpack/fetch), without
//	                   a shared runtime store: Node.js, npm, Yarn, pnpm, PHP, nginx, Composer,
//	                   extensions
//	runtimes/<name>-<version>.json
//	                   without a shared runtime store, the record of the archives a Node.js
//	                   tool (Node.js, Yarn, pnpm) is unpacked from at each build
//	runtimes/headers/  Node.js C headers tarballs, made from the verified archive on demand
//	node/deps/         NodeModules: node_modules as the install left it, with its key
//	node/npm-cache/, node/yarn-cache/, node/yarn-berry/, node/pnpm-store/
//	                   the package managers' own caches, used in place by the build (npm's
//	                   only when node/deps is not used, trimmed to the lockfile after npm ci)
//	node/dirs/, node/signature
//	                   the app's cacheDirectories and what they were built with
//	php/vendor/        Vendor: vendor/ as composer install left it, with its key
//	php/checksums.json the checksums of versioned runtime archives, per URL
//	composer/          Composer's download cache, used in place by the build
//
// # What a shared runtime store keeps
//
// With KILN_RUNTIME_STORE (Runtimes.Shared), for every build of the
// machine, under file locks; CACHE_DIR then keeps no runtime:
//
//	downloads/         the verified archives, by checksum
//	headers/           the Node.js C headers tarballs
//	node/<name>-<version>/
//	                   Runtimes.Node: Node.js (without its C headers), Yarn, pnpm, the
//	                   Meteor tool, unpacked; .<name>-<version>.lock next to it
//	php/<name>-<version>-<checksum>/
//	                   Runtimes.PHP: PHP and nginx, unpacked
//
// # Layout of a store
//
//	<Root>/<Name>/key.json        the manifest: the key and what the ecosystem records with it; written last
//	<Root>/<Name>/tree/           the saved tree
//	<Root>/<Name>/spare[-<v>]/    a ready-made copy of the tree (variant v), hard links and copies
//	<Root>/<Name>/.spare-tmp-*    a spare being built, taken or discarded, or what a killed build left
//	<Root>/<temp>new-*, <Root>/<temp>old-*
//	                              a save in progress, a replaced or dropped save, or what a killed
//	                              one left (temp is ".<Name>-")
//
// Root and Name come from the policy: CACHE_DIR/node and "deps" for
// node_modules, CACHE_DIR/php and "vendor" for vendor/, <store>/node and
// "node-<version>" for Node.js, <store>/php and
// "<name>-<version>-<checksum>" for PHP and nginx.
//
// # Atomicity
//
// A save builds the new <Name> directory under a temporary name, the
// manifest last, then swaps it in with two renames (the previous one
// aside, the new one in place): <Name> is at every moment the previous
// complete save, the new complete save, or absent (a build killed between
// the renames). A restore reads the manifest first (Open), so a tree is
// only used together with the key it was produced from, and a directory
// without a manifest is damage, never a tree. A dropped save is first
// moved aside with one rename, so that nothing reaches it by its name
// while it is removed. A spare is built under a temporary name and renamed
// into place when complete; it is taken, or discarded, by first renaming
// it to a temporary name. So a build killed at any moment leaves each
// store complete or absent, plus temporary directories that the next
// build's Sweep removes; nothing a killed build leaves can be mistaken for
// a tree.
package cache
