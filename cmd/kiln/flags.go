package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// envFlag collects repeated --env KEY=VALUE options.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, ",") }

func (e *envFlag) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// buildFlags are the options shared by plan and build.
type buildFlags struct {
	stack     string
	env       envFlag
	envDir    string
	buildpack string
	path      string
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.stack, "stack", "", "target stack (default: $STACK, else "+defaultStack()+")")
	fs.Var(&b.env, "env", "set a build variable KEY=VALUE (repeatable)")
	fs.StringVar(&b.envDir, "env-dir", "", "directory of one file per variable, as platforms pass it")
	fs.StringVar(&b.buildpack, "buildpack", "", "skip detection and use this buildpack (nodejs or php)")
	fs.StringVar(&b.path, "path", "", "the app's directory inside APP, a repository of several apps (default: $PROJECT_DIR, else APP itself)")
}

// appPath returns the app's directory inside the repository and where it
// comes from: --path, else PROJECT_DIR (the platform's variable for
// repositories of several apps), else "" (the repository is the app).
func (b *buildFlags) appPath(env buildpack.Env, warn io.Writer) (path, from string) {
	dir := env.Get("PROJECT_DIR")
	switch {
	case b.path != "":
		if dir != "" && dir != b.path {
			fmt.Fprintf(warn, " !     --path %s wins over PROJECT_DIR=%s\n", b.path, dir)
		}
		return b.path, "--path"
	case dir != "":
		return dir, "PROJECT_DIR"
	}
	return "", ""
}

// environment merges the process environment, the env dir and --env flags,
// in that order of precedence (last wins). The variables the env dir may
// not set are named on warn.
func (b *buildFlags) environment(base buildpack.Env, warn io.Writer) (buildpack.Env, error) {
	env := base
	if b.envDir != "" {
		dirEnv, skipped, err := buildpack.LoadEnvDir(b.envDir)
		if err != nil {
			return nil, buildpack.Userf("cannot read --env-dir: %v", err)
		}
		for _, s := range skipped {
			fmt.Fprintf(warn, " !     Ignoring %s from --env-dir: kiln does not let it change the build machinery.\n", s)
		}
		env = env.Merge(dirEnv)
	}
	env = env.Merge(buildpack.EnvFromList(b.env))
	return env, nil
}

// parseInterspersed parses flags that may appear before or after positional
// arguments, and returns the positional ones. "--" ends option parsing; what
// follows is returned separately.
func parseInterspersed(fs *flag.FlagSet, args []string) (pos, rest []string, err error) {
	fs.SetOutput(io.Discard)
	for i, a := range args {
		if a == "--" {
			rest = args[i+1:]
			args = args[:i]
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, &helpRequest{fs: fs}
			}
			return nil, nil, unknownFlagError(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, rest, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
