package prefetch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack/fetch"
)

func TestSelectSources(t *testing.T) {
	a, b := sriOf([]byte("a")), sriOf([]byte("b"))
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{
		"": {"name":"app"},
		"node_modules/a": {"resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":%q},
		"node_modules/x/node_modules/a": {"resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":%q},
		"node_modules/b": {"resolved":"https://npm.example.com/b/-/b-1.0.0.tgz","integrity":"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= %s"},
		"node_modules/ws": {"resolved":"packages/ws","link":true},
		"packages/ws": {"name":"ws"},
		"node_modules/g": {"resolved":"git+ssh://git@github.com/x/g.git#abc","integrity":%q},
		"node_modules/f": {"resolved":"file:../f.tgz","integrity":%q},
		"node_modules/n": {"resolved":"https://registry.npmjs.org/n/-/n-1.0.0.tgz"},
		"node_modules/c/node_modules/d": {"resolved":"https://registry.npmjs.org/d/-/d-1.tgz","integrity":"sha512-!!","inBundle":true}
	}}`, a, a, b, a, a)
	got := Select([]byte(lock), Selection{Registry: "https://mirror.example/npm/"})
	var urls []string
	for _, tb := range got.Tarballs {
		urls = append(urls, tb.URL+" "+tb.Sum.Algo)
	}
	assert.Equal(t, []string{
		"https://mirror.example/npm/a/-/a-1.0.0.tgz sha512",
		"https://npm.example.com/b/-/b-1.0.0.tgz sha512",
	}, urls, "once per integrity; the public registry replaced; no links, git, file, unverifiable or bundled entries")
	assert.Equal(t, map[string]int{SkipNotRegistry: 4}, got.Skipped)
}

func TestAllows(t *testing.T) {
	for _, c := range []struct {
		list, value string
		want        bool
	}{
		{`["linux"]`, "linux", true},
		{`["darwin"]`, "linux", false},
		{`"linux"`, "linux", true},
		{`["!win32"]`, "linux", true},
		{`["!win32"]`, "win32", false},
		{`["!win32","!darwin"]`, "linux", true},
		{`["!win32","linux"]`, "linux", true},
		{`["!win32","darwin"]`, "linux", false},
		{`["any"]`, "sunos", true},
		{`["glibc"]`, "musl", false},
		{`["glibc"]`, "", true},
		{`[]`, "linux", true}, // npm: no entries, all (zero) negated
	} {
		assert.Equal(t, c.want, allows(gjson.Parse(c.list), c.value), "%s for %s", c.list, c.value)
	}
	assert.True(t, allows(gjson.Result{}, "linux"), "no field")
}

// TestSelectMatchesNPM: on a Vite + React + Express lockfile (78 platform
// packages of esbuild and rollup), Select keeps exactly the tarballs real
// npm 11 installed (the integrities of its node_modules/.package-lock.json,
// from npm ci --os --cpu --libc [--omit=dev|--include=dev]).
func TestSelectMatchesNPM(t *testing.T) {
	lock, err := os.ReadFile(filepath.Join("testdata", "vite", "package-lock.json"))
	require.NoError(t, err)
	for _, c := range []struct {
		os, cpu, libc string
		omitDev       bool
	}{
		{"linux", "x64", "glibc", false},
		{"linux", "x64", "glibc", true},
		{"linux", "arm64", "musl", false},
		{"darwin", "arm64", "glibc", false},
		{"win32", "x64", "glibc", false},
	} {
		name := fmt.Sprintf("%s-%s-%s-%s", c.os, c.cpu, c.libc, map[bool]string{true: "omit", false: "include"}[c.omitDev])
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "vite", "installed-"+name+".txt"))
			require.NoError(t, err)
			want := strings.Fields(string(b))
			l := Select(lock, Selection{Platform: Platform{OS: c.os, CPU: c.cpu, Libc: c.libc}, OmitDev: c.omitDev})
			var got []string
			for _, tb := range l.Tarballs {
				got = append(got, tb.Sum.String())
			}
			var wantSums []string
			for _, w := range want {
				sum, err := fetch.SRI(w)
				require.NoError(t, err)
				wantSums = append(wantSums, sum.String())
			}
			slices.Sort(got)
			slices.Sort(wantSums)
			assert.Equal(t, wantSums, got)
			if c.omitDev {
				assert.Positive(t, l.Skipped[SkipDev]) // the platform packages are all dev ones here
			} else {
				assert.Positive(t, l.Skipped[SkipPlatform])
			}
		})
	}
}

// TestSelectOptionalSet: a package only a foreign-platform optional
// package needs is left out with it; one also needed elsewhere is kept;
// a dev package is left out only when devDependencies are omitted.
func TestSelectOptionalSet(t *testing.T) {
	s := func(n string) string { return sriOf([]byte(n)) }
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{
		"": {"dependencies":{"tool":"1"},"devDependencies":{"devtool":"1"}},
		"node_modules/tool": {"version":"1.0.0","integrity":%q,"optionalDependencies":{"tool-darwin":"1","tool-linux":"1","tool-any":"1"}},
		"node_modules/tool-darwin": {"version":"1.0.0","integrity":%q,"optional":true,"os":["darwin"],"dependencies":{"helper":"1","shared":"1"}},
		"node_modules/tool-linux": {"version":"1.0.0","integrity":%q,"optional":true,"os":["linux"],"cpu":["!arm"],"dependencies":{"shared":"1"}},
		"node_modules/tool-any": {"version":"1.0.0","integrity":%q,"optional":true,"libc":["musl"]},
		"node_modules/helper": {"version":"1.0.0","integrity":%q,"optional":true},
		"node_modules/shared": {"version":"1.0.0","integrity":%q,"optional":true},
		"node_modules/devtool": {"version":"1.0.0","integrity":%q,"dev":true}
	}}`, s("tool"), s("tool-darwin"), s("tool-linux"), s("tool-any"), s("helper"), s("shared"), s("devtool"))
	names := func(l List) []string {
		var out []string
		for _, tb := range l.Tarballs {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(tb.URL, "https://registry.npmjs.org/"), "-1.0.0.tgz"))
		}
		return out
	}
	l := Select([]byte(lock), Selection{Platform: Platform{OS: "linux", CPU: "x64", Libc: "glibc"}})
	assert.Equal(t, []string{"tool/-/tool", "tool-linux/-/tool-linux", "shared/-/shared", "devtool/-/devtool"}, names(l))
	assert.Equal(t, map[string]int{SkipPlatform: 3}, l.Skipped)

	l = Select([]byte(lock), Selection{Platform: Platform{OS: "linux", CPU: "x64", Libc: "glibc"}, OmitDev: true})
	assert.Equal(t, []string{"tool/-/tool", "tool-linux/-/tool-linux", "shared/-/shared"}, names(l))
	assert.Equal(t, map[string]int{SkipPlatform: 3, SkipDev: 1}, l.Skipped)

	l = Select([]byte(lock), Selection{Platform: Platform{OS: "darwin", CPU: "arm64"}})
	assert.Equal(t, []string{"tool/-/tool", "tool-darwin/-/tool-darwin", "tool-any/-/tool-any", "helper/-/helper", "shared/-/shared", "devtool/-/devtool"}, names(l),
		"libc unknown off Linux: not applied")
}

func TestSelectComputesURLs(t *testing.T) {
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{
		"": {},
		"node_modules/plain": {"version":"1.2.3","integrity":%q},
		"node_modules/@acme/widget": {"version":"2.0.0-beta.1","integrity":%q},
		"node_modules/@other/thing": {"version":"3.0.0","integrity":%q},
		"node_modules/alias": {"name":"real-name","version":"4.0.0","integrity":%q},
		"node_modules/noversion": {"integrity":%q}
	}}`, sriOf([]byte("1")), sriOf([]byte("2")), sriOf([]byte("3")), sriOf([]byte("4")), sriOf([]byte("5")))
	l := Select([]byte(lock), Selection{Registry: "https://reg.example/npm/", Scoped: map[string]string{"@acme": "https://acme.example/r/"}})
	var urls []string
	for _, tb := range l.Tarballs {
		assert.True(t, tb.Computed)
		urls = append(urls, tb.URL)
	}
	assert.Equal(t, []string{
		"https://reg.example/npm/plain/-/plain-1.2.3.tgz",
		"https://acme.example/r/@acme/widget/-/widget-2.0.0-beta.1.tgz",
		"https://reg.example/npm/@other/thing/-/thing-3.0.0.tgz",
		"https://reg.example/npm/real-name/-/real-name-4.0.0.tgz",
	}, urls)
	assert.Equal(t, map[string]int{SkipNotRegistry: 1}, l.Skipped)
}
