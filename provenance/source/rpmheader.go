package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/patchtrace/patchtrace/input"
)

// RPM header tags read by the SRPM reader (rpm's rpmtag.h).
const (
	tagName              = 1000
	tagVersion           = 1001
	tagRelease           = 1002
	tagEpoch             = 1003
	tagSource            = 1018
	tagPatch             = 1019
	tagArch              = 1022
	tagOldFilenames      = 1027
	tagFileSizes         = 1028
	tagFileModes         = 1030
	tagFileFlags         = 1037
	tagNoSource          = 1051
	tagNoPatch           = 1052
	tagSourcePackage     = 1106
	tagDirIndexes        = 1116
	tagBasenames         = 1117
	tagDirNames          = 1118
	tagPayloadFormat     = 1124
	tagPayloadCompressor = 1125
	tagLongFileSizes     = 5008
)

// RPM header data types.
const (
	typeNull = iota
	typeChar
	typeInt8
	typeInt16
	typeInt32
	typeInt64
	typeString
	typeBin
	typeStringArray
	typeI18NString
)

// fileFlagSpec is RPMFILE_SPECFILE.
const fileFlagSpec = 1 << 5

// Caps of the header reader, after rpm's own (hdrchkTags, headerMaxbytes).
const (
	maxHeaderTags = 0xffff
	maxHeaderData = 256 << 20
)

var (
	leadMagic   = []byte{0xed, 0xab, 0xee, 0xdb}
	headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01}
)

type hdrEntry struct {
	typ   uint32
	count uint32
	data  []byte // from the entry's offset to its end
}

// rpmHeader is a parsed header structure (signature or main header).
type rpmHeader struct {
	entries map[uint32]hdrEntry
}

// offsetReader counts the bytes read, for error offsets.
type offsetReader struct {
	r   io.Reader
	off int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

// readFull reads exactly n bytes, growing the buffer as data arrives so
// that a lying length costs no more memory than the input holds.
func readFull(r *offsetReader, n int64, what string) ([]byte, error) {
	at := r.off
	var b []byte
	var err error
	if n <= 1<<20 {
		b = make([]byte, n)
		var k int
		k, err = io.ReadFull(r, b)
		b = b[:k]
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = nil
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(r, n))
	}
	if err != nil {
		return nil, input.Errorf(input.Position{Offset: at}, "%s: %w", what, err)
	}
	if int64(len(b)) != n {
		return nil, input.Errorf(input.Position{Offset: at}, "%w: %s: truncated (%d of %d bytes)", ErrFormat, what, len(b), n)
	}
	return b, nil
}

// readLead reads and checks the 96-byte lead; it reports whether the
// lead's type says source package.
func readLead(r *offsetReader) (bool, error) {
	lead, err := readFull(r, 96, "lead")
	if err != nil {
		return false, err
	}
	if !bytes.Equal(lead[:4], leadMagic) {
		return false, fmt.Errorf("%w: not an RPM file (bad lead magic)", ErrFormat)
	}
	if lead[4] != 3 && lead[4] != 4 {
		return false, fmt.Errorf("%w: RPM lead version %d unsupported", ErrFormat, lead[4])
	}
	return binary.BigEndian.Uint16(lead[6:8]) == 1, nil
}

// readHeader reads one header structure; pad aligns its end to 8 bytes
// (the signature header).
func readHeader(r *offsetReader, what string, pad bool) (*rpmHeader, error) {
	start := r.off
	intro, err := readFull(r, 16, what)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(intro[:4], headerMagic) {
		return nil, input.Errorf(input.Position{Offset: start}, "%w: %s: bad magic", ErrFormat, what)
	}
	nindex := binary.BigEndian.Uint32(intro[8:12])
	hsize := binary.BigEndian.Uint32(intro[12:16])
	if nindex == 0 || nindex > maxHeaderTags || hsize > maxHeaderData {
		return nil, input.Errorf(input.Position{Offset: start}, "%w: %s: implausible size (%d tags, %d bytes)", ErrFormat, what, nindex, hsize)
	}
	index, err := readFull(r, int64(nindex)*16, what+" index")
	if err != nil {
		return nil, err
	}
	data, err := readFull(r, int64(hsize), what+" data")
	if err != nil {
		return nil, err
	}
	if pad {
		if n := (8 - (16+int64(nindex)*16+int64(hsize))%8) % 8; n > 0 {
			if _, err := readFull(r, n, what+" padding"); err != nil {
				return nil, err
			}
		}
	}
	h := &rpmHeader{entries: make(map[uint32]hdrEntry, nindex)}
	for i := uint32(0); i < nindex; i++ {
		e := index[i*16 : i*16+16]
		tag := binary.BigEndian.Uint32(e[0:4])
		typ := binary.BigEndian.Uint32(e[4:8])
		off := binary.BigEndian.Uint32(e[8:12])
		count := binary.BigEndian.Uint32(e[12:16])
		bad := func(why string) error {
			return input.Errorf(input.Position{Offset: start}, "%w: %s: tag %d: %s", ErrFormat, what, tag, why)
		}
		if typ > typeI18NString {
			return nil, bad(fmt.Sprintf("unknown type %d", typ))
		}
		if uint64(off) > uint64(len(data)) {
			return nil, bad("offset out of range")
		}
		rest := data[off:]
		var size uint64
		switch typ {
		case typeNull:
		case typeChar, typeInt8, typeBin:
			size = uint64(count)
		case typeInt16:
			size = 2 * uint64(count)
		case typeInt32:
			size = 4 * uint64(count)
		case typeInt64:
			size = 8 * uint64(count)
		default: // strings: count NUL-terminated strings
			if typ == typeString && count != 1 {
				return nil, bad("string with count != 1")
			}
			if uint64(count) > uint64(len(rest)) {
				return nil, bad("count out of range")
			}
			for j := uint32(0); j < count; j++ {
				k := bytes.IndexByte(rest[size:], 0)
				if k < 0 {
					return nil, bad("unterminated string")
				}
				size += uint64(k) + 1
			}
		}
		if size > uint64(len(rest)) {
			return nil, bad("data out of range")
		}
		h.entries[tag] = hdrEntry{typ: typ, count: count, data: rest[:size]}
	}
	return h, nil
}

// str returns a STRING (or first of an array / i18n string) tag.
func (h *rpmHeader) str(tag uint32) string {
	s := h.strs(tag)
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// strs returns the strings of a string-typed tag.
func (h *rpmHeader) strs(tag uint32) []string {
	e, ok := h.entries[tag]
	if !ok || (e.typ != typeString && e.typ != typeStringArray && e.typ != typeI18NString) {
		return nil
	}
	out := make([]string, 0, e.count)
	d := e.data
	for i := uint32(0); i < e.count; i++ {
		k := bytes.IndexByte(d, 0)
		out = append(out, string(d[:k]))
		d = d[k+1:]
	}
	return out
}

// ints returns an integer tag's values widened to int64.
func (h *rpmHeader) ints(tag uint32) []int64 {
	e, ok := h.entries[tag]
	if !ok {
		return nil
	}
	var out []int64
	switch e.typ {
	case typeChar, typeInt8:
		for _, b := range e.data {
			out = append(out, int64(b))
		}
	case typeInt16:
		for i := 0; i+2 <= len(e.data); i += 2 {
			out = append(out, int64(binary.BigEndian.Uint16(e.data[i:])))
		}
	case typeInt32:
		for i := 0; i+4 <= len(e.data); i += 4 {
			out = append(out, int64(binary.BigEndian.Uint32(e.data[i:])))
		}
	case typeInt64:
		for i := 0; i+8 <= len(e.data); i += 8 {
			out = append(out, int64(binary.BigEndian.Uint64(e.data[i:])))
		}
	}
	return out
}

func (h *rpmHeader) has(tag uint32) bool {
	_, ok := h.entries[tag]
	return ok
}

// fileNames returns the header's file list: OLDFILENAMES, or
// DIRNAMES[DIRINDEXES[i]] + BASENAMES[i].
func (h *rpmHeader) fileNames() ([]string, error) {
	if old := h.strs(tagOldFilenames); len(old) > 0 {
		return old, nil
	}
	base := h.strs(tagBasenames)
	if len(base) == 0 {
		return nil, nil
	}
	dirs := h.strs(tagDirNames)
	idx := h.ints(tagDirIndexes)
	if len(idx) != len(base) {
		return nil, fmt.Errorf("%w: header: %d basenames but %d dir indexes", ErrFormat, len(base), len(idx))
	}
	out := make([]string, len(base))
	for i, b := range base {
		if idx[i] < 0 || idx[i] >= int64(len(dirs)) {
			return nil, fmt.Errorf("%w: header: dir index %d out of range", ErrFormat, idx[i])
		}
		out[i] = dirs[idx[i]] + b
	}
	return out, nil
}
