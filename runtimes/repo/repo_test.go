package repo

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := GenerateKey(nil)
	require.NoError(t, err)
	return pub, priv
}

func TestKeyPairFilesRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	_, priv := newKey(t)
	privPath, pubPath, err := WriteKeyPair(dir, priv)
	require.NoError(t, err)
	fi, err := os.Stat(privPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	got, err := ReadPrivateKey(privPath)
	require.NoError(t, err)
	assert.True(t, priv.Equal(got))
	text, err := os.ReadFile(pubPath)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(text), "\n"), "one line")
	pub, err := ParsePublicKey(string(text))
	require.NoError(t, err)
	assert.True(t, pub.Equal(priv.Public()))

	_, _, err = WriteKeyPair(dir, priv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")

	require.NoError(t, os.Chmod(privPath, 0o644))
	_, err = ReadPrivateKey(privPath)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chmod 600")
}

func TestParseKeysSaysWhatIsWrong(t *testing.T) {
	pub, priv := newKey(t)
	pub2, _ := newKey(t)
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "  ", "empty"},
		{"not base64", "not*base64!", "not standard base64"},
		{"wrong length", b64([]byte("short")), "5 bytes long; an ed25519 public key is 32"},
		{"private given", b64(priv), "this is a private key"},
		{"second of two bad", b64(pub) + "," + b64([]byte("x")), "key 2 of 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePublicKeys(tc.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	keys, err := ParsePublicKeys(" " + b64(pub) + " , " + b64(pub2) + "\n")
	require.NoError(t, err)
	assert.Len(t, keys, 2)

	_, err = ParsePrivateKey(b64(pub))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "this is a public key")
	damaged := append([]byte{}, priv...)
	damaged[40] ^= 1
	_, err = ParsePrivateKey(b64(damaged))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "damaged")
}

func TestSignVerifyTamperingAndRotation(t *testing.T) {
	pub, priv := newKey(t)
	other, _ := newKey(t)
	manifest := []byte(`{"schema": 1, "stack": "scalingo-26", "artifacts": []}` + "\n")
	sig := Sign(manifest, priv)
	assert.True(t, strings.HasSuffix(string(sig), "\n"))
	require.NoError(t, Verify(manifest, sig, []ed25519.PublicKey{pub}))
	require.NoError(t, Verify(manifest, sig, []ed25519.PublicKey{other, pub}), "any one of the keys (rotation)")

	assert.ErrorIs(t, Verify(manifest, sig, []ed25519.PublicKey{other}), ErrBadSignature, "another key")
	tampered := append([]byte{}, manifest...)
	tampered[len(tampered)-3] = ' '
	assert.ErrorIs(t, Verify(tampered, sig, []ed25519.PublicKey{pub}), ErrBadSignature, "one byte changed")
	badSig := append([]byte{}, sig...)
	badSig[3] ^= 1
	assert.Error(t, Verify(manifest, badSig, []ed25519.PublicKey{pub}))
	err := Verify(manifest, []byte("c2hvcnQ=\n"), []ed25519.PublicKey{pub})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "5 bytes long")
	assert.Error(t, Verify(manifest, sig, nil))

	m, err := Open(manifest, sig, []ed25519.PublicKey{pub})
	require.NoError(t, err)
	assert.Equal(t, "scalingo-26", m.Stack)
	_, err = Open(tampered, sig, []ed25519.PublicKey{pub})
	assert.ErrorIs(t, err, ErrBadSignature)
}

func TestParseManifestChecks(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct{ name, doc, want string }{
		{"schema", `{"schema": 2, "stack": "s"}`, "schema 2"},
		{"stack", `{"schema": 1}`, "no stack"},
		{"escape", `{"schema": 1, "stack": "s", "artifacts": [{"path": "../x.tgz", "sha256": "` + sum + `"}]}`, "not a clean path"},
		{"abs", `{"schema": 1, "stack": "s", "artifacts": [{"path": "/x.tgz", "sha256": "` + sum + `"}]}`, "not a clean path"},
		{"twice", `{"schema": 1, "stack": "s", "artifacts": [{"path": "x.tgz", "sha256": "` + sum + `"}, {"path": "x.tgz", "sha256": "` + sum + `"}]}`, "twice"},
		{"sum", `{"schema": 1, "stack": "s", "artifacts": [{"path": "x.tgz", "sha256": "abc"}]}`, "no valid sha256"},
		{"json", `{"schema": 1,`, "reading the manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// writeFiles writes files (path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestIndexWritesSignedManifests(t *testing.T) {
	dir := t.TempDir()
	sidecar := `{"kind": "php", "name": "php", "version": "8.2.32", "stack": "scalingo-26",
		"source": {"url": "http://deb.example/php8.2_8.2.32.orig.tar.xz", "sha256": "` + strings.Repeat("0", 64) + `"},
		"configure": ["--prefix=/app/vendor/php"], "script_sha256": "abc", "builder": "kiln dev runtimes build --host", "future_field": 7}`
	writeFiles(t, dir, map[string]string{
		"php/scalingo-26/php-8.2.32.tgz":                     "php archive",
		"php/scalingo-26/php-8.2.32.tgz.build.json":          sidecar,
		"php/scalingo-26/composer-2.8.4.phar":                "phar",
		"php/scalingo-26/composer-2.8.4.phar.sha256":         "ignored",
		"php/scalingo-26/ext/20220829/php-apcu.tgz":          "apcu",
		"php/scalingo-26/ext/20220829/php-ddtrace-1.5.1.tgz": "ddtrace",
		"php/scalingo-26/ext/20220829/php-pdo_pgsql.tgz":     "pdo_pgsql",
		"php/scalingo-26/.tmp-123":                           "leftover",
		"php/scalingo-26/README":                             "not an archive",
		"nginx/scalingo-26/nginx-1.22.1.tgz":                 "nginx archive",
	})
	pub, priv := newKey(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	out, err := index(dir, priv, now)
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, filepath.Join(dir, "nginx/scalingo-26"), out[0].Dir)

	data, err := os.ReadFile(filepath.Join(dir, "php/scalingo-26/manifest.json"))
	require.NoError(t, err)
	sig, err := os.ReadFile(filepath.Join(dir, "php/scalingo-26/manifest.json.sig"))
	require.NoError(t, err)
	m, err := Open(data, sig, []ed25519.PublicKey{pub})
	require.NoError(t, err)
	assert.Equal(t, "2026-12-03T10:00:00Z", m.Generated)
	assert.Equal(t, "scalingo-26", m.Stack)
	var paths []string
	for _, a := range m.Artifacts {
		paths = append(paths, a.Path)
	}
	assert.Equal(t, []string{"composer-2.8.4.phar", "ext/20220829/php-apcu.tgz", "ext/20220829/php-ddtrace-1.5.1.tgz",
		"ext/20220829/php-pdo_pgsql.tgz", "php-8.2.32.tgz"}, paths)

	php, ok := m.Lookup("php-8.2.32.tgz")
	require.True(t, ok)
	assert.Equal(t, Artifact{Path: "php-8.2.32.tgz", Kind: KindPHP, Name: "php", Version: "8.2.32", SHA256: hexSum("php archive"), Size: 11}, withoutBuild(php))
	var build map[string]any
	require.NoError(t, json.Unmarshal(php.Build, &build))
	assert.Equal(t, float64(7), build["future_field"], "the sidecar is kept whole")
	assert.Equal(t, []any{"--prefix=/app/vendor/php"}, build["configure"])

	dd, _ := m.Lookup("ext/20220829/php-ddtrace-1.5.1.tgz")
	assert.Equal(t, Artifact{Path: dd.Path, Kind: KindExtension, Name: "ddtrace", Version: "1.5.1", SHA256: hexSum("ddtrace"), Size: 7}, dd)
	pg, _ := m.Lookup("ext/20220829/php-pdo_pgsql.tgz")
	assert.Equal(t, "pdo_pgsql", pg.Name)
	assert.Empty(t, pg.Version)
	assert.Nil(t, pg.Build, "no sidecar, no build")
	c, _ := m.Lookup("composer-2.8.4.phar")
	assert.Equal(t, KindComposer, c.Kind)

	nginx := out[0].Manifest
	require.Len(t, nginx.Artifacts, 1)
	assert.Equal(t, KindNginx, nginx.Artifacts[0].Kind)
	assert.Equal(t, "1.22.1", nginx.Artifacts[0].Version)

	// Indexing again after a change signs the new content.
	writeFiles(t, dir, map[string]string{"nginx/scalingo-26/nginx-1.30.3.tgz": "newer"})
	_, err = index(dir, priv, now)
	require.NoError(t, err)
	data, _ = os.ReadFile(filepath.Join(dir, "nginx/scalingo-26/manifest.json"))
	sig, _ = os.ReadFile(filepath.Join(dir, "nginx/scalingo-26/manifest.json.sig"))
	m, err = Open(data, sig, []ed25519.PublicKey{pub})
	require.NoError(t, err)
	assert.Len(t, m.Artifacts, 2)
	leftovers, _ := filepath.Glob(filepath.Join(dir, "nginx/scalingo-26/.tmp-*"))
	assert.Empty(t, leftovers)
}

func withoutBuild(a Artifact) Artifact {
	a.Build = nil
	return a
}

func TestIndexRefusesWhatItCannotDescribe(t *testing.T) {
	_, priv := newKey(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown name", map[string]string{"php/s/mystery.tgz": "x"}, "mystery.tgz: kiln cannot tell what this archive is"},
		{"sidecar stack", map[string]string{"php/s/php-8.2.32.tgz": "x", "php/s/php-8.2.32.tgz.build.json": `{"kind": "php", "name": "php", "version": "8.2.32", "stack": "other"}`},
			`says stack "other", but the archive's name or place says "s"`},
		{"sidecar version", map[string]string{"php/s/php-8.2.32.tgz": "x", "php/s/php-8.2.32.tgz.build.json": `{"kind": "php", "name": "php", "version": "8.2.31", "stack": "s"}`},
			`says version "8.2.31"`},
		{"sidecar api", map[string]string{"php/s/ext/20220829/php-apcu.tgz": "x", "php/s/ext/20220829/php-apcu.tgz.build.json": `{"kind": "extension", "name": "apcu", "php_api": "20230831", "stack": "s"}`},
			`says php_api "20230831"`},
		{"sidecar json", map[string]string{"php/s/php-8.2.32.tgz": "x", "php/s/php-8.2.32.tgz.build.json": `{`}, "reading php-8.2.32.tgz.build.json"},
		{"nothing", map[string]string{"README": "x"}, "nothing to index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := Index(dir, priv)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NoFileExists(t, filepath.Join(dir, "php/s/manifest.json"))
		})
	}
	// A named archive with a sidecar (an archive of a name the layout
	// does not give) is indexed from the sidecar.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"php/s/custom.tgz": "x", "php/s/custom.tgz.build.json": `{"kind": "extension", "name": "custom", "stack": "s"}`})
	out, err := Index(dir, priv)
	require.NoError(t, err)
	assert.Equal(t, "custom", out[0].Manifest.Artifacts[0].Name)
}
