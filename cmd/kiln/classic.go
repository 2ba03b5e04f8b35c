package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// cmdCompile is the classic bin/compile: BUILD_DIR CACHE_DIR [ENV_DIR].
// Configuration comes from ENV_DIR when given, and from the process
// environment otherwise (or as well: ENV_DIR wins).
//
// --export FILE (bin/compile passes $BP_DIR/export) makes the build write the
// shell exports that later buildpacks of a multi-buildpack build source.
func cmdCompile(a *app, args []string) error {
	exportFile := ""
	if len(args) > 0 && strings.HasPrefix(args[0], "--export") {
		switch {
		case strings.HasPrefix(args[0], "--export="):
			exportFile, args = strings.TrimPrefix(args[0], "--export="), args[1:]
		case args[0] == "--export" && len(args) > 1:
			exportFile, args = args[1], args[2:]
		default:
			return usagef("usage: kiln %s", commands()["compile"].usage)
		}
	}
	if len(args) < 2 || len(args) > 3 {
		return usagef("usage: kiln %s", commands()["compile"].usage)
	}
	env := a.env
	if len(args) == 3 && args[2] != "" {
		dirEnv, skipped, err := buildpack.LoadEnvDir(args[2])
		if err != nil {
			return buildpack.Userf("cannot read ENV_DIR: %v", err)
		}
		env = env.Merge(dirEnv)
		for _, s := range skipped {
			fmt.Fprintf(a.stdout, " !     Ignoring %s from the environment directory: kiln does not let it change the build machinery.\n", s)
		}
	}
	defer a.redact(env)()
	e := a.engine(env, "", "")
	e.ExportFile = exportFile
	cache, err := filepath.Abs(args[1])
	if err != nil {
		return fmt.Errorf("resolving cache directory: %w", err)
	}
	_, err = e.Compile(args[0], cache)
	return a.interrupted(err)
}

// cmdRelease is the classic bin/release: prints the release YAML.
func cmdRelease(a *app, args []string) error {
	if len(args) != 1 {
		return usagef("usage: kiln %s", commands()["release"].usage)
	}
	out, err := a.engine(a.env, "", "").Release(args[0])
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(out)
	return err
}

// cmdVersion prints kiln's version.
func cmdVersion(a *app, _ []string) error {
	fmt.Fprintf(a.stdout, "kiln %s\n", version)
	return nil
}
