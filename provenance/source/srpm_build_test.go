package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/ulikunitz/xz"
)

// hdrBuilder writes an RPM header structure, for synthetic test SRPMs.
type hdrBuilder struct {
	tags map[uint32]hdrValue
}

type hdrValue struct {
	typ   uint32
	count uint32
	data  []byte
}

func newHdr() *hdrBuilder { return &hdrBuilder{tags: map[uint32]hdrValue{}} }

func (h *hdrBuilder) str(tag uint32, s string) {
	h.tags[tag] = hdrValue{typeString, 1, append([]byte(s), 0)}
}

func (h *hdrBuilder) strs(tag uint32, ss ...string) {
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	h.tags[tag] = hdrValue{typeStringArray, uint32(len(ss)), b}
}

func (h *hdrBuilder) int32s(tag uint32, vs ...int64) {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[4*i:], uint32(v))
	}
	h.tags[tag] = hdrValue{typeInt32, uint32(len(vs)), b}
}

func (h *hdrBuilder) bytes(pad bool) []byte {
	var keys []uint32
	for k := range h.tags {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var index, data []byte
	for _, k := range keys {
		v := h.tags[k]
		if v.typ == typeInt32 {
			for len(data)%4 != 0 {
				data = append(data, 0)
			}
		}
		e := make([]byte, 16)
		binary.BigEndian.PutUint32(e[0:], k)
		binary.BigEndian.PutUint32(e[4:], v.typ)
		binary.BigEndian.PutUint32(e[8:], uint32(len(data)))
		binary.BigEndian.PutUint32(e[12:], v.count)
		index = append(index, e...)
		data = append(data, v.data...)
	}
	out := append([]byte{}, headerMagic...)
	out = append(out, 0, 0, 0, 0)
	out = binary.BigEndian.AppendUint32(out, uint32(len(keys)))
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	out = append(append(out, index...), data...)
	if pad {
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

type testFile struct {
	name string
	data string
	spec bool  // RPMFILE_SPECFILE
	size int64 // with data "": size bytes of fill (generated, never held in memory)
	fill byte
	mode int64 // cpio mode; 0: a regular file (0o100644)
}

func (f testFile) length() int64 {
	if f.data == "" {
		return f.size
	}
	return int64(len(f.data))
}

// srpmOptions shape a synthetic SRPM.
type srpmOptions struct {
	stripped   bool   // 07070X cpio
	binary     bool   // lead type 0, no SOURCEPACKAGE
	compressor string // header value
	compress   func([]byte) []byte
	// stream, when set, compresses the payload as it is written (for
	// generated SRPMs too large for memory); compress is then unused.
	stream func(io.Writer) io.WriteCloser
}

// buildSRPM returns a synthetic SRPM holding files.
func buildSRPM(files []testFile, o srpmOptions) []byte {
	var buf bytes.Buffer
	if o.compress != nil {
		var cpio bytes.Buffer
		if err := writeSRPM(&buf, &cpio, files, o); err != nil {
			panic(err)
		}
		buf.Write(o.compress(cpio.Bytes()))
		return buf.Bytes()
	}
	if o.stream == nil {
		o.stream = func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }
	}
	if err := writeSRPM(&buf, nil, files, o); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// writeSRPM writes a synthetic SRPM holding files to w, streaming member
// data. With cpio not nil, the lead and headers go to w and the
// uncompressed cpio archive to cpio; otherwise the archive goes to w
// through o.stream.
func writeSRPM(w io.Writer, cpio io.Writer, files []testFile, o srpmOptions) error {
	lead := make([]byte, 96)
	copy(lead, leadMagic)
	lead[4], lead[5] = 3, 0
	if !o.binary {
		lead[7] = 1
	}
	sig := newHdr()
	sig.int32s(1000, 1234) // SIGTAG_SIZE
	h := newHdr()
	h.str(tagName, "pkg")
	h.str(tagVersion, "1.0")
	h.str(tagRelease, "1.el9")
	h.int32s(tagEpoch, 2)
	h.strs(tagSource, "pkg-1.0.tar.gz")
	h.strs(tagPatch, "fix.patch")
	h.str(tagArch, "x86_64")
	if !o.binary {
		h.int32s(tagSourcePackage, 1)
	}
	var names []string
	var sizes, flags, idx, modes []int64
	for _, f := range files {
		names = append(names, f.name)
		sizes = append(sizes, f.length())
		fl := int64(0)
		if f.spec {
			fl = fileFlagSpec
		}
		flags = append(flags, fl)
		idx = append(idx, 0)
		modes = append(modes, f.cpioMode())
	}
	h.strs(tagBasenames, names...)
	h.strs(tagDirNames, "")
	h.int32s(tagDirIndexes, idx...)
	h.int32s(tagFileSizes, sizes...)
	h.int32s(tagFileFlags, flags...)
	h.int32s(tagFileModes, modes...)
	h.str(tagPayloadFormat, "cpio")
	if o.compressor != "" {
		h.str(tagPayloadCompressor, o.compressor)
	}
	if _, err := w.Write(append(append(lead, sig.bytes(true)...), h.bytes(false)...)); err != nil {
		return err
	}
	var zw io.WriteCloser
	if cpio == nil {
		zw = o.stream(w)
		cpio = zw
	}
	bw := bufio.NewWriterSize(cpio, 1<<20)
	var off int64
	put := func(b []byte) {
		bw.Write(b)
		off += int64(len(b))
	}
	pad := func() { put(make([]byte, (4-off%4)%4)) }
	for i, f := range files {
		if o.stripped {
			put(fmt.Appendf(nil, "07070X%08x", i))
		} else {
			put(fmt.Appendf(nil, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
				i+1, f.cpioMode(), 0, 0, 1, 0, f.length(), 0, 0, 0, 0, len(f.name)+1, 0))
			put(append([]byte(f.name), 0))
		}
		pad()
		if f.data != "" {
			put([]byte(f.data))
		} else {
			chunk := bytes.Repeat([]byte{f.fill}, 1<<20)
			for left := f.size; left > 0; left -= int64(len(chunk)) {
				put(chunk[:min(left, int64(len(chunk)))])
			}
		}
		pad()
	}
	trailer := "TRAILER!!!"
	put(fmt.Appendf(nil, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(trailer)+1, 0))
	put(append([]byte(trailer), 0))
	pad()
	if err := bw.Flush(); err != nil {
		return err
	}
	if zw != nil {
		return zw.Close()
	}
	return nil
}

func (f testFile) cpioMode() int64 {
	if f.mode != 0 {
		return f.mode
	}
	return 0o100644
}

func xzBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := xz.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// payloadOffset returns where an SRPM's payload starts.
func payloadOffset(b []byte) (int64, error) {
	r := &offsetReader{r: bytes.NewReader(b)}
	if _, err := readLead(r); err != nil {
		return 0, err
	}
	if _, err := readHeader(r, "sig", true); err != nil {
		return 0, err
	}
	if _, err := readHeader(r, "hdr", false); err != nil {
		return 0, err
	}
	return r.off, nil
}

var _ = io.EOF
