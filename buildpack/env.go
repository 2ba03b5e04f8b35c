package buildpack

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Env is an immutable-by-convention view of the build environment. Build code
// reads variables from it instead of the process environment, so tests can
// control every input.
type Env map[string]string

// EnvDirDenied reports whether name may not be set from an ENV_DIR: such
// variables would break the build machinery rather than configure the app,
// or are the operator's decisions about what builds trust and offer (the
// runtime repository's keys, its unsigned mode, extra runtime versions).
func EnvDirDenied(name string) bool {
	switch name {
	case "PATH", "GIT_DIR", "CPATH", "CPPATH", "LD_PRELOAD", "LIBRARY_PATH", "LANG", "BUILD_DIR", "KILN_RUNTIME_STORE",
		"KILN_RUNTIME_PUBLIC_KEY", "KILN_RUNTIME_UNSIGNED", "KILN_EXTRA_VERSIONS":
		return true
	}
	return false
}

// EnvFromOS returns the process environment as an Env.
func EnvFromOS() Env {
	return EnvFromList(os.Environ())
}

// EnvFromList parses KEY=VALUE entries; later entries win.
func EnvFromList(list []string) Env {
	e := Env{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			e[k] = v
		}
	}
	return e
}

// LoadEnvDir reads a platform ENV_DIR: one file per variable, the file name
// being the name and its content the value, without its trailing newlines
// (as the shell's $(cat FILE) reads it: platforms write the files with a
// newline at the end). Denied names are skipped and
// returned so the caller can say so. A missing directory is an error.
func LoadEnvDir(dir string) (Env, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading env dir %s: %w", dir, err)
	}
	e := Env{}
	var skipped []string
	for _, ent := range entries {
		if ent.IsDir() {
			continue
		}
		name := ent.Name()
		if EnvDirDenied(name) {
			skipped = append(skipped, name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, fmt.Errorf("reading env var %s: %w", name, err)
		}
		e[name] = strings.TrimRight(string(b), "\n")
	}
	return e, skipped, nil
}

// Get returns the value of name, or "".
func (e Env) Get(name string) string { return e[name] }

// Lookup returns the value of name and whether it is set.
func (e Env) Lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// Bool reports whether name is set to "true" (case-insensitive, trimmed).
func (e Env) Bool(name string) bool {
	return strings.EqualFold(strings.TrimSpace(e[name]), "true")
}

// Default returns the value of name, or def when it is unset or empty.
func (e Env) Default(name, def string) string {
	if v := e[name]; v != "" {
		return v
	}
	return def
}

// Merge returns a new Env with the variables of over applied on top of e.
func (e Env) Merge(over Env) Env {
	out := make(Env, len(e)+len(over))
	for k, v := range e {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// With returns a new Env with name set to value.
func (e Env) With(name, value string) Env {
	return e.Merge(Env{name: value})
}

// Keys returns the variable names, sorted.
func (e Env) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// List returns the environment as sorted KEY=VALUE entries, for exec.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for _, k := range e.Keys() {
		out = append(out, k+"="+e[k])
	}
	return out
}
