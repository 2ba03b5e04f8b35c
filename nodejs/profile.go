package nodejs

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
)

var (
	//go:embed profile/nodejs.sh
	profileNodeJS string
	//go:embed profile/WEB_CONCURRENCY.sh
	profileWebConcurrency string
)

// writeProfile writes .profile.d/nodejs.sh.
func (c *compiler) writeProfile(buildpack.Step) error {
	return c.writeProfileScript("nodejs.sh", profileNodeJS)
}

// writeWebConcurrency writes .profile.d/WEB_CONCURRENCY.sh.
func (c *compiler) writeWebConcurrency(buildpack.Step) error {
	return c.writeProfileScript("WEB_CONCURRENCY.sh", profileWebConcurrency)
}

func (c *compiler) writeProfileScript(name, content string) error {
	dir := filepath.Join(c.ctx.AppDir, ".profile.d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating .profile.d: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
		return fmt.Errorf("writing .profile.d/%s: %w", name, err)
	}
	return nil
}
