package main

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// TestRuntimesKeygenIndexServe makes a key, signs a repository and serves
// it, as an operator would.
func TestRuntimesKeygenIndexServe(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := kiln(nil, "runtimes", "keygen", "--out", keys)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "kiln-runtimes.key (private: keep it secret")
	pubText, err := os.ReadFile(filepath.Join(keys, repo.PublicKeyName))
	require.NoError(t, err)
	assert.Contains(t, stdout, "KILN_RUNTIME_PUBLIC_KEY="+strings.TrimSpace(string(pubText))+"\n")
	code, _, stderr = kiln(nil, "runtimes", "keygen", "--out", keys)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "already exists")

	dir := writeApp(t, map[string]string{"php/scalingo-26/php-8.2.32.tgz": "php", "nginx/scalingo-26/nginx-1.22.1.tgz": "nginx"})
	code, stdout, stderr = kiln(nil, "runtimes", "index", dir, "--key", filepath.Join(keys, repo.PrivateKeyName))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-----> Signed "+filepath.Join(dir, "php/scalingo-26/manifest.json")+" (archives listed: 1)\n")
	assert.Contains(t, stdout, "php-8.2.32.tgz 3 bytes (no build inputs)")
	code, _, stderr = kiln(nil, "runtimes", "index", dir, "--key", filepath.Join(keys, repo.PublicKeyName))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "this is a public key")

	ctx, cancel := context.WithCancel(context.Background())
	out := &buildpacktest.SyncBuffer{}
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"kiln", "runtimes", "serve", dir, "--addr", "127.0.0.1:0"}, nil, out, io.Discard)
	}()
	var base string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`PHP_BASE_URL=(\S+)/php`).FindStringSubmatch(out.String())
		if m != nil {
			base = m[1]
		}
		return base != ""
	}, 10*time.Second, 10*time.Millisecond)
	get := func(p string) []byte {
		res, err := http.Get(base + p)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, 200, res.StatusCode, p)
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return b
	}
	pub, err := repo.ParsePublicKey(string(pubText))
	require.NoError(t, err)
	m, err := repo.Open(get("/php/scalingo-26/manifest.json"), get("/php/scalingo-26/manifest.json.sig"), []ed25519.PublicKey{pub})
	require.NoError(t, err)
	assert.Equal(t, "php-8.2.32.tgz", m.Artifacts[0].Path)
	assert.Equal(t, "nginx", string(get("/nginx/scalingo-26/nginx-1.22.1.tgz")))
	cancel() // what SIGINT or SIGTERM does to the command's context
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, out.String(), "-----> Stopped")
}

func TestRuntimesUsage(t *testing.T) {
	code, _, stderr := kiln(nil, "runtimes")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: kiln runtimes ")
	code, _, stderr = kiln(nil, "runtimes", "indx")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown subcommand "indx"; did you mean index?`)
	code, _, stderr = kiln(nil, "runtimes", "index", t.TempDir())
	assert.Equal(t, 2, code, "--key is required")
	assert.Contains(t, stderr, "usage: kiln runtimes index DIR --key FILE")
	code, _, stderr = kiln(nil, "runtimes", "keygen")
	assert.Equal(t, 2, code, "--out is required")
	assert.Contains(t, stderr, "usage: kiln runtimes keygen --out DIR")
	for name, sub := range runtimesCommands() {
		code, stdout, stderr := kiln(nil, "runtimes", name, "--help")
		assert.Equal(t, 0, code, name)
		assert.Empty(t, stderr, name)
		assert.Contains(t, stdout, "usage: kiln "+sub.usage+"\n\n"+sub.summary+"\n", name)
	}
	_, stdout, _ := kiln(nil, "runtimes", "serve", "-h")
	assert.Contains(t, stdout, "  -addr string\n")
	_, stdout, _ = kiln(nil, "--help")
	assert.Contains(t, stdout, "  kiln runtimes ")
}
