package php

import (
	"strings"

	"github.com/kiln-dev/kiln/php/boot"
)

// fpmGlobalDirectives are the directives PHP-FPM accepts only in its
// [global] section; every other directive belongs to a pool.
func fpmGlobalDirectives() []string {
	return []string{
		"pid", "error_log", "syslog.facility", "syslog.ident", "log_level", "log_limit",
		"log_buffering", "emergency_restart_threshold", "emergency_restart_interval",
		"process_control_timeout", "process.max", "process.priority", "daemonize",
		"rlimit_files", "rlimit_core", "events.mechanism", "systemd_interval",
	}
}

// fpmDirective returns the name of a PHP-FPM configuration line's directive
// ("" for a blank line or a comment).
func fpmDirective(line string) string {
	l := strings.TrimSpace(line)
	if l == "" || strings.HasPrefix(l, ";") || strings.HasPrefix(l, "#") {
		return ""
	}
	name, _, _ := strings.Cut(l, "=")
	return strings.ToLower(strings.TrimSpace(name))
}

// fpmConfigFile is the PHP-FPM file of extra.paas.php-fpm-config, included
// at the end of kiln's pool: global directives (log_level, ...) go to the
// [global] section, the others to the pool, each in the order given. It
// ends in the pool, so that what PHP-FPM reads after it stays there.
func fpmConfigFile(lines []string) string {
	var global, pool []string
	for _, l := range lines {
		if contains(fpmGlobalDirectives(), fpmDirective(l)) {
			global = append(global, l)
		} else {
			pool = append(pool, l)
		}
	}
	var b strings.Builder
	b.WriteString("; extra.paas.php-fpm-config\n")
	if len(global) > 0 {
		b.WriteString("[global]\n" + strings.Join(global, "\n") + "\n")
	}
	b.WriteString("[" + boot.FPMPool + "]\n")
	if len(pool) > 0 {
		b.WriteString(strings.Join(pool, "\n") + "\n")
	}
	return b.String()
}
