package prefetch

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSelect feeds arbitrary lockfiles to Select: every tarball it lists
// has an http(s) URL and a checksum, and is kept inside npm's cache.
func FuzzSelect(f *testing.F) {
	// testdata/fuzz/FuzzSelect holds an excerpt of testdata/vite: the whole
	// lockfile (88 KB) makes each run and each minimization slow.
	f.Add([]byte(`{"lockfileVersion":3,"packages":{"":{},"node_modules/@s/a":{"version":"1.0.0","integrity":"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA="},"node_modules/b":{"resolved":"file:../x","integrity":"sha512-`+strings.Repeat("A", 86)+`=="}}}`), true)
	f.Fuzz(func(t *testing.T, lock []byte, omitDev bool) {
		l := Select(lock, Selection{Platform: Platform{OS: "linux", CPU: "x64", Libc: "glibc"}, OmitDev: omitDev,
			Scoped: map[string]string{"@s": "https://npm.example/"}})
		cache := t.TempDir()
		for _, tb := range l.Tarballs {
			require.Regexp(t, `^https?://`, tb.URL)
			require.NotEmpty(t, tb.Sum.Digest)
			rel, err := filepath.Rel(cache, CachePath(cache, tb.Sum))
			require.NoError(t, err)
			require.True(t, filepath.IsLocal(rel), "cache path %s", rel)
		}
	})
}
