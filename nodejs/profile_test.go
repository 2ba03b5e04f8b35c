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
		{"14 GB (v2)", itoa(14336 * mb), "", nil, "28"},
		{"16 GB: still 512 MB each", itoa(16384 * mb), "", nil, "32"},
		{"32 GB: 2048 MB each", itoa(32768 * mb), "", nil, "16"},
		{"32 GB with WEB_MEMORY=512", itoa(32768 * mb), "", []string{"WEB_MEMORY=512"}, "64"},
		{"500 GB limit counts as 126 GB", itoa(512000 * mb), "", nil, "63"},
		{"absurd MEMORY_AVAILABLE", "", "", []string{"MEMORY_AVAILABLE=10000000000"}, "1"},
		{"absurdly long MEMORY_AVAILABLE", "", "", []string{"MEMORY_AVAILABLE=99999999999999999999999"}, "1"},
		{"over 200 processes", "", "", []string{"MEMORY_AVAILABLE=4096", "WEB_MEMORY=16"}, "1"},
		{"unparsable MEMORY_AVAILABLE", "", "", []string{"MEMORY_AVAILABLE=lots"}, "1"},
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
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			require.NoError(t, err, stderr.String())
			assert.Equal(t, tc.want, strings.TrimSpace(string(out)))
			if strings.Contains(tc.name, "absurd") || strings.Contains(tc.name, "200") {
				assert.Contains(t, stderr.String(), "not a sensible WEB_CONCURRENCY: using 1")
			} else {
				assert.Empty(t, stderr.String())
			}
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
