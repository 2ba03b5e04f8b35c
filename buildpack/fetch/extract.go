package fetch

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/klauspost/compress/gzip"

	"github.com/kiln-dev/kiln/internal/approot"
)

// noFollow makes opening a path that is a symbolic link fail.
const noFollow = syscall.O_NOFOLLOW

// ExtractTarGz unpacks a .tar.gz archive into dest, dropping the first strip
// path components of every entry. Entries that would land outside dest
// (absolute paths, "..", links pointing out, or paths through a symbolic
// link) are rejected.
func ExtractTarGz(archive, dest string, strip int) error {
	return extractTarGz(archive, dest, strip, extractOptions{})
}

// extractTarGz is ExtractTarGz with options.
func extractTarGz(archive, dest string, strip int, opts extractOptions) error {
	in, closeArchive, err := openTarGz(archive)
	if err != nil {
		return err
	}
	defer closeArchive()
	return extractTar(in, dest, strip, opts)
}

// openTarGz opens a .tar.gz file and returns its decompressed stream, and
// the function that closes it.
func openTarGz(archive string) (io.Reader, func(), error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, nil, fmt.Errorf("opening archive: %w", err)
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("reading %s: %w", filepath.Base(archive), err)
	}
	return gz, func() { gz.Close(); f.Close() }, nil
}

// Filter selects the entries of an archive to extract by their path once
// stripped, cleaned and checked (slash-separated, relative to the
// destination); directories leading to a selected entry are created as
// needed. A nil Filter selects every entry.
type Filter func(rel string) bool

// Under returns the Filter that selects dir and everything below it.
func Under(dir string) Filter {
	return func(rel string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }
}

// Not returns the Filter that selects what f does not.
func Not(f Filter) Filter { return func(rel string) bool { return !f(rel) } }

// defaultWorkers is how many goroutines write regular files during an
// extraction. On the build machines creating a directory entry costs
// 40-130 µs of mostly waiting in the kernel, so a few writers in parallel
// keep the decompressing reader busy; more than a handful brings nothing on
// two cores.
const defaultWorkers = 4

// extractOptions adjusts an extraction; the zero value extracts every entry
// with defaultWorkers writers.
type extractOptions struct {
	// keep, when set, selects the entries to extract.
	keep Filter
	// workers is how many goroutines write regular files; 0 means
	// defaultWorkers (tests use 1 to compare with a serial extraction).
	workers int
}

const (
	// smallFile is the size up to which a regular file is read into memory
	// and handed to the worker pool; larger ones are streamed, in chunks,
	// to a goroutine of their own.
	smallFile = 1 << 20
	// maxBuffered bounds the bytes of small files waiting for a worker.
	maxBuffered = 8 << 20
	// chunkSize is the unit in which large files are streamed.
	chunkSize = 1 << 20
	// spareChunks is how many chunk buffers an extraction keeps for reuse:
	// enough for the chunks in flight of one large file, so that a 120 MB
	// binary costs a handful of allocations instead of 120 (each a fresh
	// megabyte to fault in and, later, to collect).
	spareChunks = 8
)

// ExtractTar unpacks a tar stream into dest; see ExtractTarGz.
//
// Directories, symbolic links and hard links are created by the reading
// goroutine, in archive order; regular files are written by a small pool of
// workers, each into a directory the reader has already created and checked.
// An entry whose path was seen before (a later copy in the archive replaces
// an earlier one) and every hard link first wait for the pending writes, so
// the result is the same as a serial extraction's.
//
// Safety: every entry's path is cleaned and must stay inside dest; a
// symbolic link must point inside dest (lexically, from where it is); no
// entry is created through a symbolic link, whether the archive made it or
// dest already had it (every parent directory is checked with Lstat once,
// then remembered); files are created with O_EXCL|O_NOFOLLOW after removing
// whatever was at their path, so they never write through a link.
func ExtractTar(r io.Reader, dest string, strip int) error {
	return extractTar(r, dest, strip, extractOptions{})
}

// extractTar is ExtractTar with options.
func extractTar(r io.Reader, dest string, strip int, opts extractOptions) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	x := newExtractor(dest, opts)
	err := x.run(tar.NewReader(r), strip)
	if werr := x.close(); err == nil {
		err = werr
	}
	if lerr := x.checkLinks(); err == nil {
		err = lerr
	}
	return err
}

// checkLinks resolves every symbolic link the archive left, following the
// links it goes through as the kernel will (approot.Resolve), and fails
// when one leads outside dest: the lexical check of each link as it is
// created cannot see a chain, such as a/l1 -> .. then a/l2 -> l1/.., which
// climbs one level per link. The links that lead out are removed, so that
// nothing later follows them.
func (x *extractor) checkLinks() error {
	var first error
	for _, rel := range slices.Sorted(maps.Keys(x.links)) {
		if _, err := approot.Resolve(x.dest, rel); err != nil {
			_ = os.Remove(filepath.Join(x.dest, filepath.FromSlash(rel)))
			if first == nil {
				first = fmt.Errorf("archive entry %s links outside the destination: %w", rel, err)
			}
		}
	}
	return first
}

// extractor is the state of one ExtractTar.
type extractor struct {
	dest string
	// dirs holds the slash-separated relative paths known to be real
	// directories ("" is dest).
	dirs map[string]bool
	// links holds the paths of the symbolic links created so far.
	links map[string]bool
	// seen holds the paths of the regular files and links created so far.
	seen map[string]bool
	// keep, when set, selects the entries to extract.
	keep Filter

	jobs    chan fileJob
	chunks  chan []byte // spare chunk buffers (see spareChunks)
	workers sync.WaitGroup
	pending sync.WaitGroup // files handed over and not written yet

	mu       sync.Mutex
	cond     *sync.Cond
	buffered int // bytes of small files waiting in jobs
	err      error
}

// fileJob is a regular file for a worker: its content in data, or arriving
// in chunks.
type fileJob struct {
	rel    string
	path   string
	mode   os.FileMode
	data   []byte
	chunks chan []byte
}

// newExtractor returns an extractor into dest whose writers are running.
func newExtractor(dest string, opts extractOptions) *extractor {
	x := &extractor{
		dest:   dest,
		dirs:   map[string]bool{"": true},
		links:  map[string]bool{},
		seen:   map[string]bool{},
		keep:   opts.keep,
		jobs:   make(chan fileJob, 64),
		chunks: make(chan []byte, spareChunks),
	}
	x.cond = sync.NewCond(&x.mu)
	workers := opts.workers
	if workers <= 0 {
		workers = defaultWorkers
	}
	for range workers {
		x.workers.Add(1)
		go func() {
			defer x.workers.Done()
			for j := range x.jobs {
				x.write(j)
			}
		}()
	}
	return x
}

// fail records the first error of a worker.
func (x *extractor) fail(err error) {
	x.mu.Lock()
	if x.err == nil {
		x.err = err
	}
	x.mu.Unlock()
}

func (x *extractor) failed() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// close stops the workers once every file is written and returns the first
// error of a worker.
func (x *extractor) close() error {
	close(x.jobs)
	x.workers.Wait()
	x.pending.Wait() // large files have goroutines of their own
	return x.failed()
}

// write creates one regular file (in a worker).
func (x *extractor) write(j fileJob) {
	defer x.pending.Done()
	var err error
	if j.chunks != nil {
		err = createFile(j.path, j.mode, func(f *os.File) error {
			var werr error
			for c := range j.chunks { // drained even after an error: the reader must not block
				if werr == nil {
					_, werr = f.Write(c)
				}
				x.putChunk(c)
			}
			return werr
		})
	} else {
		err = createFile(j.path, j.mode, func(f *os.File) error {
			_, err := f.Write(j.data)
			return err
		})
		x.mu.Lock()
		x.buffered -= len(j.data)
		x.cond.Broadcast()
		x.mu.Unlock()
	}
	if err != nil {
		x.fail(fmt.Errorf("extracting %s: %w", j.rel, err))
	}
}

// createFile creates path (which must not be reached through a link: the
// caller checked its directory) and fills it.
func createFile(path string, mode os.FileMode, fill func(*os.File) error) error {
	flags := os.O_CREATE | os.O_EXCL | os.O_WRONLY | noFollow
	f, err := os.OpenFile(path, flags, mode|0o600)
	if errors.Is(err, fs.ErrExist) {
		if err := os.Remove(path); err != nil {
			return err
		}
		f, err = os.OpenFile(path, flags, mode|0o600)
	}
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// barrier waits until every file handed to the workers is written.
func (x *extractor) barrier() { x.pending.Wait() }

// run reads the archive and creates its entries.
func (x *extractor) run(tr *tar.Reader, strip int) error {
	for {
		if err := x.failed(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		rel, ok := stripPath(hdr.Name, strip)
		if !ok {
			continue
		}
		target, err := SafeJoin(x.dest, rel)
		if err != nil {
			return err
		}
		rel, _ = filepath.Rel(x.dest, target)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			continue // the destination itself
		}
		if x.keep != nil && !x.keep(rel) {
			continue // a hard link to a skipped file then fails: it was not extracted
		}
		mode := os.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = x.dir(rel, mode|0o700)
		case tar.TypeReg:
			err = x.file(tr, hdr, rel, target, mode)
		case tar.TypeSymlink:
			err = x.symlink(hdr, rel, target)
		case tar.TypeLink:
			err = x.hardlink(hdr, rel, target, strip)
		default:
			// Devices, FIFOs and the like have no place in a runtime archive.
		}
		if err != nil {
			return err
		}
	}
}

// dir makes sure rel is a real directory inside dest, creating it (with
// mode) and its missing parents (0755). An existing directory keeps its
// mode; a symbolic link or a file on the way is an error.
func (x *extractor) dir(rel string, mode os.FileMode) error {
	if x.dirs[rel] {
		return nil
	}
	parent := parentOf(rel)
	if err := x.dir(parent, 0o755); err != nil {
		return err
	}
	if x.links[rel] || x.seen[rel] {
		return fmt.Errorf("archive entry %s: a directory where the archive put a link or file", rel)
	}
	path := filepath.Join(x.dest, filepath.FromSlash(rel))
	err := os.Mkdir(path, mode)
	if errors.Is(err, fs.ErrExist) {
		fi, lerr := os.Lstat(path)
		if lerr != nil {
			return lerr
		}
		if !fi.IsDir() {
			return fmt.Errorf("archive entry %s: %s is not a directory", rel, path)
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", rel, err)
	}
	x.dirs[rel] = true
	return nil
}

// claim prepares the path of a file or link: its parent directory exists
// and is real; a path seen before is first waited for, then replaced.
func (x *extractor) claim(rel string) error {
	if x.dirs[rel] {
		return fmt.Errorf("archive entry %s: a file or link where the archive put a directory", rel)
	}
	if err := x.dir(parentOf(rel), 0o755); err != nil {
		return err
	}
	if x.seen[rel] {
		x.barrier()
		delete(x.links, rel)
	}
	x.seen[rel] = true
	return nil
}

// file hands a regular file to the workers.
func (x *extractor) file(tr *tar.Reader, hdr *tar.Header, rel, target string, mode os.FileMode) error {
	if err := x.claim(rel); err != nil {
		return err
	}
	if hdr.Size > smallFile {
		chunks := make(chan []byte, 4)
		x.pending.Add(1)
		go x.write(fileJob{rel: rel, path: target, mode: mode, chunks: chunks})
		defer close(chunks)
		for remaining := hdr.Size; remaining > 0; {
			buf := x.getChunk()[:min(chunkSize, remaining)]
			if _, err := io.ReadFull(tr, buf); err != nil {
				return fmt.Errorf("reading archive: %w", err)
			}
			chunks <- buf
			remaining -= int64(len(buf))
		}
		return nil
	}
	data := make([]byte, hdr.Size)
	if _, err := io.ReadFull(tr, data); err != nil {
		return fmt.Errorf("reading archive: %w", err)
	}
	x.mu.Lock()
	for x.buffered > 0 && x.buffered+len(data) > maxBuffered && x.err == nil {
		x.cond.Wait()
	}
	x.buffered += len(data)
	x.mu.Unlock()
	x.pending.Add(1)
	x.jobs <- fileJob{rel: rel, path: target, mode: mode, data: data}
	return nil
}

// getChunk returns a buffer of chunkSize bytes, reused when one is spare.
func (x *extractor) getChunk() []byte {
	select {
	case b := <-x.chunks:
		return b
	default:
		return make([]byte, chunkSize)
	}
}

// putChunk keeps a written chunk's buffer for reuse, if there is room.
func (x *extractor) putChunk(b []byte) {
	select {
	case x.chunks <- b[:cap(b)]:
	default:
	}
}

// symlink creates a symbolic link that points inside dest.
func (x *extractor) symlink(hdr *tar.Header, rel, target string) error {
	link := hdr.Linkname
	resolved := link
	if !filepath.IsAbs(link) {
		resolved = filepath.Join(filepath.Dir(target), link)
	}
	if _, err := SafeJoin(x.dest, mustRel(x.dest, resolved)); err != nil || filepath.IsAbs(link) {
		return fmt.Errorf("archive entry %s links outside the destination (%s)", hdr.Name, link)
	}
	if err := x.claim(rel); err != nil {
		return err
	}
	_ = os.Remove(target)
	if err := os.Symlink(link, target); err != nil {
		return fmt.Errorf("creating link %s: %w", rel, err)
	}
	x.links[rel] = true
	return nil
}

// hardlink links rel to a file extracted earlier.
func (x *extractor) hardlink(hdr *tar.Header, rel, target string, strip int) error {
	lrel, ok := stripPath(hdr.Linkname, strip)
	if !ok {
		return fmt.Errorf("archive entry %s: bad hard link %s", hdr.Name, hdr.Linkname)
	}
	src, err := SafeJoin(x.dest, lrel)
	if err != nil {
		return err
	}
	lrel, _ = filepath.Rel(x.dest, src)
	lrel = filepath.ToSlash(lrel)
	if !x.seen[lrel] || !x.dirs[parentOf(lrel)] {
		return fmt.Errorf("archive entry %s: hard link to %s, which is not a file extracted before it", hdr.Name, hdr.Linkname)
	}
	if err := x.claim(rel); err != nil {
		return err
	}
	x.barrier() // the source may still be with a worker
	_ = os.Remove(target)
	if err := os.Link(src, target); err != nil {
		return fmt.Errorf("creating hard link %s: %w", rel, err)
	}
	return nil
}

// parentOf returns the parent of a slash-separated relative path ("" for
// a top-level one).
func parentOf(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// SafeJoin joins rel onto base and fails when the result would escape base.
func SafeJoin(base, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("path %q is absolute; it must be relative to %s", rel, base)
	}
	clean := filepath.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q escapes %s", rel, base)
	}
	return filepath.Join(base, clean), nil
}

func mustRel(base, target string) string {
	r, err := filepath.Rel(base, target)
	if err != nil {
		return ".."
	}
	return r
}

func stripPath(name string, strip int) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if len(parts) <= strip {
		return "", false
	}
	return strings.Join(parts[strip:], "/"), true
}
