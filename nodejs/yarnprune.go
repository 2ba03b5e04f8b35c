package nodejs

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// Yarn 2+ apps are pruned by a Yarn plugin of kiln's, embedded here and
// written into the build's scratch directory: it drops every workspace's
// devDependencies from the install, installs again without touching
// yarn.lock or any package.json, then removes the archives of .yarn/cache
// nothing uses any more. It works with Yarn 2.0 to 4 alike, without the
// workspace-tools plugin that `yarn workspaces focus` needs in Yarn 2 and 3,
// and unlike focus it leaves no devDependency archive in a Plug'n'Play app's
// cache.

//go:embed data/yarn-prune-plugin.cjs
var yarnPrunePluginJS []byte

// yarnPruneCommand is the command the plugin adds to Yarn.
const yarnPruneCommand = "kiln-prune"

// yarnPrunePluginFile is the plugin's file name in the scratch directory.
const yarnPrunePluginFile = "kiln-yarn-prune.cjs"

// yarnPrunePlugin is where the prune step finds the plugin (YARN_PLUGINS).
func yarnPrunePlugin() string { return phTmp + "/" + yarnPrunePluginFile }

// writeYarnPrunePlugin writes the plugin where the prune step loads it.
func (c *compiler) writeYarnPrunePlugin() error {
	if err := os.WriteFile(filepath.Join(c.tmp, yarnPrunePluginFile), yarnPrunePluginJS, 0o644); err != nil {
		return fmt.Errorf("writing kiln's Yarn prune plugin: %w", err)
	}
	return nil
}
