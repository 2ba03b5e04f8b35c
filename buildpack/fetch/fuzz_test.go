package fetch

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzArchive builds a tar archive from a script, one entry a line:
// a type letter (f file, d directory, l symbolic link, h hard link, c
// character device, p FIFO), the entry's name, "|", then the file's content
// or the link's target; a mode in octal may follow a second "|". The
// fuzzer mutates scripts much better than raw tar headers with checksums.
func fuzzArchive(script string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, line := range strings.Split(script, "\n") {
		if line == "" {
			continue
		}
		name, rest, _ := strings.Cut(line[1:], "|")
		rest, modeText, _ := strings.Cut(rest, "|")
		var mode int64 = 0o644
		if _, err := fmt.Sscanf(modeText, "%o", &mode); err != nil {
			mode = 0o644
		}
		hdr := &tar.Header{Name: name, Mode: mode & 0o7777}
		switch line[0] {
		case 'f':
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(rest))
		case 'd':
			hdr.Typeflag = tar.TypeDir
		case 'l':
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, rest
		case 'h':
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, rest
		case 'c':
			hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeChar, 1, 3
		case 'p':
			hdr.Typeflag = tar.TypeFifo
		default:
			continue
		}
		if tw.WriteHeader(hdr) != nil {
			continue
		}
		if hdr.Typeflag == tar.TypeReg {
			_, _ = tw.Write([]byte(rest))
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

// fuzzExtractSeeds are archives that tried to escape before, as scripts.
var fuzzExtractSeeds = []string{
	"dnode/|\nfnode/bin/node|#!/bin/sh|755\nlnode/bin/npm|../lib/cli.js\nfnode/lib/cli.js|cli\nhnode/lib/hard.js|node/lib/cli.js\n",
	"f../evil|x\n",
	"f/abs/evil|x\n",
	"lup|..\nfup/evil|x\n",
	"la|.\nlb|a/..\nlc|b/..\nfc/evil|x\n",
	"la/x|..\nlb|a/x/..\nfb/outside/secret|x\n",
	"lpre|x\nfpre/evil|x\n",
	"fpre/evil|x\n",
	"hh|../outside/secret\n",
	"hh|pre/secret\n",
	"cdev|\npfifo|\n",
	"fa|1\nda|\nfa/b|2\n",
	"da|\nla|b\nfa|x|4755\n",
}

// FuzzExtractTar extracts arbitrary archives into a destination that
// already holds a link to a directory outside it: whatever the archive
// holds and whether or not the extraction fails, nothing outside the
// destination is created, changed (content or mode) or linked to.
func FuzzExtractTar(f *testing.F) {
	for _, s := range fuzzExtractSeeds {
		f.Add(s, uint8(0))
	}
	f.Add(fuzzExtractSeeds[0], uint8(1))
	f.Fuzz(func(t *testing.T, script string, strip uint8) {
		checkExtraction(t, fuzzArchive(script), int(strip%3))
	})
}

// FuzzExtractTarRaw is FuzzExtractTar on raw bytes (headers, checksums,
// PAX records and truncations), seeded with the scripts' archives.
func FuzzExtractTarRaw(f *testing.F) {
	for _, s := range fuzzExtractSeeds {
		f.Add(fuzzArchive(s))
	}
	f.Fuzz(func(t *testing.T, archive []byte) {
		checkExtraction(t, archive, 0)
	})
}

func checkExtraction(t *testing.T, archive []byte, strip int) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(outside, "dir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("keep"), 0o600))
	dest := filepath.Join(root, "dest")
	require.NoError(t, os.MkdirAll(dest, 0o755))
	require.NoError(t, os.Symlink("../outside", filepath.Join(dest, "pre")))
	before := fsState(t, root, dest)

	_ = ExtractTar(bytes.NewReader(archive), dest, strip)

	require.Equal(t, before, fsState(t, root, dest), "something outside the destination changed")
	fi, err := os.Stat(filepath.Join(outside, "secret"))
	require.NoError(t, err)
	require.EqualValues(t, 1, fi.Sys().(*syscall.Stat_t).Nlink, "a file outside the destination was hard-linked into it")
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() && !d.IsDir() && d.Type()&fs.ModeSymlink == 0 {
			t.Errorf("%s is neither a file, a directory nor a link (%v)", p, d.Type())
		}
		return nil
	}))
}

// fsState describes every path under root except below skip: type, mode,
// content or link target.
func fsState(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		desc := fi.Mode().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + l
		}
		out[rel] = desc
		return nil
	}))
	return out
}
