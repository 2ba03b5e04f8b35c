package inflate

// A decoding table maps the next bits of the stream (read least significant
// bit first, the order in which deflate packs Huffman codes) to an entry.
// Codes of up to mainBits bits are decoded with one look-up: every index
// whose low bits are the code's bit-reversed value holds its entry. Longer
// codes share a main-table entry per mainBits-bit prefix, which links to a
// subtable indexed by the bits that follow. This is the layout zlib and
// libdeflate use; it trades a little memory for one look-up per symbol in
// the common case.
//
// An entry is a uint32:
//
//	bits 0-4    bits the entry consumes (the code length; for a link, mainBits)
//	bits 5-8    extra bits that follow the code (lengths and distances);
//	            for a link, the subtable's index width
//	bits 9-12   flags: literal, end of block, link, invalid
//	bits 16-31  value: the literal byte, the length or distance base, the
//	            symbol (code-length alphabet) or the subtable's offset
const (
	flagLiteral = 1 << 9
	flagEnd     = 1 << 10
	flagLink    = 1 << 11
	flagInvalid = 1 << 12

	maxCodeLen = 15

	litLenMainBits = 11
	distMainBits   = 8
	precodeBits    = 7
)

// entryBits is how many bits entry e consumes.
func entryBits(e uint32) uint { return uint(e & 31) }

// entryExtra is the number of extra bits after e's code (or a link's width).
func entryExtra(e uint32) uint { return uint(e>>5) & 15 }

func makeEntry(value uint32, extra uint, flags uint32) uint32 {
	return value<<16 | uint32(extra)<<5 | flags
}

// Lengths 3-258 of symbols 257-285, and distances 1-32768 of symbols 0-29:
// their base values and extra bits (RFC 1951, section 3.2.5).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// litLenEntry is the entry of a literal/length symbol.
func litLenEntry(sym int) uint32 {
	switch {
	case sym < 256:
		return makeEntry(uint32(sym), 0, flagLiteral)
	case sym == 256:
		return flagEnd
	case sym < 286:
		return makeEntry(uint32(lengthBase[sym-257]), uint(lengthExtra[sym-257]), 0)
	default:
		return flagInvalid // 286 and 287 take part in the code but never occur
	}
}

// distEntry is the entry of a distance symbol.
func distEntry(sym int) uint32 {
	if sym < 30 {
		return makeEntry(uint32(distBase[sym]), uint(distExtra[sym]), 0)
	}
	return flagInvalid // 30 and 31
}

// symbolEntry is the entry of a code-length alphabet symbol: the symbol.
func symbolEntry(sym int) uint32 { return makeEntry(uint32(sym), 0, 0) }

// buildTable fills table (reusing its storage) for the canonical Huffman
// code given by lens, with a main table of mainBits bits. Like zlib, it
// accepts complete codes, an empty code (no symbol: any use is an error)
// and a single code of one bit (its other bit pattern is invalid); other
// codes are errors.
func buildTable(table []uint32, lens []uint8, mainBits uint, entry func(sym int) uint32) ([]uint32, error) {
	var count [maxCodeLen + 1]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	left, total := 1, 0
	for l := 1; l <= maxCodeLen; l++ {
		left = left<<1 - count[l]
		total += count[l]
		if left < 0 {
			return table, FormatError("over-subscribed Huffman code")
		}
	}
	if left > 0 && total != 0 && !(total == 1 && count[1] == 1) {
		return table, FormatError("incomplete Huffman code")
	}
	// Canonical codes (RFC 1951, section 3.2.2), and the symbols sorted by
	// code length then value, which is the order of their codes.
	var next, start [maxCodeLen + 2]int
	code := 0
	for l := 1; l <= maxCodeLen; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
		start[l+1] = start[l] + count[l]
	}
	var sortedBuf [320]uint16
	sorted := sortedBuf[:start[maxCodeLen+1]]
	for sym, l := range lens {
		if l > 0 {
			sorted[start[l]] = uint16(sym)
			start[l]++
		}
	}

	size := 1 << mainBits
	table = table[:0]
	for range size {
		table = append(table, flagInvalid)
	}
	mainMask := size - 1
	prefix, subBits, subStart := -1, uint(0), 0
	for i, s := range sorted {
		sym := int(s)
		l := uint(lens[sym])
		c := next[l]
		next[l]++
		rev := reverse(c, l)
		e := entry(sym)
		if l <= mainBits {
			for idx := rev; idx < size; idx += 1 << l {
				table[idx] = e | uint32(l)
			}
			continue
		}
		if p := rev & mainMask; p != prefix {
			// A new prefix: its codes follow this one in sorted, and the
			// last of them is the longest.
			prefix = p
			last := l
			cl, cc := l, c
			for _, t := range sorted[i+1:] {
				tl := uint(lens[t])
				cc++
				if tl > cl {
					cc <<= tl - cl
					cl = tl
				}
				if reverse(cc, tl)&mainMask != prefix {
					break
				}
				last = tl
			}
			subBits = last - mainBits
			subStart = len(table)
			for range 1 << subBits {
				table = append(table, flagInvalid)
			}
			table[prefix] = makeEntry(uint32(subStart), subBits, flagLink) | uint32(mainBits)
		}
		rest := l - mainBits
		for idx := rev >> mainBits; idx < 1<<subBits; idx += 1 << rest {
			table[subStart+idx] = e | uint32(rest)
		}
	}
	return table, nil
}

// reverse returns the n low bits of c in reverse order.
func reverse(c int, n uint) int {
	r := 0
	for range n {
		r = r<<1 | c&1
		c >>= 1
	}
	return r
}
