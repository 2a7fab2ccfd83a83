// Package decompress opens the compressed streams patchtrace reads — SRPM
// payloads and source tarballs — in pure Go, sniffing the format from its
// magic bytes: gzip, bzip2, xz and zstd, and raw lzma when the caller says
// so (it has no magic). Decoder memory is capped before it is allocated:
// windows and dictionaries larger than MaxWindow are refused.
package decompress

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// MaxWindow is the largest window or dictionary accepted (xz -9 uses
// 64 MiB, zstd --ultra -22 128 MiB).
const MaxWindow = 256 << 20

// ErrUnknown is returned (wrapped) by NewReader when the stream starts
// with no known compression magic: it may be uncompressed.
var ErrUnknown = errors.New("no known compression magic")

// Error is a stream NewReader refuses (malformed, or over a cap), or a
// failure of the decompressing reader it returned (corrupt or truncated
// data; Err is then the decoder's error).
type Error struct {
	// Format is "gzip", "bzip2", "xz", "zstd" or "lzma".
	Format string
	// TooLarge is set when a cap refused the stream (its window or
	// dictionary exceeds MaxWindow).
	TooLarge bool
	// Msg says what is wrong.
	Msg string
	// Err is the decoder's error, if any.
	Err error
}

// Unwrap returns the decoder's error, if any.
func (e *Error) Unwrap() error { return e.Err }

// formatReader names the format in the read errors of a decoder, so that
// "writeMatch: distance out of range" says it is xz's.
type formatReader struct {
	r      io.Reader
	format string
}

func (f *formatReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		if e := (*Error)(nil); !errors.As(err, &e) {
			err = &Error{Format: f.format, Msg: err.Error(), Err: err}
		}
	}
	return n, err
}

func (e *Error) Error() string {
	if e.TooLarge {
		return e.Format + " " + e.Msg
	}
	return e.Format + ": " + e.Msg
}

// NewReader sniffs the compression of the stream br from its magic bytes
// and returns a decompressing reader and the function that releases it.
// declared is the compression the container names ("lzma" selects raw
// lzma, which has no magic); it is otherwise only a fallback. A stream
// without known magic gives an error wrapping ErrUnknown, with br
// unconsumed; a malformed or oversized one an *Error. The reader's own
// errors (corrupt or truncated data) are *Error values too.
func NewReader(br *bufio.Reader, declared string) (io.Reader, func(), error) {
	nop := func() {}
	magic, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nop, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nop, &Error{Format: "gzip", Msg: err.Error()}
		}
		return &formatReader{zr, "gzip"}, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return &formatReader{bzip2.NewReader(br), "bzip2"}, nop, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		if err := checkXZDict(br); err != nil {
			return nil, nop, err
		}
		// DictCap is a floor: the smallest lets the stream's own size rule
		// (the default floor, 8 MiB, costs more than small payloads).
		xr, err := xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(br)
		if err != nil {
			return nil, nop, &Error{Format: "xz", Msg: err.Error()}
		}
		return &formatReader{xr, "xz"}, nop, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(MaxWindow), zstd.WithDecoderMaxMemory(1<<40))
		if err != nil {
			return nil, nop, &Error{Format: "zstd", Msg: err.Error()}
		}
		return &formatReader{zr, "zstd"}, zr.Close, nil
	case declared == "lzma":
		if len(magic) < 5 {
			return nil, nop, &Error{Format: "lzma", Msg: "stream truncated"}
		}
		if dict := binary.LittleEndian.Uint32(magic[1:5]); dict > MaxWindow {
			return nil, nop, &Error{Format: "lzma", TooLarge: true, Msg: fmt.Sprintf("dictionary of %d bytes", dict)}
		}
		lr, err := lzma.NewReader(br)
		if err != nil {
			return nil, nop, &Error{Format: "lzma", Msg: err.Error()}
		}
		return &formatReader{lr, "lzma"}, nop, nil
	}
	return nil, nop, fmt.Errorf("%w (magic % x)", ErrUnknown, magic)
}

// checkXZDict refuses an xz stream whose first block's LZMA2 dictionary
// exceeds MaxWindow, before the decoder allocates it.
func checkXZDict(br *bufio.Reader) error {
	head, _ := br.Peek(12 + 1024 + 4)
	if len(head) < 13 {
		return &Error{Format: "xz", Msg: "stream truncated"}
	}
	blk := head[12:]
	if blk[0] == 0 {
		return nil // index: empty stream
	}
	size := (int(blk[0]) + 1) * 4
	if len(blk) < size || size < 2 {
		return nil
	}
	flags := blk[1]
	i := 2
	varint := func() (uint64, bool) {
		var v uint64
		for s := 0; s < 63 && i < size; s += 7 {
			c := blk[i]
			i++
			v |= uint64(c&0x7f) << s
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return nil
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return nil
		}
	}
	for f := 0; f <= int(flags&3); f++ {
		id, ok := varint()
		if !ok {
			return nil
		}
		psize, ok := varint()
		if !ok || psize > uint64(size-i) {
			return nil
		}
		if id == 0x21 && psize == 1 {
			bits := blk[i]
			if bits > 40 {
				return &Error{Format: "xz", Msg: "bad LZMA2 dictionary size"}
			}
			var dict uint64 = 0xffffffff
			if bits < 40 {
				dict = uint64(2|(bits&1)) << (bits/2 + 11)
			}
			if dict > MaxWindow {
				return &Error{Format: "xz", TooLarge: true, Msg: fmt.Sprintf("dictionary of %d bytes", dict)}
			}
		}
		i += int(psize)
	}
	return nil
}
