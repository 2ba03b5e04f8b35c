package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file is the catalogue of issue 19 ("Nothing lost, nothing leaked,
// nothing escapes"): every item of the issue, with the tests that cover it
// and a string each of those tests asserts (the message, or the fact
// checked). TestHardeningCatalogue checks that each named test exists in
// the named package and contains that string, so that the list cannot
// silently go stale. An item without tests must say why it is open.
//
// Start here to see how kiln defends against hostile apps, broken
// networks, concurrent builds and damaged caches; the tests named below
// show the messages users get.

// coveredBy names a test (or fuzz target) in a package directory, relative
// to the module root, and a string literal its body contains.
type coveredBy struct {
	pkg, test, asserts string
}

// catalogueItem is one item of issue 19.
type catalogueItem struct {
	item  string
	tests []coveredBy
	// open, when not empty, says what is left and why.
	open string
}

func hardeningCatalogue() []catalogueItem {
	return []catalogueItem{
		// Data loss.
		{item: "1. --output DIR replaces whatever is there (the app, its parent, a directory that is not a slug)", tests: []coveredBy{
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "is the app directory itself"},
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "is not a kiln slug (it has no .kiln/release.yml)"},
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "nothing around the app changed"},
		}},
		{item: "2. --output APP/out nests slugs; --cache APP/x or APP writes the cache into the app", tests: []coveredBy{
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "is inside the app directory"},
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "cache inside the app"},
		}},
		// Builds that break each other or hang.
		{item: "3. two builds of one app and cache at once break each other", tests: []coveredBy{
			{"e2e", "TestTwoBuildsOfOneAppAtOnce", "Waiting for another build of"},
			{"buildpack/classic", "TestCompileHoldsTheCacheLockAndSweepsUnderIt", "Waiting for another build of this cache"},
		}},
		{item: "4. a download that stalls mid-body hangs forever", tests: []coveredBy{
			{"buildpack/fetch", "TestStalledDownloadFailsAfterTheIdleTimeout", "the download stalled: no data for 300ms"},
			{"nodejs", "TestInstallNodeStalledDownloadFailsOverToRegistry", "served by the npm registry"},
		}},
		{item: "5. after a PHP-FPM master crash the web process neither exits nor stops nginx", tests: []coveredBy{
			{"php", "TestEndToEndFPMMasterCrashEndsTheWebProcess", "Boot failed: php-fpm exited unexpectedly (signal: killed)"},
		}},
		// A damaged cache.
		{item: "6. damaged cached runtimes and dependency trees are reused without a check", tests: []coveredBy{
			{"nodejs", "TestInstallNodeSharedStore", "bin/node was modified after it was saved"},
			{"nodejs", "TestE2EDamagedSavedDependenciesFailTheBuild", "The saved node_modules was damaged before this build"},
			{"php", "TestHardeningDamagedCachedVendorIsDropped", "The cached vendor/ was damaged after it was saved"},
		}, open: "bytes flipped in place with the size and modification time put back are not seen (the checks compare sizes and times, not contents)"},
		// Escapes through the app's own symlinks.
		{item: "7. symlinks the app commits (.profile.d, .scalingo, .kiln, cacheDirectories, vendor/, manifests) reach outside it", tests: []coveredBy{
			{"cmd/kiln", "TestHardeningLinkProfileD", "is a symbolic link to"},
			{"cmd/kiln", "TestHardeningLinkScalingo", "leads outside the app: .scalingo is a symbolic link to ../host"},
			{"cmd/kiln", "TestHardeningLinkKilnDir", "kiln keeps its slug in that directory"},
			{"cmd/kiln", "TestHardeningLinkCacheDirectories", "leads outside the app: data is a symbolic link to "},
			{"cmd/kiln", "TestHardeningLinkVendor", "vendor is a symbolic link to "},
			{"cmd/kiln", "TestHardeningLinkManifests", "outside the app"},
			{"nodejs", "TestHardeningProfileWriteRefusesALinkMadeDuringTheBuild", "profile"},
		}},
		{item: "8. archive extraction checks links lexically: a chain of links escapes", tests: []coveredBy{
			{"buildpack/fetch", "FuzzExtractTar", "checkExtraction"},
			{"buildpack/fetch", "checkExtraction", "something outside the destination changed"},
			{"buildpack/fetch", "TestHardeningExtractLinkChains", "links outside the destination"},
			{"buildpack/fetch", "TestHardeningExtractLinkChainsInside", "cli"},
		}},
		// Leaks.
		{item: "9. a password in NPM_CONFIG_REGISTRY is printed and stored", tests: []coveredBy{
			{"cmd/kiln", "TestURLCredentialsAreNeverPrinted", "user:[redacted]@127.0.0.1:1"},
			{"nodejs", "TestRegistryPasswordIsNotPrintedOrStored", "s3cret-pw"},
		}},
		{item: "10. secret masking misses env-dir values that end with a newline", tests: []coveredBy{
			{"buildpack", "TestSecrets", `"k-98765\n", "k-98765"`},
			{"buildpack", "FuzzLoadEnvDir", "the value of %s was printed"},
		}},
		// Smaller items.
		{item: "build commands keep running after kiln is SIGKILLed", tests: []coveredBy{
			{"e2e", "TestBuildKilledTakesItsProgramsWithIt", "assertNoSurvivors"},
		}},
		{item: "temporary files left after a kill (.part-*, the slug's .part/.build/trash) are never cleaned", tests: []coveredBy{
			{"buildpack/classic", "TestCompileHoldsTheCacheLockAndSweepsUnderIt", "a killed build's partial download is removed under the lock"},
			{"local", "TestKilledBuildLeftoversAreRemoved", "left by a killed build"},
		}},
		{item: "duplicate JSON keys take the first value where npm takes the last", tests: []coveredBy{
			{"nodejs", "TestPackageJSONReadAsNPMReadsIt", `package.json gives "engines" more than once; npm uses the last value`},
			{"nodejs", "TestLastKeyWins", "last value, first place"},
			{"cmd/kiln", "hostileCases", `package.json gives "engines" more than once`},
		}},
		{item: "a BOM is rejected without being named", tests: []coveredBy{
			{"nodejs", "TestPackageJSONReadAsNPMReadsIt", "package.json starts with a byte order mark (BOM)"},
			{"php", "TestComposerJSONWithBOMIsNamed", "starts with a byte order mark (BOM), which Composer refuses"},
			{"cmd/kiln", "hostileCases", "composer.json starts with a byte order mark (BOM)"},
		}},
		{item: "engines.npm / engines.yarn not validated at plan time", tests: []coveredBy{
			{"nodejs", "TestEnginesToolRequestsCheckedAtPlanTime", "which is not a version range"},
			{"cmd/kiln", "hostileCases", `package.json engines.yarn is "one", which is not a version range`},
		}},
		{item: "a binary Procfile fails only after the whole build", tests: []coveredBy{
			{"nodejs", "TestBinaryProcfileFailsThePlan", "Procfile is not a text file: line 2 holds a NUL byte"},
			{"php", "TestBinaryProcfileFailsThePHPPlan", "Procfile is not a text file: line 2 holds a NUL byte"},
			{"cmd/kiln", "hostileCases", "Procfile is not a text file"},
		}},
		{item: ".slugignore of * reports an internal path", tests: []coveredBy{
			{"local", "TestSlugignoreOfEverythingIsNamed", "leaves out the files kiln detected the app by"},
			{"cmd/kiln", "hostileCases", ".slugignore leaves out the files kiln detected the app by"},
		}},
		{item: "disk-full errors come with a \"check the network\" hint", tests: []coveredBy{
			{"cmd/kiln", "TestDiskFullIsSaid", "The disk is full (or the quota reached) where the build writes"},
		}, open: "said for Node.js downloads and unexpected errors; not tested with a really full disk (it needs a mount)"},
		{item: "a 20 MB .nvmrc is echoed whole", tests: []coveredBy{
			{"nodejs", "TestHugeNvmrcIsQuotedShort", ".nvmrc"},
		}},
		{item: "a bad CONTAINER_SIZE is ignored and the boot says it is unset", tests: []coveredBy{
			{"php/boot", "TestConcurrencySources", `is not a size kiln knows: S, M, L, XL, 2XL or 3XL`},
		}},
		{item: "\"Application ready\" is printed when another server owns the port", tests: []coveredBy{
			{"php/boot", "TestBootRefusesAPortInUse", "is already in use by another program"},
		}},
		{item: "a long TMPDIR gives a 30 s wait with no cause", tests: []coveredBy{
			{"php/boot", "TestBootExplainsALongTMPDIR", "more than a unix socket allows (107)"},
		}},
		{item: "WEB_CONCURRENCY has no upper bound", tests: []coveredBy{
			{"nodejs", "TestWebConcurrencyScript", "over 200 processes"},
		}},
		{item: "a bad FRAMEWORK is reported as a composer.json error", tests: []coveredBy{
			{"php", "TestBadFrameworkVariableIsNamed", `The FRAMEWORK variable: framework "banana" is not one kiln knows`},
			{"cmd/kiln", "hostileCases", "The FRAMEWORK variable"},
		}},
		{item: "a read-only cache or checkout gives a misleading message and leaves .build-N directories", tests: []coveredBy{
			{"e2e", "TestReadOnlyCheckoutAndCacheAreExplained", "kiln cannot write the slug to "},
			{"e2e", "TestReadOnlyCheckoutAndCacheAreExplained", "no work directory left"},
		}, open: "tested as nobody, so only when the tests run as root (as CI does)"},
		{item: "a missing DOCUMENT_ROOT boots silently", tests: []coveredBy{
			{"php/boot", "TestBootNamesAMissingDocumentRoot", "is not a directory of the app: every request gets 404 Not Found"},
		}},
		{item: "kiln run does not check PORT for Node.js apps", tests: []coveredBy{
			{"local", "TestRunChecksPort", "is not a port number (1 to 65535)"},
			{"local", "TestRunChecksPort", "is already in use by another program"},
		}},
		{item: "--tar pointing at a directory is unclear", tests: []coveredBy{
			{"local", "TestBuildRefusesTargetsThatWouldLoseData", "is a directory; --tar takes the name of the file"},
		}},
		{item: "php-boot fails when the slug path contains a space (unquoted nginx paths)", tests: []coveredBy{
			{"php/boot", "TestConfigWithSpacesInPathsPassesTest", `my "slug" dir`},
		}},
		{item: "SHA-1-only registry integrity is accepted", tests: []coveredBy{
			{"nodejs", "TestRegistrySHA1OnlyIntegrityIsWarned", "a SHA-1 checksum only (no sha512 integrity)"},
		}},
		{item: "every hostile input above that fails before the build changes nothing outside the app, cache and output", tests: []coveredBy{
			{"cmd/kiln", "TestHostileInputsChangeNothingAround", "nothing outside the app's .kiln, the cache and the output changed"},
		}},
		// Fuzzing: every fuzz target of the module must be listed here (checked).
		{item: "fuzzing of what reads untrusted input (make fuzz; make fuzz-short in CI)", tests: []coveredBy{
			{"stacks", "FuzzNpmRange", "versions satisfying %q"},
			{"stacks", "FuzzComposerConstraint", "ComposerSatisfies(%q, %q)"},
			{"nodejs", "FuzzNodePlan", "PlanAnything"},
			{"nodejs", "FuzzProcfile", "parseProcfile"},
			{"php", "FuzzPHPPlan", "PlanAnything"},
			{"nodejs/prune", "FuzzLockfileReaders", "HiddenLockfile wrote invalid JSON"},
			{"nodejs/prefetch", "FuzzSelect", "cache path %s"},
			{"buildpack", "FuzzLoadEnvDir", "LoadEnvDir"},
			{"local", "FuzzSlugignore", "is ignored yet copied"},
			{"local", "FuzzReadProcfile", "readProcfile"},
			{"buildpack/fetch", "FuzzExtractTar", "checkExtraction"},
			{"buildpack/fetch", "FuzzExtractTarRaw", "checkExtraction"},
		}},
	}
}

// TestHardeningCatalogue checks the catalogue: every named test exists in
// its package and contains the string it is listed with, every item is
// covered or says why it is open, and every fuzz target of the module is
// listed.
func TestHardeningCatalogue(t *testing.T) {
	root := filepath.Join("..", "..")
	funcs := testFuncs(t, root)
	listedFuzz := map[string]bool{}
	for _, it := range hardeningCatalogue() {
		if len(it.tests) == 0 {
			assert.NotEmpty(t, it.open, "%s: no test and no reason why it is open", it.item)
		}
		for _, c := range it.tests {
			body, ok := funcs[c.pkg+"."+c.test]
			if !assert.True(t, ok, "%s: %s has no test function %s", it.item, c.pkg, c.test) {
				continue
			}
			assert.Contains(t, body, c.asserts, "%s: %s.%s does not contain %q", it.item, c.pkg, c.test, c.asserts)
			if strings.HasPrefix(c.test, "Fuzz") {
				listedFuzz[c.pkg+"."+c.test] = true
			}
		}
	}
	var unlisted []string
	for name := range funcs {
		if i := strings.LastIndexByte(name, '.'); strings.HasPrefix(name[i+1:], "Fuzz") && !listedFuzz[name] {
			unlisted = append(unlisted, name)
		}
	}
	sort.Strings(unlisted)
	assert.Empty(t, unlisted, "fuzz targets missing from the catalogue's fuzzing item")
}

// testFuncs maps "pkgdir.Func" to the source of each function declared in
// the module's _test.go files (pkgdir relative to root, slash-separated).
func testFuncs(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "fixtures", "node_modules", "testdata", ".git", ".kiln", "dist", "examples":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(p))
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil {
				out[filepath.ToSlash(dir)+"."+fn.Name.Name] = string(src[fset.Position(fn.Pos()).Offset:fset.Position(fn.End()).Offset])
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}
