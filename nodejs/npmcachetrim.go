package nodejs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/prefetch"
)

// npm's cache (CACHE_DIR/node/npm-cache) serves one purpose in kiln's
// cache: when the lockfile changes, the saved node_modules is of no use and
// npm ci runs; the packages the new lockfile shares with the old one are
// then in npm's cache already. npm never removes anything from its cache,
// so each changed lockfile, and each build's log, would add to what a
// platform archives after every build. After npm ci installed a lockfile,
// trimNPMCache keeps of the cache exactly that lockfile's package archives.

// trimNPMCache removes from npm's cache npmCache the package archives that
// the lockfile lock does not name, and npm's logs and temporary files. Its
// index stays (small entries; a lockfile without resolved URLs has npm
// find its archives through it, see package nodejs/prefetch); an entry
// whose content is gone is a miss for npm. It
// reports how many archives it removed and their size. A lockfile without
// integrity for its packages leaves the cache as it is.
func trimNPMCache(npmCache string, lock []byte) (removed int, bytes int64) {
	keep := map[string]bool{}
	gjson.GetBytes(lock, "packages").ForEach(func(_, p gjson.Result) bool {
		for _, one := range strings.Fields(p.Get("integrity").String()) {
			if sum, err := fetch.SRI(one); err == nil {
				keep[prefetch.CachePath(npmCache, sum)] = true
			}
		}
		return true
	})
	if len(keep) == 0 {
		return 0, 0
	}
	content := filepath.Join(npmCache, "_cacache", "content-v2")
	_ = filepath.WalkDir(content, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || keep[p] {
			return nil
		}
		if fi, err := d.Info(); err == nil && os.Remove(p) == nil {
			removed++
			bytes += fi.Size()
		}
		return nil
	})
	for _, dir := range []string{filepath.Join("_cacache", "tmp"), "_logs"} {
		_ = os.RemoveAll(filepath.Join(npmCache, dir))
	}
	return removed, bytes
}
