package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCommandHelp(t *testing.T) {
	for _, flag := range []string{"--help", "-h"} {
		code, stdout, stderr := kiln(nil, "build", flag)
		assert.Equal(t, 0, code, flag)
		assert.Empty(t, stderr, flag)
		assert.Contains(t, stdout, "usage: kiln build ", flag)
		assert.Contains(t, stdout, "Builds APP locally into a slug", flag)
		assert.Contains(t, stdout, "  -no-cache\n    \tbuild with an empty, throw-away cache\n", flag)
		assert.Contains(t, stdout, "  -stack string\n    \ttarget stack (default: $STACK, else", flag)
	}
	for name, cmd := range commands() {
		code, stdout, stderr := kiln(nil, name, "--help")
		assert.Equal(t, 0, code, name)
		assert.Empty(t, stderr, name)
		assert.Contains(t, stdout, "usage: kiln "+cmd.usage+"\n\n"+cmd.summary+"\n", name)
	}
	code, stdout, _ := kiln(nil, "run", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "  -env value\n")
}

func TestHelpCommand(t *testing.T) {
	_, want, _ := kiln(nil, "build", "--help")
	code, stdout, stderr := kiln(nil, "help", "build")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	assert.Equal(t, want, stdout, "kiln help build is kiln build --help")

	_, general, _ := kiln(nil, "--help")
	assert.Contains(t, general, "usage: kiln COMMAND [options]\n")
	code, stdout, _ = kiln(nil, "help")
	assert.Equal(t, 0, code)
	assert.Equal(t, general, stdout)
	code, stdout, _ = kiln(nil)
	assert.Equal(t, 2, code, "no command is a usage error, as before")
	assert.Equal(t, general, stdout)

	code, stdout, stderr = kiln(nil, "help", "nosuch")
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `unknown command "nosuch"`)
	assert.Contains(t, stderr, "  kiln build ")
}

func TestVersionFlags(t *testing.T) {
	_, want, _ := kiln(nil, "version")
	assert.Equal(t, "kiln "+version+"\n", want)
	for _, flag := range []string{"--version", "-v"} {
		code, stdout, stderr := kiln(nil, flag)
		assert.Equal(t, 0, code, flag)
		assert.Empty(t, stderr, flag)
		assert.Equal(t, want, stdout, flag)
	}
}

func TestSuggestions(t *testing.T) {
	code, stdout, stderr := kiln(nil, "build", "--nocache", "app")
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, " !     build: unknown flag --nocache; did you mean --no-cache?\n")

	code, _, stderr = kiln(nil, "plan", "app", "--jsn")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown flag --jsn; did you mean --json?")

	code, _, stderr = kiln(nil, "build", "--frobnicate", "app")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown flag --frobnicate\n", "no suggestion when nothing is close")

	code, _, stderr = kiln(nil, "biuld", "app")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "biuld"; did you mean build?`)

	code, _, stderr = kiln(nil, "frobnicate")
	assert.Equal(t, 2, code)
	assert.NotContains(t, stderr, "did you mean")
}

func TestClosest(t *testing.T) {
	names := []string{"cache", "no-cache", "json", "output", "tar", "env", "env-dir"}
	for in, want := range map[string]string{
		"nocache": "no-cache", "no-cach": "no-cache", "jsn": "json", "js": "json",
		"outptu": "output", "envdir": "env-dir", "x": "", "frobnicate": "", "ta": "tar",
	} {
		assert.Equal(t, want, closest(in, names), in)
	}
	assert.Equal(t, 3, editDistance("kitten", "sitting"))
	assert.Equal(t, 0, editDistance("", ""))
	assert.Equal(t, 4, editDistance("", "json"))
}
