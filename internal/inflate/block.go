package inflate

import "encoding/binary"

// The output window: windowSize bytes of history that matches may refer to,
// then room for outSize new bytes. Decoding stops maxMatch+8 bytes before
// the end so that a match, copied 8 bytes at a time, cannot overrun it.
const (
	windowSize = 32 << 10
	outSize    = 1 << 20
	maxMatch   = 258
	outSlack   = maxMatch + 8
)

// Block decoding states.
const (
	stateHeader  = iota // before a block header
	stateStored         // inside a stored block
	stateHuffman        // inside a Huffman-coded block
	stateEnd            // after the final block
)

// decoder is a deflate (RFC 1951) decoder writing into a window.
type decoder struct {
	input
	win []byte
	op  int // end of the output in win

	state  int
	final  bool // the current block is the last one
	stored int  // bytes left in the current stored block

	litLen, dist []uint32
	lens         [288 + 32]uint8
}

// outLimit is the position beyond which a symbol may not start.
func (d *decoder) outLimit() int { return len(d.win) - outSlack }

// decode adds output to the window until it is nearly full or the final
// block ends.
func (d *decoder) decode() error {
	for d.op <= d.outLimit() {
		var err error
		switch d.state {
		case stateHeader:
			err = d.header()
		case stateStored:
			err = d.copyStored()
		case stateHuffman:
			if d.end-d.ip < fastInput {
				d.fill()
			}
			if d.end-d.ip >= fastInput {
				err = d.fast()
			} else {
				err = d.slow()
			}
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// endBlock moves on after a block.
func (d *decoder) endBlock() {
	if d.final {
		d.state = stateEnd
	} else {
		d.state = stateHeader
	}
}

// header reads a block header and prepares its decoding.
func (d *decoder) header() error {
	h, err := d.bits(3)
	if err != nil {
		return err
	}
	d.final = h&1 == 1
	switch h >> 1 {
	case 0:
		d.align()
		var lens [4]byte
		if err := d.readAligned(lens[:]); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint16(lens[0:])
		if n != ^binary.LittleEndian.Uint16(lens[2:]) {
			return FormatError("stored block length does not match its complement")
		}
		d.stored = int(n)
		d.state = stateStored
		return nil
	case 1:
		err = d.fixedTables()
	case 2:
		err = d.dynamicTables()
	default:
		return FormatError("reserved block type")
	}
	if err != nil {
		return err
	}
	d.state = stateHuffman
	return nil
}

// copyStored copies the current stored block as far as the window allows.
func (d *decoder) copyStored() error {
	n := min(d.stored, len(d.win)-d.op)
	if err := d.readAligned(d.win[d.op : d.op+n]); err != nil {
		return err
	}
	d.op += n
	d.stored -= n
	if d.stored == 0 {
		d.endBlock()
	}
	return nil
}

// fixedTables sets up the codes of a block with fixed Huffman codes.
func (d *decoder) fixedTables() error {
	lens := d.lens[:288]
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	dist := d.lens[288 : 288+32]
	for i := range dist {
		dist[i] = 5
	}
	return d.buildTables(lens, dist)
}

// precodeOrder is the order of the code-length code lengths in a header.
var precodeOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicTables reads the codes of a block with dynamic Huffman codes.
func (d *decoder) dynamicTables() error {
	h, err := d.bits(14)
	if err != nil {
		return err
	}
	nlit, ndist, nclen := int(h&31)+257, int(h>>5&31)+1, int(h>>10)+4
	if nlit > 286 || ndist > 30 {
		return FormatError("too many length or distance codes")
	}
	var clens [19]uint8
	for i := range nclen {
		v, err := d.bits(3)
		if err != nil {
			return err
		}
		clens[precodeOrder[i]] = uint8(v)
	}
	var preBuf [1 << precodeBits]uint32
	pre, err := buildTable(preBuf[:0], clens[:], precodeBits, symbolEntry)
	if err != nil {
		return err
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		e, err := d.decodeSlow(pre, precodeBits)
		if err != nil {
			return err
		}
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return FormatError("repeated code length without a previous one")
			}
			val = lens[i-1]
			rep, err = d.bits(2)
			rep += 3
		case 17:
			rep, err = d.bits(3)
			rep += 3
		default:
			rep, err = d.bits(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+int(rep) > len(lens) {
			return FormatError("code lengths overflow")
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 {
		return FormatError("no end-of-block code")
	}
	return d.buildTables(lens[:nlit], lens[nlit:])
}

// buildTables builds the literal/length and distance tables.
func (d *decoder) buildTables(litLen, dist []uint8) error {
	var err error
	if d.litLen, err = buildTable(d.litLen, litLen, litLenMainBits, litLenEntry); err != nil {
		return err
	}
	d.dist, err = buildTable(d.dist, dist, distMainBits, distEntry)
	return err
}

// slow decodes symbols one at a time near the end of the input, checking
// every bit it uses, until the block ends or the window is nearly full.
func (d *decoder) slow() error {
	for d.op <= d.outLimit() {
		e, err := d.decodeSlow(d.litLen, litLenMainBits)
		if err != nil {
			return err
		}
		if e&flagLiteral != 0 {
			d.win[d.op] = byte(e >> 16)
			d.op++
			continue
		}
		if e&flagEnd != 0 {
			d.endBlock()
			return nil
		}
		extra, err := d.bits(entryExtra(e))
		if err != nil {
			return err
		}
		length := int(e>>16) + int(extra)
		if e, err = d.decodeSlow(d.dist, distMainBits); err != nil {
			return err
		}
		if extra, err = d.bits(entryExtra(e)); err != nil {
			return err
		}
		dist := int(e>>16) + int(extra)
		if dist > d.op {
			return FormatError("distance too far back")
		}
		for i := range length {
			d.win[d.op+i] = d.win[d.op-dist+i]
		}
		d.op += length
	}
	return nil
}
