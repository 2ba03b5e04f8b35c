package nodejs

import (
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// settings are the Node.js buildpack's decisions beyond its steps: what the
// planner settles and the compiler carries out. Code works with this
// struct; the plan carries it as its stable `settings` object of strings
// (encode), which Compile reads back once (decodeSettings). Lists are
// joined with spaces (they hold names and paths without spaces); booleans
// become the sentence that says them to people. A PHP plan carries these
// settings as its Node.js assets part, which Compile decodes the same way.
type settings struct {
	// PackageManager is "npm", "yarn" or "pnpm".
	PackageManager string
	// Lockfile is the package manager's lockfile, "" for none.
	Lockfile string
	// YarnFlavor is "berry" (Yarn 2+) or "classic" (Yarn 1), for Yarn
	// only; YarnNodeLinker is .yarnrc.yml's nodeLinker and YarnPath its
	// yarnPath, when set.
	YarnFlavor, YarnNodeLinker, YarnPath string
	// YarnLauncher is the yarn kiln installs when it is not the Yarn that
	// runs: the vendored release of yarnPath is (the yarn runtime).
	YarnLauncher string
	// PMPackage is the npm package of Yarn or pnpm, PMIntegrity its
	// tarball's integrity when the version is exact.
	PMPackage, PMIntegrity string
	// BundledNPM is the version of npm that comes with the planned
	// Node.js, "" when unknown.
	BundledNPM string
	// DistMirror is the nodejs.org mirror (NODEJS_ORG_MIRROR), Registry
	// the npm registry.
	DistMirror, Registry string
	// PMCache is where the package managers keep their caches: $CACHE/node,
	// or $TMP when the cache is disabled.
	PMCache string
	// Prefetch is whether the lockfile's tarballs are downloaded while
	// Node.js installs (prefetchable).
	Prefetch bool
	// SlugExcludes are the paths of the Node.js installation left out of
	// the slug.
	SlugExcludes []string
	// Signature names what invalidates the cached directories
	// (cacheSignature), "" when the cache is disabled.
	Signature string
	// CacheDirsSource is the package.json key that listed the cached
	// directories, "" for the defaults.
	CacheDirsSource string
	// BuildNotice is printed before the build script: why a script was
	// left out.
	BuildNotice string
	// PruneOff says why devDependencies are kept, "" when they are pruned.
	PruneOff string
	// PruneFirst is whether the prune step moves the lockfile's
	// devDependencies out of node_modules before npm prune (devprune.go);
	// PruneSkip whether npm prune may then not run at all (pruneskip.go).
	PruneFirst, PruneSkip bool
	// PNPMWorkspace says, for people, which pnpm workspace is installed
	// and pruned together.
	PNPMWorkspace string
	// StorePrune is whether pnpm's store is pruned every storePruneEvery
	// builds.
	StorePrune bool
	// NodeBinary and YarnBinary are NODE_BINARY_URL and YARN_BINARY_URL
	// (without a password) when set, NodeBinarySHA256 and YarnBinarySHA256
	// the checksums that verify them ("" for none: used unverified).
	NodeBinary, NodeBinarySHA256, YarnBinary, YarnBinarySHA256 string
	// RegistryAuth says whose .npmrc tokens kiln's own registry downloads
	// send (registryauth.go), "" for none.
	RegistryAuth string
	// CheckedInModules says what is done with a node_modules committed
	// with the app (checkedin.go), "" when there is none.
	CheckedInModules string
	// PNPMPruneCheck is whether the prune step learns the installed pnpm's
	// version before it runs (a range was requested): pnpm older than
	// 8.15.6 has no --ignore-scripts. PNPMLifecycle are the root
	// package.json's install lifecycle scripts, which such a pnpm would
	// run while pruning.
	PNPMPruneCheck bool
	PNPMLifecycle  []string
	// MeteorRelease, MeteorURL, MeteorSHA256 and MeteorSettingsFile are a
	// Meteor app's release, the bootstrap archive and its checksum, and
	// the settings file (METEOR_SETTINGS) when there is one.
	MeteorRelease, MeteorURL, MeteorSHA256, MeteorSettingsFile string
	// DepCache is whether the install step may restore node_modules from
	// an earlier build (planDependencyCache); InstallStep is that step,
	// which the plan's sentence names.
	DepCache    bool
	InstallStep string
	// DepCacheOff says why it may not; "" when it may.
	DepCacheOff string
	// DepKeyFiles, DepKeyPackage and DepKeyEnv are the inputs of the
	// dependency key: the app's files, the package.json sections and the
	// environment variables.
	DepKeyFiles, DepKeyPackage, DepKeyEnv []string
	// DepCheckAfter is the step after which nothing writes into
	// node_modules (planDependencyCheck), "" for none.
	DepCheckAfter string
}

// Setting keys of the plan.
const (
	setPackageManager = "package_manager"
	setLockfile       = "lockfile"
	setYarnFlavor     = "yarn_flavor"
	setYarnNodeLinker = "yarn_node_linker"
	setYarnPath       = "yarn_path"
	setYarnLauncher   = "yarn_launcher"
	setPMPackage      = "package_manager_package"
	setPMIntegrity    = "package_manager_integrity"
	setBundledNPM     = "node_bundled_npm"
	setDistMirror     = "node_dist_mirror"
	setRegistry       = "npm_registry"
	setPMCache        = "package_manager_cache"
	setPrefetch       = "npm_prefetch"
	setSlugExcludes   = "node_slug_excludes"
	setSignature      = "cache_signature"
	setCacheDirsFrom  = "cache_directories_source"
	setBuildNotice    = "build_notice"
	setPrune          = "prune"
	setPruneFirst     = "prune_dev_first"
	setPruneSkip      = "prune_skip_npm"
	setPNPMWorkspace  = "pnpm_workspace"
	setStorePrune     = "pnpm_store_prune"
	setPNPMPruneCheck = "pnpm_prune_version_check"
	setCheckedIn      = "checked_in_node_modules"
	setRegistryAuth   = "npm_registry_auth"
	setNodeBinary     = "node_binary_url"
	setNodeBinarySum  = "node_binary_sha256"
	setYarnBinary     = "yarn_binary_url"
	setYarnBinarySum  = "yarn_binary_sha256"
	setPNPMLifecycle  = "pnpm_lifecycle_scripts"
	setMeteorRelease  = "meteor_release"
	setMeteorURL      = "meteor_bootstrap_url"
	setMeteorSHA256   = "meteor_bootstrap_sha256"
	setMeteorSettings = "meteor_settings_file"
	setDepCache       = "dependency_cache"
	setDepKeyFiles    = "dependency_key_files"
	setDepKeyPackage  = "dependency_key_package_json"
	setDepKeyEnv      = "dependency_key_env"
	setDepCheckAfter  = "dependency_check_after"
)

// The sentences of the boolean settings.
const (
	depCacheOnPrefix = "restore node_modules (as installed, before the build script and pruning) when the dependency key matches the saved one, " +
		"else run "
	depCacheOnSuffix  = " and save node_modules right after it"
	depCacheOffPrefix = "off: "
)

// prefetchText is the sentence of Prefetch.
func prefetchText(lockfile string) string {
	return fmt.Sprintf("download the tarballs of %s into the npm cache in the background while Node.js installs", lockfile)
}

// pruneFirstText is the sentence of PruneFirst.
func pruneFirstText(lockfile string) string {
	return fmt.Sprintf("move the devDependencies of %s out of node_modules, then npm prune", lockfile)
}

// pruneSkipText is the sentence of PruneSkip.
func pruneSkipText(lockfile string) string {
	return "when node_modules then holds exactly the production packages of " + lockfile +
		" and npm's hidden lockfile agrees, kiln rewrites that hidden lockfile and npm prune does not run"
}

// storePruneText is the sentence of StorePrune.
func storePruneText() string {
	return fmt.Sprintf("every %d builds (counter in $CACHE/node/%s)", storePruneEvery, storePruneCounter)
}

// fields lists the settings, one key each, pointing into s.
func (s *settings) fields() []buildpack.Setting {
	lockfile := func() string { return s.Lockfile }
	return []buildpack.Setting{
		buildpack.TextSetting(setPackageManager, true, &s.PackageManager),
		buildpack.TextSetting(setLockfile, false, &s.Lockfile),
		{Key: setYarnFlavor, Encode: func() string { return s.YarnFlavor },
			Decode: func(v string) error {
				if v != "berry" && v != "classic" {
					return fmt.Errorf("%q is neither berry nor classic", v)
				}
				s.YarnFlavor = v
				return nil
			}},
		buildpack.TextSetting(setYarnNodeLinker, false, &s.YarnNodeLinker),
		buildpack.TextSetting(setYarnPath, false, &s.YarnPath),
		buildpack.TextSetting(setYarnLauncher, false, &s.YarnLauncher),
		buildpack.TextSetting(setPMPackage, false, &s.PMPackage),
		buildpack.TextSetting(setPMIntegrity, false, &s.PMIntegrity),
		buildpack.TextSetting(setBundledNPM, false, &s.BundledNPM),
		buildpack.TextSetting(setDistMirror, true, &s.DistMirror),
		buildpack.TextSetting(setRegistry, true, &s.Registry),
		buildpack.TextSetting(setPMCache, true, &s.PMCache),
		buildpack.SentenceSetting(setPrefetch, &s.Prefetch, func() string { return prefetchText(lockfile()) }),
		buildpack.ListSetting(setSlugExcludes, &s.SlugExcludes),
		buildpack.TextSetting(setSignature, false, &s.Signature),
		buildpack.TextSetting(setCacheDirsFrom, false, &s.CacheDirsSource),
		buildpack.TextSetting(setBuildNotice, false, &s.BuildNotice),
		buildpack.TextSetting(setPrune, false, &s.PruneOff),
		buildpack.SentenceSetting(setPruneFirst, &s.PruneFirst, func() string { return pruneFirstText(lockfile()) }),
		buildpack.SentenceSetting(setPruneSkip, &s.PruneSkip, func() string { return pruneSkipText(lockfile()) }),
		buildpack.TextSetting(setPNPMWorkspace, false, &s.PNPMWorkspace),
		buildpack.SentenceSetting(setStorePrune, &s.StorePrune, storePruneText),
		buildpack.TextSetting(setCheckedIn, false, &s.CheckedInModules),
		buildpack.TextSetting(setRegistryAuth, false, &s.RegistryAuth),
		buildpack.TextSetting(setNodeBinary, false, &s.NodeBinary),
		buildpack.TextSetting(setNodeBinarySum, false, &s.NodeBinarySHA256),
		buildpack.TextSetting(setYarnBinary, false, &s.YarnBinary),
		buildpack.TextSetting(setYarnBinarySum, false, &s.YarnBinarySHA256),
		buildpack.SentenceSetting(setPNPMPruneCheck, &s.PNPMPruneCheck, pnpmPruneCheckText),
		buildpack.ListSetting(setPNPMLifecycle, &s.PNPMLifecycle),
		buildpack.TextSetting(setMeteorRelease, false, &s.MeteorRelease),
		buildpack.TextSetting(setMeteorURL, false, &s.MeteorURL),
		buildpack.TextSetting(setMeteorSHA256, false, &s.MeteorSHA256),
		buildpack.TextSetting(setMeteorSettings, false, &s.MeteorSettingsFile),
		{Key: setDepCache, Encode: s.encodeDepCache, Decode: s.decodeDepCache},
		buildpack.ListSetting(setDepKeyFiles, &s.DepKeyFiles),
		buildpack.ListSetting(setDepKeyPackage, &s.DepKeyPackage),
		buildpack.ListSetting(setDepKeyEnv, &s.DepKeyEnv),
		buildpack.TextSetting(setDepCheckAfter, false, &s.DepCheckAfter),
	}
}

// encode writes the settings as the plan's settings object.
func (s *settings) encode() map[string]string {
	return buildpack.EncodeSettings(s.fields())
}

// decodeSettings reads the plan's settings object back. The planner wrote
// it, so a key it does not know or a value it cannot have is a bug, named
// by its key.
func decodeSettings(m map[string]string) (settings, error) {
	// The sentences of some booleans name the lockfile: it is read first.
	s := settings{Lockfile: m[setLockfile]}
	if err := buildpack.DecodeSettings(s.fields(), m, nil); err != nil {
		return settings{}, err
	}
	return s, nil
}

// encodeDepCache says what the install step does with node_modules.
func (s *settings) encodeDepCache() string {
	switch {
	case s.DepCache:
		return depCacheOnPrefix + s.InstallStep + depCacheOnSuffix
	case s.DepCacheOff != "":
		return depCacheOffPrefix + s.DepCacheOff
	}
	return ""
}

func (s *settings) decodeDepCache(v string) error {
	if rest, ok := strings.CutPrefix(v, depCacheOnPrefix); ok {
		if step, ok := strings.CutSuffix(rest, depCacheOnSuffix); ok && isInstallStep(step) {
			s.DepCache, s.InstallStep = true, step
			return nil
		}
	}
	if reason, ok := strings.CutPrefix(v, depCacheOffPrefix); ok && reason != "" {
		s.DepCacheOff = reason
		return nil
	}
	return fmt.Errorf("%q says neither %q nor %q", v, depCacheOnPrefix+"<install step>"+depCacheOnSuffix, depCacheOffPrefix+"<reason>")
}
