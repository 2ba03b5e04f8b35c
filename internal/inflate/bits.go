package inflate

import (
	"io"
)

// Input is read into a buffer of inSize bytes; the fast loop runs while at
// least fastInput bytes are ahead, so that a refill can always load 8 bytes.
const (
	inSize    = 256 << 10
	fastInput = 16
)

// input is the compressed stream: a buffer over the source and a bit buffer.
// bitbuf holds nbits bits not yet consumed, least significant first; bits
// above nbits are either zero or the true bits of the bytes at ip (a refill
// may load a byte it does not count yet), so loading them again is harmless.
type input struct {
	src    io.Reader
	srcErr error // the source's io.EOF or error, once seen
	in     []byte
	ip     int // next byte of in to load into bitbuf
	end    int // bytes of in filled

	bitbuf uint64
	nbits  uint
}

// fill reads more of the source into the buffer, keeping what is not yet
// consumed; it reports whether the buffer now has more bytes.
func (r *input) fill() bool {
	if r.srcErr != nil {
		return false
	}
	if r.ip > 0 {
		r.end = copy(r.in, r.in[r.ip:r.end])
		r.ip = 0
	}
	before := r.end
	for r.end-before == 0 || r.end < fastInput {
		if r.end == len(r.in) {
			break
		}
		n, err := r.src.Read(r.in[r.end:])
		r.end += n
		if err != nil {
			r.srcErr = err
			break
		}
	}
	return r.end > before
}

// ensure loads bytes until at least n (<= 32) bits are buffered or the
// source ends.
func (r *input) ensure(n uint) {
	for r.nbits < n {
		if r.ip == r.end && !r.fill() {
			return
		}
		r.bitbuf |= uint64(r.in[r.ip]) << r.nbits
		r.ip++
		r.nbits += 8
	}
}

// bits consumes and returns the next n (<= 32) bits.
func (r *input) bits(n uint) (uint32, error) {
	r.ensure(n)
	if r.nbits < n {
		return 0, r.eofError()
	}
	v := uint32(r.bitbuf & (1<<n - 1))
	r.bitbuf >>= n
	r.nbits -= n
	return v, nil
}

// eofError is the error for a stream that ends too early.
func (r *input) eofError() error {
	if r.srcErr != nil && r.srcErr != io.EOF {
		return r.srcErr
	}
	return io.ErrUnexpectedEOF
}

// align drops the bits up to the next byte boundary.
func (r *input) align() {
	drop := r.nbits & 7
	r.bitbuf >>= drop
	r.nbits -= drop
}

// readAligned fills p with the bytes that follow a byte boundary: first
// those still in the bit buffer, then from the buffer and the source.
func (r *input) readAligned(p []byte) error {
	for len(p) > 0 && r.nbits >= 8 {
		p[0] = byte(r.bitbuf)
		r.bitbuf >>= 8
		r.nbits -= 8
		p = p[1:]
	}
	if r.nbits == 0 {
		r.bitbuf = 0 // no stale copies of bytes read directly below
	}
	for len(p) > 0 {
		if r.ip == r.end && !r.fill() {
			return r.eofError()
		}
		n := copy(p, r.in[r.ip:r.end])
		r.ip += n
		p = p[n:]
	}
	return nil
}

// decodeSlow decodes one symbol with table t (main table of mainBits bits)
// one byte of input at a time, checking that the stream holds the bits.
func (r *input) decodeSlow(t []uint32, mainBits uint) (uint32, error) {
	r.ensure(maxCodeLen)
	e := t[r.bitbuf&(1<<mainBits-1)]
	if e&flagLink != 0 {
		if r.nbits < mainBits {
			return 0, r.eofError()
		}
		r.bitbuf >>= mainBits
		r.nbits -= mainBits
		e = t[int(e>>16)+int(r.bitbuf&(1<<entryExtra(e)-1))]
	}
	if e&flagInvalid != 0 {
		return 0, FormatError("invalid Huffman code")
	}
	n := entryBits(e)
	if r.nbits < n {
		return 0, r.eofError()
	}
	r.bitbuf >>= n
	r.nbits -= n
	return e, nil
}
