package patchset

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
)

// LineHashBytes is LineHash on a byte slice.
func LineHashBytes(line []byte) (uint64, bool) {
	h := uint64(fnvOffset64)
	n := 0
	for _, c := range line {
		if spaceTable[c] {
			continue
		}
		h ^= uint64(c)
		h *= fnvPrime64
		n++
	}
	return h, n > 0
}

// NetChange returns lines(new) - lines(old): the signed multiset of
// normalised lines (see FileChange) that any diff from old to new adds
// and removes, sorted by Hash, without zero counts and without Text. Only
// the region between the longest common prefix and suffix of whole lines
// is hashed, so the cost follows the changed region, not the file size.
// Binary content is not special here (see ChangeFromBlobs).
func NetChange(old, new []byte) []LineCount {
	old, new = trimCommonLines(old, new)
	if len(old) == 0 && len(new) == 0 {
		return nil
	}
	oh := appendLineHashes(nil, old)
	nh := appendLineHashes(nil, new)
	slices.Sort(oh)
	slices.Sort(nh)
	var out []LineCount
	i, j := 0, 0
	for i < len(oh) || j < len(nh) {
		var h uint64
		switch {
		case j >= len(nh) || (i < len(oh) && oh[i] < nh[j]):
			h = oh[i]
		default:
			h = nh[j]
		}
		n := 0
		for ; i < len(oh) && oh[i] == h; i++ {
			n--
		}
		for ; j < len(nh) && nh[j] == h; j++ {
			n++
		}
		if n != 0 {
			out = append(out, LineCount{Hash: h, Count: n})
		}
	}
	return out
}

// BlobLines returns the normalised lines of data as a multiset (every
// count positive), sorted by Hash: NetChange(nil, data).
func BlobLines(data []byte) []LineCount { return NetChange(nil, data) }

// appendLineHashes appends the hashes of the non-blank lines of data.
func appendLineHashes(out []uint64, data []byte) []uint64 {
	eachLine(data, func(l []byte) {
		if h, ok := LineHashBytes(l); ok {
			out = append(out, h)
		}
	})
	return out
}

// ChangeFromBlobs returns the net change that turns old into new, for the
// file at path, without running a diff: lines(new) - lines(old) as
// normalised multisets (NetChange), with one occurrence of each line as
// its Text. A nil old means the file is created, a nil new that it is
// deleted. Content with a NUL byte in its first 8000 bytes is binary
// (git's rule) and is represented by a pseudo-line. The result has no
// Hunks and no ExactHash/EquivHash.
func ChangeFromBlobs(path string, old, new []byte) FileChange {
	fc := FileChange{Path: NormalizePath(path, 0), IsNew: old == nil, IsDelete: new == nil}
	if IsBinary(old) || IsBinary(new) {
		fc.IsBinary = true
		if !bytes.Equal(old, new) {
			blob := new
			if new == nil {
				blob = old
			}
			fc.Lines, fc.Added, fc.Removed = pseudo(binaryKind(gitBlobID(blob)), fc)
		}
		return fc
	}
	lines := NetChange(old, new)
	if len(lines) == 0 {
		if (fc.IsNew || fc.IsDelete) && len(old) == 0 && len(new) == 0 {
			fc.Lines, fc.Added, fc.Removed = pseudo("empty", fc)
		}
		return fc
	}
	fillText(lines, old, new)
	for _, l := range lines {
		if l.Count > 0 {
			fc.Added += l.Count
		} else {
			fc.Removed -= l.Count
		}
	}
	fc.Lines = lines
	return fc
}

// fillText sets the Text of every line of the net change lines of old to
// new: the first occurrence in new of an added line, in old of a removed
// one, trimmed.
func fillText(lines []LineCount, old, new []byte) {
	old, new = trimCommonLines(old, new)
	need := make(map[uint64]int, len(lines))
	for i, l := range lines {
		need[l.Hash] = i
	}
	collect := func(data []byte, positive bool) {
		eachLine(data, func(l []byte) {
			h, ok := LineHashBytes(l)
			if !ok {
				return
			}
			i, ok := need[h]
			if !ok || (lines[i].Count > 0) != positive {
				return
			}
			lines[i].Text = string(bytes.TrimSpace(l))
			delete(need, h)
		})
	}
	collect(new, true)
	collect(old, false)
}

// trimCommonLines drops the whole lines that a and b share at their start
// and at their end.
func trimCommonLines(a, b []byte) ([]byte, []byte) {
	p := commonPrefixLen(a, b)
	// Back up to the start of the line where they first differ.
	if p < len(a) || p < len(b) {
		p = bytes.LastIndexByte(a[:p], '\n') + 1
	}
	a, b = a[p:], b[p:]
	q := commonSuffixLen(a, b)
	// Move forward to just after a line end inside the common suffix (the
	// suffix must start a line in both).
	for q > 0 {
		ia, ib := len(a)-q, len(b)-q
		if (ia == 0 || a[ia-1] == '\n') && (ib == 0 || b[ib-1] == '\n') {
			break
		}
		if k := bytes.IndexByte(a[ia:], '\n'); k >= 0 && k < q {
			q -= k + 1
			continue
		}
		q = 0
	}
	return a[:len(a)-q], b[:len(b)-q]
}

// commonPrefixLen returns the length of the longest common prefix of a
// and b, comparing 8 bytes at a time.
func commonPrefixLen(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+512 <= n && bytes.Equal(a[i:i+512], b[i:i+512]) {
		i += 512
	}
	for i+8 <= n && binary.LittleEndian.Uint64(a[i:]) == binary.LittleEndian.Uint64(b[i:]) {
		i += 8
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffixLen returns the length of the longest common suffix of a
// and b.
func commonSuffixLen(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+512 <= n && bytes.Equal(a[len(a)-i-512:len(a)-i], b[len(b)-i-512:len(b)-i]) {
		i += 512
	}
	for i+8 <= n && binary.LittleEndian.Uint64(a[len(a)-i-8:]) == binary.LittleEndian.Uint64(b[len(b)-i-8:]) {
		i += 8
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// IsBinary reports whether data looks binary: a NUL byte in its first
// 8000 bytes (git's rule).
func IsBinary(data []byte) bool {
	if len(data) > 8000 {
		data = data[:8000]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// eachLine calls fn on every line of data, without its terminator.
func eachLine(data []byte, fn func([]byte)) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			fn(data)
			return
		}
		fn(data[:i])
		data = data[i+1:]
	}
}

// gitBlobID returns git's SHA-1 blob id of data, in hex.
func gitBlobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}
