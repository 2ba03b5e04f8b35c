package nodejs

import (
	"os"
	"path/filepath"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// Spares take the placement of large cached trees off the build's critical
// path. Placing a tree by hard links costs one link per file, and on the
// build machines' filesystems that is 40-130 µs: 0.3 s for Node.js with npm,
// 1-2.5 s for a node_modules of 20,000 files. A tree cannot be moved out of
// the cache (the next build needs it), but a ready-made linked copy of it, a
// spare kept next to it, can: a build takes the spare with one rename and
// then, in the background while npm and the build script run, links a new
// spare for the next build. The spare holds the same hard links a direct
// placement would (same safety, see cloneTree and placeTree); it is built
// under a temporary name and renamed when complete, so a killed build leaves
// either a complete spare or a leftover that is deleted.

// takeSpare moves the spare at spare to dst, and reports whether it did.
func takeSpare(spare, dst string) bool {
	if _, err := os.Stat(spare); err != nil {
		return false
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false
	}
	return os.Rename(spare, dst) == nil
}

// prepareSpare builds, in the background, a spare at spare with fill (which
// creates its argument), and returns a channel closed when it is done.
// Compile waits for it before returning. Failures are silent: the next
// build then places the tree link by link.
func (c *compiler) prepareSpare(spare string, fill func(dst string) error) <-chan struct{} {
	done := make(chan struct{})
	if !treecache.SameFilesystem(filepath.Dir(spare), c.ctx.AppDir) {
		// Taking the spare is a rename into the app: across filesystems it
		// cannot be taken, and linking it would only cost the build CPU.
		close(done)
		return done
	}
	c.background.Add(1)
	go func() {
		defer c.background.Done()
		defer close(done)
		_ = treecache.BuildSpare(spare, fill)
	}()
	return done
}
