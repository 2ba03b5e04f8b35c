package main

import (
	"os"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// cmdPHPBoot is the web process of PHP slugs: nginx in front of PHP-FPM,
// configured from the runtime environment. It runs in the slug directory.
func cmdPHPBoot(a *app, args []string) error {
	if len(args) != 0 {
		return usagef("usage: kiln php-boot (run from the slug directory)")
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	return boot.Run(a.ctx, boot.Options{
		AppDir: dir,
		Env:    a.env,
		Stdout: a.stdout,
		Stderr: a.stderr,
		// nginx and PHP-FPM (with their workers) die with the boot, even
		// killed with SIGKILL: the guard kills their process groups.
		Starter: buildpack.ExecStarter{Guard: a.guard},
	})
}
