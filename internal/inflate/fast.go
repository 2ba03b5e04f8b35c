package inflate

import "encoding/binary"

// fast is the hot loop: it decodes symbols while at least fastInput bytes
// of input are buffered and the window has room for a whole match, so it
// never checks for the end of either inside a symbol. Each iteration loads
// the bit buffer with a single 8-byte read, which gives at least 56 bits:
// enough for a length code with its extra bits (15+5) and a distance code
// with its extra bits (15+13). It returns when the block ends or either
// bound is reached; the variables it works on are locals, stored back on
// return.
func (d *decoder) fast() error {
	in, ip, inLimit := d.in, d.ip, d.end-fastInput
	win, op, outLimit := d.win, d.op, d.outLimit()
	bitbuf, nbits := d.bitbuf, d.nbits
	litLen, dist := d.litLen, d.dist
	const litMask, distMask = 1<<litLenMainBits - 1, 1<<distMainBits - 1

	var err error
	for ip <= inLimit && op <= outLimit {
		// Load whole bytes while they fit in the 64-bit buffer.
		bitbuf |= binary.LittleEndian.Uint64(in[ip:]) << nbits
		k := (64 - nbits) >> 3
		ip += int(k)
		nbits += k << 3

		e := litLen[bitbuf&litMask]
		if e&flagLink != 0 {
			bitbuf >>= litLenMainBits
			nbits -= litLenMainBits
			e = litLen[int(e>>16)+int(bitbuf&(1<<entryExtra(e)-1))]
		}
		n := entryBits(e)
		bitbuf >>= n
		nbits -= n
		if e&flagLiteral != 0 {
			win[op] = byte(e >> 16)
			op++
			// A second literal needs at most 15 more bits.
			if nbits >= maxCodeLen {
				e2 := litLen[bitbuf&litMask]
				if e2&flagLiteral != 0 {
					n := entryBits(e2)
					bitbuf >>= n
					nbits -= n
					win[op] = byte(e2 >> 16)
					op++
				}
			}
			continue
		}
		if e&(flagEnd|flagInvalid) != 0 {
			if e&flagInvalid != 0 {
				err = FormatError("invalid literal/length code")
			} else {
				d.endBlock()
			}
			break
		}
		extra := entryExtra(e)
		length := int(e>>16) + int(bitbuf&(1<<extra-1))
		bitbuf >>= extra
		nbits -= extra

		e = dist[bitbuf&distMask]
		if e&flagLink != 0 {
			bitbuf >>= distMainBits
			nbits -= distMainBits
			e = dist[int(e>>16)+int(bitbuf&(1<<entryExtra(e)-1))]
		}
		if e&flagInvalid != 0 {
			err = FormatError("invalid distance code")
			break
		}
		n = entryBits(e)
		bitbuf >>= n
		nbits -= n
		extra = entryExtra(e)
		distance := int(e>>16) + int(bitbuf&(1<<extra-1))
		bitbuf >>= extra
		nbits -= extra
		if distance > op {
			err = FormatError("distance too far back")
			break
		}

		src, end := op-distance, op+length
		switch {
		case distance >= 8:
			// Each 8-byte word read lies before what the loop writes;
			// the last may write past end, into the slack.
			for op < end {
				binary.LittleEndian.PutUint64(win[op:], binary.LittleEndian.Uint64(win[src:]))
				op += 8
				src += 8
			}
		case distance == 1:
			b := win[src]
			for i := op; i < end; i++ {
				win[i] = b
			}
		default:
			for i := op; i < end; i++ {
				win[i] = win[i-distance]
			}
		}
		op = end
	}
	d.ip, d.op = ip, op
	d.bitbuf, d.nbits = bitbuf, nbits
	return err
}
