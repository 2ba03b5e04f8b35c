package inflate

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/iotest"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"
)

// corpus returns inputs that exercise literals, short and long matches,
// runs, incompressible data and outputs several windows long.
func corpus(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 3<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	// Text-like data: words from a small vocabulary, so that matches of
	// every length and distance occur.
	words := []string{"node", "npm", "kiln", "build", "slug", "cache", " ", "\n", "{", "}", "package.json", "dependencies"}
	var text bytes.Buffer
	for text.Len() < 5<<20 {
		text.WriteString(words[rng.IntN(len(words))])
	}
	// Short distances (2-7) and runs (distance 1).
	var short bytes.Buffer
	for short.Len() < 1<<20 {
		pat := random[:2+rng.IntN(6)]
		for range rng.IntN(100) {
			short.Write(pat)
		}
		short.Write(bytes.Repeat([]byte{byte(rng.Uint32())}, rng.IntN(300)))
	}
	// Matches 32 KiB back, across window compactions.
	far := append(append(append([]byte{}, random[:32768]...), random[:32768]...), text.Bytes()[:1<<20]...)
	far = append(far, far...)

	src, err := os.ReadFile(filepath.Join("..", "..", "nodejs", "compile.go"))
	require.NoError(t, err)
	return map[string][]byte{
		"empty":  {},
		"byte":   {'x'},
		"random": random,
		"text":   text.Bytes(),
		"short":  short.Bytes(),
		"far":    far,
		"source": src,
	}
}

func compress(t testing.TB, data []byte, level int, hdr gzip.Header) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	require.NoError(t, err)
	w.Header = hdr
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func decompress(r io.Reader, buf int) ([]byte, error) {
	z, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	_, err = io.CopyBuffer(struct{ io.Writer }{&out}, struct{ io.Reader }{z}, make([]byte, buf))
	return out.Bytes(), err
}

// TestMatchesStdlib decodes what compress/gzip wrote, at every kind of
// level (stored blocks, Huffman only, fixed and dynamic codes), through
// sources that return small reads and with small read buffers.
func TestMatchesStdlib(t *testing.T) {
	levels := []int{gzip.NoCompression, gzip.HuffmanOnly, gzip.BestSpeed, 5, gzip.BestCompression}
	for name, data := range corpus(t) {
		for _, level := range levels {
			gz := compress(t, data, level, gzip.Header{})
			got, err := decompress(bytes.NewReader(gz), 1<<20)
			require.NoError(t, err, "%s at level %d", name, level)
			require.True(t, bytes.Equal(data, got), "%s at level %d: output differs", name, level)
			if len(data) < 2<<20 {
				got, err = decompress(iotest.HalfReader(iotest.OneByteReader(bytes.NewReader(gz))), 7)
				require.NoError(t, err, "%s at level %d, small reads", name, level)
				require.True(t, bytes.Equal(data, got), "%s at level %d, small reads: output differs", name, level)
			}
		}
	}
}

// TestGNUGzip decodes what GNU gzip writes (kiln's own Go sources, with -1
// and -9): its encoder (zlib's) chooses blocks and matches differently from
// Go's. Without gzip the test skips, except in CI, where it fails.
func TestGNUGzip(t *testing.T) {
	gzipPath, err := exec.LookPath("gzip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gzip is not installed (CI=true: this test must run)")
		}
		t.Skip("gzip is not installed")
	}
	sources, err := filepath.Glob(filepath.Join("..", "..", "nodejs", "*.go"))
	require.NoError(t, err)
	var want []byte
	for _, p := range sources {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		want = append(want, b...)
	}
	require.Greater(t, len(want), 100000)
	for _, level := range []string{"-1", "-9"} {
		cmd := exec.Command(gzipPath, level, "-n", "-c")
		cmd.Stdin = bytes.NewReader(want)
		gz, err := cmd.Output()
		require.NoError(t, err, level)
		got, err := decompress(bytes.NewReader(gz), 4096)
		require.NoError(t, err, level)
		require.True(t, bytes.Equal(want, got), "gzip %s: output differs", level)
	}
}

func TestHeaderFields(t *testing.T) {
	data := []byte("hello, hello, hello")
	gz := compress(t, data, 9, gzip.Header{Name: "a.txt", Comment: "a comment", Extra: []byte{1, 2, 3}})
	got, err := decompress(bytes.NewReader(gz), 64)
	require.NoError(t, err)
	require.Equal(t, data, got)

	// A header CRC (FHCRC), which compress/gzip does not write.
	hdr := []byte{0x1f, 0x8b, 8, flagHeaderCRC, 0, 0, 0, 0, 0, 255}
	var c [2]byte
	binary.LittleEndian.PutUint16(c[:], uint16(crc32.ChecksumIEEE(hdr)))
	body := compress(t, data, 9, gzip.Header{})[10:]
	good := append(append(append([]byte{}, hdr...), c[:]...), body...)
	got, err = decompress(bytes.NewReader(good), 64)
	require.NoError(t, err)
	require.Equal(t, data, got)
	c[0]++
	bad := append(append(append([]byte{}, hdr...), c[:]...), body...)
	_, err = decompress(bytes.NewReader(bad), 64)
	require.True(t, isFormatError(err), "got %v", err)
}

func TestErrors(t *testing.T) {
	data := corpus(t)["text"][:200000]
	gz := compress(t, data, 6, gzip.Header{})
	flip := func(i int) []byte {
		b := append([]byte{}, gz...)
		b[i] ^= 0x10
		return b
	}
	cases := map[string]struct {
		in     []byte
		format bool // a FormatError, else io.ErrUnexpectedEOF
	}{
		"not gzip":          {in: []byte("plain text, not compressed at all"), format: true},
		"bad method":        {in: func() []byte { b := flip(2); return b }(), format: true},
		"wrong CRC":         {in: flip(len(gz) - 6), format: true},
		"wrong length":      {in: flip(len(gz) - 2), format: true},
		"corrupt data":      {in: flip(len(gz) / 2), format: true},
		"second member":     {in: append(append([]byte{}, gz...), gz...), format: true},
		"trailing garbage":  {in: append(append([]byte{}, gz...), 0), format: true},
		"truncated trailer": {in: gz[:len(gz)-3]},
		"truncated data":    {in: gz[:len(gz)/2]},
		"truncated header":  {in: gz[:5]},
	}
	for name, c := range cases {
		_, err := decompress(bytes.NewReader(c.in), 4096)
		require.Error(t, err, name)
		if c.format {
			require.True(t, isFormatError(err), "%s: got %v", name, err)
		} else {
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, name)
		}
	}
	// The source's own error is returned as it is.
	boom := errors.New("connection reset")
	_, err := decompress(io.MultiReader(bytes.NewReader(gz[:1000]), iotest.ErrReader(boom)), 4096)
	require.ErrorIs(t, err, boom)
}

// FuzzReader checks the decoder against compress/gzip on arbitrary input:
// what compress/gzip decodes, this package decodes to the same bytes (or
// refuses with a FormatError when more than one member follows); what it
// rejects, this package rejects.
func FuzzReader(f *testing.F) {
	for _, level := range []int{0, 1, 6, 9, gzip.HuffmanOnly} {
		f.Add(compress(f, []byte("kiln builds Node.js apps, kiln builds PHP apps"), level, gzip.Header{}))
	}
	f.Add(compress(f, bytes.Repeat([]byte("ab"), 5000), 9, gzip.Header{Name: "x"}))
	f.Fuzz(func(t *testing.T, in []byte) {
		want, werr := stdlibDecode(in)
		got, err := decompress(bytes.NewReader(in), 4096)
		if werr != nil {
			if err == nil {
				t.Fatalf("compress/gzip fails (%v), this package does not", werr)
			}
			return
		}
		if err != nil {
			if isFormatError(err) && multiMember(in) {
				return
			}
			t.Fatalf("compress/gzip decodes it, this package fails: %v", err)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("outputs differ")
		}
	})
}

// isFormatError reports whether err is, or wraps, a FormatError.
func isFormatError(err error) bool {
	var fe FormatError
	return errors.As(err, &fe)
}

func stdlibDecode(in []byte) ([]byte, error) {
	z, err := gzip.NewReader(bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// multiMember reports whether in has data after its first member.
func multiMember(in []byte) bool {
	r := bytes.NewReader(in)
	z, err := gzip.NewReader(r)
	if err != nil {
		return false
	}
	z.Multistream(false)
	if _, err := io.Copy(io.Discard, z); err != nil {
		return false
	}
	return r.Len() > 0
}

func BenchmarkDecode(b *testing.B) {
	data := corpus(b)["text"]
	gz := compress(b, data, 6, gzip.Header{})
	b.SetBytes(int64(len(data)))
	decoders := []struct {
		name string
		open func(io.Reader) (io.Reader, error)
	}{
		{"inflate", func(r io.Reader) (io.Reader, error) { return NewReader(r) }},
		{"klauspost", func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) }},
		{"stdlib", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
	}
	for _, d := range decoders {
		b.Run(d.name, func(b *testing.B) {
			for b.Loop() {
				z, err := d.open(bytes.NewReader(gz))
				require.NoError(b, err)
				_, err = io.Copy(io.Discard, z)
				require.NoError(b, err)
			}
		})
	}
}

// FuzzRoundTrip decodes what compress/gzip makes of arbitrary data at
// every level: valid streams with whatever Huffman codes that data calls
// for.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("kiln builds Node.js apps, kiln builds PHP apps"), uint8(6))
	f.Add(bytes.Repeat([]byte{0, 1, 2, 3}, 3000), uint8(9))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, level uint8) {
		lv := int(level)%12 - 2 // -2 (Huffman only) to 9
		gz := compress(t, data, lv, gzip.Header{})
		got, err := decompress(bytes.NewReader(gz), 4096)
		if err != nil {
			t.Fatalf("level %d: %v", lv, err)
		}
		if !bytes.Equal(data, got) {
			t.Fatalf("level %d: output differs", lv)
		}
	})
}
