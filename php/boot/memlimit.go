package boot

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// memoryLimit is PHP's effective memory_limit for web requests.
type memoryLimit struct {
	// Bytes is the limit; -1 means unlimited.
	Bytes int64
	// Text is the value as configured, e.g. "196M".
	Text string
	// Source says where it was set, e.g. "php.ini" or "docroot .user.ini".
	Source string
}

// effectiveMemoryLimit reads memory_limit the way PHP-FPM will see it:
// kiln's php.ini (with the php-config lines), then the scan directory's
// files, then the pool's php_value, the document root's .user.ini, and
// finally php_admin_value, which nothing can override.
func effectiveMemoryLimit(appDir, docRoot string) (memoryLimit, error) {
	lim := memoryLimit{Bytes: 128 << 20, Text: "128M", Source: "PHP's built-in default"}
	set := func(v, src string) error {
		b, err := parseBytes(v)
		if err != nil {
			return fmt.Errorf("%s: memory_limit: %w", src, err)
		}
		lim = memoryLimit{Bytes: b, Text: strings.Trim(strings.TrimSpace(v), `"'`), Source: src}
		return nil
	}
	if err := scanIni(filepath.Join(appDir, PHPIniPath), "php.ini", set); err != nil {
		return lim, err
	}
	inis, _ := filepath.Glob(filepath.Join(appDir, PHPScanDir, "*.ini"))
	sort.Strings(inis)
	for _, f := range inis {
		if err := scanIni(f, filepath.Base(f), set); err != nil {
			return lim, err
		}
	}
	value, admin, err := fpmMemoryLimits(filepath.Join(appDir, FPMIncludeDir))
	if err != nil {
		return lim, err
	}
	if value != "" {
		if err := set(value, "PHP-FPM php_value"); err != nil {
			return lim, err
		}
	}
	userIni := filepath.Join(appDir, filepath.FromSlash(docRoot), ".user.ini")
	if err := scanIni(userIni, "document root .user.ini", set); err != nil {
		return lim, err
	}
	if admin != "" {
		err = set(admin, "PHP-FPM php_admin_value")
	}
	return lim, err
}

var iniLine = regexp.MustCompile(`^\s*memory_limit\s*=\s*(.*?)\s*(;.*)?$`)

// scanIni applies every memory_limit line of an ini file in order; lines
// after kiln's "extra.paas.php-config" marker are reported as such.
func scanIni(path, label string, set func(v, src string) error) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	src := label
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, phpConfigMarker) {
			src = "extra.paas.php-config"
		}
		if m := iniLine.FindStringSubmatch(line); m != nil {
			if err := set(m[1], src); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

var fpmLine = regexp.MustCompile(`^\s*(php_value|php_admin_value)\[memory_limit\]\s*=\s*(.*?)\s*(;.*)?$`)

// fpmMemoryLimits reads php_value and php_admin_value[memory_limit] from the
// pool additions, which are included inside the [web] pool.
func fpmMemoryLimits(dir string) (value, admin string, err error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	sort.Strings(files)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", "", fmt.Errorf("reading %s: %w", path, err)
		}
		section := "web"
		for _, line := range strings.Split(string(data), "\n") {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
				section = strings.Trim(t, "[]")
				continue
			}
			if m := fpmLine.FindStringSubmatch(line); m != nil && section == "web" {
				if m[1] == "php_admin_value" {
					admin = m[2]
				} else {
					value = m[2]
				}
			}
		}
	}
	return value, admin, nil
}

// parseBytes reads a PHP size ("196M", "1G", "512k", "134217728", "-1").
func parseBytes(s string) (int64, error) {
	s = strings.Trim(strings.TrimSpace(s), `"'`)
	if s == "-1" {
		return -1, nil
	}
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size such as 256M", s)
	}
	return v * mult, nil
}

// formatBytes renders a size in MiB ("1024M"), as the platform's
// documentation lists container memory.
func formatBytes(b int64) string {
	return strconv.FormatInt(b>>20, 10) + "M"
}

// phpConfigMarker starts the php-config lines in kiln's php.ini.
const phpConfigMarker = "; --- extra.paas.php-config ---"
