package nodejs

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kiln-dev/kiln/buildpack"
)

func TestLastDependencyWriter(t *testing.T) {
	step := func(name string, cmd ...string) buildpack.Step { return buildpack.Step{Name: name, Command: cmd} }
	npm := []buildpack.Step{
		step(stepEnvironment), step(stepInstallNode), step(stepPrebuild, "npm", "run", "scalingo-prebuild"),
		step(stepNPMCI, "npm", "ci"), step(stepBuild, "npm", "run", "build"), step(stepSaveCache),
		step(stepPrune, "npm", "prune"), step(stepProfile),
	}
	assert.Equal(t, 4, lastDependencyWriter(npm), "the build script; npm prune only unlinks")
	withCleanup := append(append([]buildpack.Step(nil), npm...), step(stepCleanup, "npm", "run", "scalingo-cleanup"))
	assert.Equal(t, 8, lastDependencyWriter(withCleanup))
	yarn := []buildpack.Step{step(stepYarnInstall, "yarn", "install"), step(stepBuild, "yarn", "run", "build"), step(stepPrune, "yarn", "install", "--production"), step(stepProfile)}
	assert.Equal(t, 2, lastDependencyWriter(yarn), "Yarn's production reinstall may rebuild packages")
	assert.Equal(t, -1, lastDependencyWriter([]buildpack.Step{step(stepNPMCI, "npm", "ci"), step(stepProfile)}))
}
