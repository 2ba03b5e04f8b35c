package nodejs

import "github.com/kiln-dev/kiln/buildpack"

// Step names, as plans record them.
const (
	stepEnvironment    = "node-environment"
	stepPrefetch       = "prefetch-npm-packages"
	stepInstallNode    = "install-node"
	stepInstallNPM     = "install-npm"
	stepNPMBridge      = "install-npm-bridge"
	stepInstallYarn    = "install-yarn"
	stepInstallPNPM    = "install-pnpm"
	stepRestoreCache   = "restore-node-cache"
	stepPrebuild       = "scalingo-prebuild"
	stepNPMRebuild     = "npm-rebuild"
	stepRemoveModules  = "remove-checked-in-node-modules"
	stepNPMCI          = "npm-ci"
	stepNPMInstall     = "npm-install"
	stepYarnInstall    = "yarn-install"
	stepPNPMInstall    = "pnpm-install"
	stepBuild          = "node-build"
	stepSaveCache      = "save-node-cache"
	stepPrune          = "prune-dev-dependencies"
	stepMeteorInstall  = "meteor-bootstrap"
	stepMeteorBuild    = "meteor-build"
	stepMeteorNPM      = "meteor-npm-install"
	stepMeteorStart    = "write-meteor-start"
	stepMeteorCleanup  = "meteor-cleanup"
	stepPNPMStorePrune = "pnpm-store-prune"
	stepCleanup        = "scalingo-cleanup"
	stepListDeps       = "list-dependencies"
	stepProfile        = "write-node-profile"
	stepPNPMProfile    = "write-pnpm-profile"
	stepWebConcurrency = "write-web-concurrency"
	stepExport         = "write-node-export"
)

// stepSpec is everything Compile knows of one step name. The planner
// decides which steps a build has and their commands; this table says how
// each is carried out. Adding a step means a line here and a line in the
// planner (plansteps.go).
type stepSpec struct {
	// header is the title printed before the step's command runs; built-in
	// steps print their own.
	header string
	// builtin carries out the step when the plan gives it no command.
	builtin func(*compiler, buildpack.Step) error
	// command carries out the step when it has a command, instead of
	// printing the header and running the command (compiler.run).
	command func(*compiler, buildpack.Step) error
	// installs marks the steps that install the app's dependencies: they
	// wait for the prefetch, and the dependency cache restores their result
	// when it can (depinstall.go).
	installs bool
	// overlapsSave marks the steps that run while the tree the install left
	// is saved in the background; every other step waits for the save.
	overlapsSave bool
	// writesDeps reports whether the step may rewrite files of
	// node_modules in place, so that the saved tree it shares files with
	// can only be checked after it (lastDependencyWriter). nil means never.
	writesDeps func(buildpack.Step) bool
}

// steps is the step table of the Node.js buildpack.
func steps() map[string]stepSpec {
	always := func(buildpack.Step) bool { return true }
	install := stepSpec{header: "Installing dependencies", installs: true, command: (*compiler).install, builtin: (*compiler).keepModules}
	return map[string]stepSpec{
		stepEnvironment:   {builtin: (*compiler).environment},
		stepPrefetch:      {builtin: (*compiler).prefetchPackages},
		stepInstallNode:   {builtin: (*compiler).installNode},
		stepInstallNPM:    {header: "Installing npm"},
		stepNPMBridge:     {header: npmBridgeHeader},
		stepInstallYarn:   {header: "Installing yarn", builtin: (*compiler).installPackageManager},
		stepInstallPNPM:   {header: "Installing pnpm", builtin: (*compiler).installPackageManager},
		stepRestoreCache:  {builtin: (*compiler).restoreCache},
		stepPrebuild:      {header: "Prebuild", writesDeps: always},
		stepNPMRebuild:    {header: "Rebuilding the checked-in node_modules", writesDeps: always},
		stepRemoveModules: {builtin: (*compiler).removeModules},
		stepNPMCI:         install,
		stepNPMInstall:    install,
		stepYarnInstall:   install,
		stepPNPMInstall:   install,
		stepBuild:         {header: "Build", command: (*compiler).build, overlapsSave: true, writesDeps: always},
		stepSaveCache:     {builtin: (*compiler).saveCache, overlapsSave: true},
		// npm and pnpm pruning only unlink and relink; Yarn's is a
		// production reinstall, which may rebuild packages.
		stepPrune: {header: "Pruning devDependencies", builtin: (*compiler).skipPrune, command: (*compiler).prune,
			writesDeps: func(s buildpack.Step) bool { return len(s.Command) > 0 && s.Command[0] == "yarn" }},
		stepMeteorInstall:  {builtin: (*compiler).meteorBootstrap},
		stepMeteorBuild:    {header: "Building the Meteor app", writesDeps: always},
		stepMeteorNPM:      {header: "Installing the Meteor bundle's dependencies", writesDeps: always},
		stepMeteorStart:    {builtin: (*compiler).meteorStart},
		stepMeteorCleanup:  {builtin: (*compiler).meteorCleanup, writesDeps: always},
		stepPNPMStorePrune: {command: (*compiler).pnpmStorePrune},
		stepCleanup:        {header: "Cleanup", writesDeps: always},
		stepListDeps:       {header: "Dependencies (NODE_VERBOSE=true)", command: (*compiler).listDependencies},
		stepProfile:        {builtin: (*compiler).writeProfile},
		stepPNPMProfile:    {builtin: (*compiler).writePNPMProfile},
		stepWebConcurrency: {builtin: (*compiler).writeWebConcurrency},
		stepExport:         {builtin: (*compiler).writeExport},
	}
}

// ownsStep reports whether name is a step of the table.
func ownsStep(name string) bool {
	_, ok := steps()[name]
	return ok
}

// isInstallStep reports whether a step installs the app's dependencies.
func isInstallStep(name string) bool { return steps()[name].installs }

// header is the title printed before a step's command.
func header(name string) string {
	if h := steps()[name].header; h != "" {
		return h
	}
	return name
}

// lastDependencyWriter is the index of the last step that may rewrite files
// of node_modules in place (the app's own scripts, Yarn's pruning), or -1
// when no step may. The install step itself does not count: it runs before
// the save, or is replaced by the restore.
func lastDependencyWriter(plan []buildpack.Step) int {
	table := steps()
	last := -1
	for i, s := range plan {
		if w := table[s.Name].writesDeps; w != nil && w(s) {
			last = i
		}
	}
	return last
}
