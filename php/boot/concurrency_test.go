package boot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

func TestConcurrencyReproducesTheDocumentedTable(t *testing.T) {
	lim := memoryLimit{Bytes: 196 << 20, Text: "196M", Source: "php.ini"}
	for size, want := range map[string]int{"S": 3, "M": 4, "L": 7, "XL": 12, "2XL": 22, "3XL": 43, "l": 7} {
		c, err := chooseConcurrency(buildpack.Env{"CONTAINER_SIZE": size}, lim, t.TempDir())
		require.NoError(t, err)
		assert.Equal(t, want, c.Children, size)
	}
	c, err := chooseConcurrency(buildpack.Env{"CONTAINER_SIZE": "L"}, lim, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "PHP-FPM runs 7 processes: 1024M of RAM for CONTAINER_SIZE=L, memory_limit 196M from php.ini: floor(1024M / 196M) + 2", c.Line())
}

func TestConcurrencySources(t *testing.T) {
	lim := memoryLimit{Bytes: 128 << 20, Text: "128M", Source: "php.ini"}
	cg := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cg, "memory.max"), []byte("2147483648\n"), 0o644))
	c, err := chooseConcurrency(buildpack.Env{}, lim, cg)
	require.NoError(t, err)
	assert.Equal(t, 18, c.Children, "2048M / 128M + 2 from the cgroup")
	assert.Contains(t, c.Reason, "cgroup")

	unlimited := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(unlimited, "memory.max"), []byte("max\n"), 0o644))
	c, err = chooseConcurrency(buildpack.Env{"CONTAINER_SIZE": "4XL"}, lim, unlimited)
	require.NoError(t, err)
	assert.Equal(t, 6, c.Children, "512M assumed")
	assert.Contains(t, c.Reason, `512M of RAM assumed (CONTAINER_SIZE="4XL" is not a size kiln knows: S, M, L, XL, 2XL or 3XL, no cgroup limit)`)
	c, err = chooseConcurrency(buildpack.Env{"CONTAINER_SIZE": "banana"}, lim, cg)
	require.NoError(t, err)
	assert.Contains(t, c.Reason, `2048M of RAM from the cgroup memory limit (CONTAINER_SIZE="banana" is not a size kiln knows`)

	c, err = chooseConcurrency(buildpack.Env{"CONTAINER_SIZE": "S"}, memoryLimit{Bytes: -1, Text: "-1", Source: "php.ini"}, cg)
	require.NoError(t, err)
	assert.Equal(t, 3, c.Children)

	c, err = chooseConcurrency(buildpack.Env{"WEB_CONCURRENCY": " 1 ", "CONTAINER_SIZE": "XL"}, lim, cg)
	require.NoError(t, err)
	assert.Equal(t, concurrency{Children: 1, Reason: "WEB_CONCURRENCY=1"}, c)
	for _, bad := range []string{"zomg", "0", "-2", "1.5"} {
		_, err := chooseConcurrency(buildpack.Env{"WEB_CONCURRENCY": bad}, lim, cg)
		u, ok := buildpack.AsUserError(err)
		require.True(t, ok, bad)
		assert.Contains(t, u.Msg, "WEB_CONCURRENCY")
	}
}

func TestEffectiveMemoryLimit(t *testing.T) {
	write := func(app, rel, body string) {
		p := filepath.Join(app, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	ini := func(lines ...string) string {
		s, err := RenderPHPIni(PHPIni{Config: lines})
		require.NoError(t, err)
		return s
	}
	cases := []struct {
		name   string
		files  map[string]string
		bytes  int64
		source string
	}{
		{"defaults", map[string]string{PHPIniPath: ini()}, 196 << 20, "php.ini"},
		{"php-config", map[string]string{PHPIniPath: ini("memory_limit = 256M")}, 256 << 20, "extra.paas.php-config"},
		{"php-includes", map[string]string{PHPIniPath: ini(), PHPScanDir + "/50-01-mem.ini": "memory_limit=1G\n"}, 1 << 30, "50-01-mem.ini"},
		{"fpm php_value", map[string]string{PHPIniPath: ini(), FPMIncludeDir + "/90-php-fpm-config.conf": "[web]\nphp_value[memory_limit] = 64M\n"}, 64 << 20, "PHP-FPM php_value"},
		{"other pool ignored", map[string]string{PHPIniPath: ini(), FPMIncludeDir + "/50-01-x.conf": "[other]\nphp_value[memory_limit] = 64M\n"}, 196 << 20, "php.ini"},
		{"user.ini beats php_value", map[string]string{PHPIniPath: ini(), "public/.user.ini": "memory_limit = 32M\n",
			FPMIncludeDir + "/90-php-fpm-config.conf": "php_value[memory_limit] = 64M\n"}, 32 << 20, "document root .user.ini"},
		{"php_admin_value beats all", map[string]string{PHPIniPath: ini(), "public/.user.ini": "memory_limit = 32M\n",
			FPMIncludeDir + "/90-php-fpm-config.conf": "php_admin_value[memory_limit] = 24M\n"}, 24 << 20, "PHP-FPM php_admin_value"},
		{"unlimited", map[string]string{PHPIniPath: ini("memory_limit=-1")}, -1, "extra.paas.php-config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := t.TempDir()
			for rel, body := range tc.files {
				write(app, rel, body)
			}
			lim, err := effectiveMemoryLimit(app, "public")
			require.NoError(t, err)
			assert.Equal(t, tc.bytes, lim.Bytes)
			assert.Equal(t, tc.source, lim.Source)
		})
	}
	app := t.TempDir()
	write(app, PHPIniPath, ini("memory_limit = lots"))
	_, err := effectiveMemoryLimit(app, "")
	assert.ErrorContains(t, err, "memory_limit")
}
