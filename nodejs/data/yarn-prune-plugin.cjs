// kiln's devDependency pruning for Yarn 2 and 3 apps that do not load the
// workspace-tools plugin (which provides `yarn workspaces focus`). kiln
// loads this file through YARN_PLUGINS and runs `yarn kiln-prune`: every
// workspace's devDependencies are dropped from the install, the project is
// installed again without writing yarn.lock or any package.json, and the
// archives of the cache that nothing uses any more are removed.
const fs = require('fs');
const path = require('path');

module.exports = {
  name: 'plugin-kiln-prune',
  factory: (yarnRequire) => {
    const {BaseCommand} = yarnRequire('@yarnpkg/cli');
    const {Cache, Configuration, Project, StreamReport} = yarnRequire('@yarnpkg/core');
    const {npath} = yarnRequire('@yarnpkg/fslib');

    class KilnPrune extends BaseCommand {
      async execute() {
        const configuration = await Configuration.find(this.context.cwd, this.context.plugins);
        const {project} = await Project.find(configuration, this.context.cwd);
        const cache = await Cache.find(configuration);
        // Whatever this Yarn's install persists is put back afterwards:
        // pruning must not change the app's files.
        const kept = [path.join(npath.fromPortablePath(project.cwd), 'yarn.lock')];
        for (const ws of project.workspaces) {
          kept.push(path.join(npath.fromPortablePath(ws.cwd), 'package.json'));
          ws.manifest.devDependencies.clear();
        }
        const saved = kept.filter((f) => fs.existsSync(f)).map((f) => [f, fs.readFileSync(f)]);
        let report;
        try {
          report = await StreamReport.start({configuration, stdout: this.context.stdout}, async (report) => {
            await project.install({cache, report, persistProject: false});
            if (typeof project.cacheCleanup === 'function') {
              await project.cacheCleanup({cache, report});
            }
          });
        } finally {
          for (const [f, b] of saved) fs.writeFileSync(f, b);
        }
        return report.exitCode();
      }
    }
    // Clipanion 2 (Yarn 2) declares paths with addPath, Clipanion 3 (Yarn 3)
    // with a static field.
    if (typeof KilnPrune.addPath === 'function') {
      KilnPrune.addPath('kiln-prune');
    } else {
      KilnPrune.paths = [['kiln-prune']];
    }
    return {commands: [KilnPrune]};
  },
};
