package nodejs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebConcurrencyScript runs the generated profile script with sh against
// fake cgroup files.
func TestWebConcurrencyScript(t *testing.T) {
	const mb = 1048576
	tests := []struct {
		name   string
		v2, v1 string // file contents; "" means no file
		env    []string
		want   string
	}{
		{"512 MB (v2)", itoa(512 * mb), "", nil, "1"},
		{"1 GB (v2)", itoa(1024 * mb), "", nil, "2"},
		{"2.5 GB (v2)", itoa(2560 * mb), "", nil, "5"},
		{"1 GB with WEB_MEMORY=256", itoa(1024 * mb), "", []string{"WEB_MEMORY=256"}, "4"},
		{"unlimited v2", "max", "", nil, "1"},
		{"unlimited v1", "", "9223372036854771712", nil, "1"},
		{"1 GB (v1)", "", itoa(1024 * mb), nil, "2"},
		{"no cgroup at all", "", "", nil, "1"},
		{"MEMORY_AVAILABLE given", "", "", []string{"MEMORY_AVAILABLE=4096"}, "8"},
		{"WEB_CONCURRENCY kept", itoa(2560 * mb), "", []string{"WEB_CONCURRENCY=7"}, "7"},
	}
	script := filepath.Join(t.TempDir(), "WEB_CONCURRENCY.sh")
	require.NoError(t, os.WriteFile(script, []byte(profileWebConcurrency), 0o644))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"PATH=/usr/bin:/bin",
				"KILN_CGROUP_V2_MEMORY=" + fakeFile(t, dir, "v2", tc.v2),
				"KILN_CGROUP_V1_MEMORY=" + fakeFile(t, dir, "v1", tc.v1)}
			cmd := exec.Command("sh", "-c", `. "$1"; echo "$WEB_CONCURRENCY"`, "sh", script)
			cmd.Env = append(env, tc.env...)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			assert.Equal(t, tc.want, strings.TrimSpace(string(out)))
		})
	}
}

func fakeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	if content != "" {
		require.NoError(t, os.WriteFile(p, []byte(content+"\n"), 0o644))
	}
	return p
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNodeProfileScript(t *testing.T) {
	home := t.TempDir()
	script := filepath.Join(home, "nodejs.sh")
	require.NoError(t, os.WriteFile(script, []byte(profileNodeJS), 0o644))
	cmd := exec.Command("sh", "-c", `. "$1"; echo "$PATH|$NODE_HOME|$NODE_ENV"`, "sh", script)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin"}
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, home+"/.scalingo/node/bin:/usr/bin:"+home+"/bin:"+home+"/node_modules/.bin|"+home+"/.scalingo/node|production", strings.TrimSpace(string(out)))
}
