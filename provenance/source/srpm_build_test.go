package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
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
	spec bool // RPMFILE_SPECFILE
}

// srpmOptions shape a synthetic SRPM.
type srpmOptions struct {
	stripped   bool   // 07070X cpio
	binary     bool   // lead type 0, no SOURCEPACKAGE
	compressor string // header value
	compress   func([]byte) []byte
}

// buildSRPM returns a synthetic SRPM holding files.
func buildSRPM(files []testFile, o srpmOptions) []byte {
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
	var sizes, flags, idx []int64
	for _, f := range files {
		names = append(names, f.name)
		sizes = append(sizes, int64(len(f.data)))
		fl := int64(0)
		if f.spec {
			fl = fileFlagSpec
		}
		flags = append(flags, fl)
		idx = append(idx, 0)
	}
	h.strs(tagBasenames, names...)
	h.strs(tagDirNames, "")
	h.int32s(tagDirIndexes, idx...)
	h.int32s(tagFileSizes, sizes...)
	h.int32s(tagFileFlags, flags...)
	h.str(tagPayloadFormat, "cpio")
	if o.compressor != "" {
		h.str(tagPayloadCompressor, o.compressor)
	}
	var cpio bytes.Buffer
	pad := func() {
		for cpio.Len()%4 != 0 {
			cpio.WriteByte(0)
		}
	}
	for i, f := range files {
		if o.stripped {
			fmt.Fprintf(&cpio, "07070X%08x", i)
		} else {
			fmt.Fprintf(&cpio, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
				i+1, 0o100644, 0, 0, 1, 0, len(f.data), 0, 0, 0, 0, len(f.name)+1, 0)
			cpio.WriteString(f.name)
			cpio.WriteByte(0)
		}
		pad()
		cpio.WriteString(f.data)
		pad()
	}
	trailer := "TRAILER!!!"
	fmt.Fprintf(&cpio, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(trailer)+1, 0)
	cpio.WriteString(trailer)
	cpio.WriteByte(0)
	pad()
	payload := cpio.Bytes()
	if o.compress != nil {
		payload = o.compress(payload)
	} else {
		payload = gzipBytes(payload)
	}
	out := append(lead, sig.bytes(true)...)
	out = append(out, h.bytes(false)...)
	return append(out, payload...)
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
