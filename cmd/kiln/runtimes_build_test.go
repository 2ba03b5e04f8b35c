package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

func runRuntimesBuild(env buildpack.Env, args ...string) (string, error) {
	var out bytes.Buffer
	a := &app{ctx: context.Background(), stdout: &out, stderr: &out, env: env}
	err := cmdRuntimesBuild(a, args)
	return out.String(), err
}

func TestRuntimesBuildRefusals(t *testing.T) {
	env := buildpack.Env{"HOME": t.TempDir()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--host"}, "runtimes build: nothing to build: give --php, --nginx or --composer"},
		{[]string{"--host", "--ext", "apcu=5.1.22"}, "--ext builds extensions against a PHP: give --php too"},
		{[]string{"--host", "--ext", "apcu", "--php", "8.2.32"}, `want NAME=VALUE, got "apcu"`},
		{[]string{"--host", "--stack", "nope", "--nginx", "1.22.1"}, `unknown stack "nope"`},
		{[]string{"--stack", "scalingo-26", "--nginx", "1.22.1"}, "only with --host"},
		{[]string{"--stack", "scalingo-26", "--nginx", "1.22.1"}, "-f stacks/scalingo-26/Dockerfile"},
		{[]string{"--host", "--php", "8.2.99", "--cache", t.TempDir(), "--out", t.TempDir()}, "pass --sha256 php=<hex>"},
	} {
		_, err := runRuntimesBuild(env, tc.args...)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
	}
}

// TestRuntimesBuildComposer fetches Composer's phar through the command:
// the source URL comes from KILN_COMPOSER_SOURCE_URL, the checksum from
// --sha256, the cache from XDG_CACHE_HOME.
func TestRuntimesBuildComposer(t *testing.T) {
	phar := []byte("<?php echo 'composer';\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/composer/2.9.9/composer.phar" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(phar)
	}))
	defer srv.Close()
	sum := sha256.Sum256(phar)
	xdg, out := t.TempDir(), t.TempDir()
	env := buildpack.Env{"XDG_CACHE_HOME": xdg, "KILN_COMPOSER_SOURCE_URL": srv.URL + "/composer/{version}/composer.phar"}
	args := []string{"--host", "--stack", "scalingo-26", "--out", out, "--composer", "2.9.9", "--sha256", "composer=" + hex.EncodeToString(sum[:])}
	stdout, err := runRuntimesBuild(env, args...)
	require.NoError(t, err, stdout)
	assert.Contains(t, stdout, "Wrote 1 archive(s) into "+out+" (1 built, 0 from the build cache "+filepath.Join(xdg, "kiln", "runtime-builds")+")")
	got, err := os.ReadFile(filepath.Join(out, "php/scalingo-26/composer-2.9.9.phar"))
	require.NoError(t, err)
	assert.Equal(t, phar, got)
	assert.FileExists(t, filepath.Join(out, "php/scalingo-26/composer-2.9.9.phar.build.json"))

	stdout, err = runRuntimesBuild(env, args...)
	require.NoError(t, err, stdout)
	assert.Contains(t, stdout, "(0 built, 1 from the build cache")
}
