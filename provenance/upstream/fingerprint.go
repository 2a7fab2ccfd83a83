package upstream

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// The content fingerprint of a file change is its net change: the signed
// multiset of its changed lines, each normalised by dropping all SP, TAB,
// CR and LF bytes (as git patch-id does) and hashed to 64 bits; lines that
// are empty after normalisation are ignored. For any diff turning blob A
// into blob B, (added lines) − (removed lines) = lines(B) − lines(A), so an
// upstream commit's fingerprint is computed from its two blobs without
// running a diff, and it does not depend on the diff algorithm, on the
// context lines nor on hunk offsets.
//
// This is a private implementation rather than patchset.ChangeFromBlobs:
// the index needs the multiset as sorted (hash, count) pairs to build its
// inverted index and to intersect quickly, and it trims the common prefix
// and suffix of the two blobs before hashing, which makes fingerprinting a
// commit cost proportional to the changed region rather than the file.

// dentry is one element of a net change: a line hash and its signed count.
type dentry struct {
	h uint64
	n int32
}

// delta is a net change sorted by hash, without zero counts.
type delta []dentry

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashLine hashes a line without its whitespace (SP, TAB, CR, LF); ok is
// false when nothing is left.
func hashLine(b []byte) (h uint64, ok bool) {
	h = fnvOffset
	for _, c := range b {
		if c <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue
		}
		h ^= uint64(c)
		h *= fnvPrime
		ok = true
	}
	// Final avalanche (splitmix64) so that the low bits spread well.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h, ok
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
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

// commonSuffix returns the length of the longest common suffix of a and b.
func commonSuffixLen(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+512 <= n && bytes.Equal(a[len(a)-i-512:len(a)-i], b[len(b)-i-512:len(b)-i]) {
		i += 512
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// isBinary reports whether data looks binary (a NUL in its first 8000
// bytes), as git decides.
func isBinary(data []byte) bool {
	if len(data) > 8000 {
		data = data[:8000]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// lineHashes appends the hashes of the non-blank lines of data.
func lineHashes(data []byte, out []uint64) []uint64 {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		if h, ok := hashLine(line); ok {
			out = append(out, h)
		}
	}
	return out
}

// blobDelta returns lines(new) − lines(old). Only the region between the
// longest common prefix and suffix of whole lines is hashed.
func blobDelta(old, new []byte) delta {
	// Common prefix, cut back to a line start.
	p := commonPrefix(old, new)
	if p == len(old) && p == len(new) {
		return nil
	}
	p = bytes.LastIndexByte(old[:p], '\n') + 1
	// Common suffix not overlapping the prefix, cut forward to a line start.
	s := commonSuffixLen(old[p:], new[p:])
	if s > 0 {
		tail := old[len(old)-s:]
		if i := bytes.IndexByte(tail, '\n'); i >= 0 {
			s -= i + 1
		} else {
			s = 0
		}
	}
	oh := lineHashes(old[p:len(old)-s], nil)
	nh := lineHashes(new[p:len(new)-s], nil)
	return diffSorted(oh, nh)
}

// diffSorted sorts a and b and returns b − a as a delta.
func diffSorted(a, b []uint64) delta {
	slices.Sort(a)
	slices.Sort(b)
	var out delta
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			h := a[i]
			n := int32(0)
			for i < len(a) && a[i] == h {
				n--
				i++
			}
			out = append(out, dentry{h, n})
		case i >= len(a) || b[j] < a[i]:
			h := b[j]
			n := int32(0)
			for j < len(b) && b[j] == h {
				n++
				j++
			}
			out = append(out, dentry{h, n})
		default:
			h := a[i]
			n := int32(0)
			for i < len(a) && a[i] == h {
				n--
				i++
			}
			for j < len(b) && b[j] == h {
				n++
				j++
			}
			if n != 0 {
				out = append(out, dentry{h, n})
			}
		}
	}
	return out
}

// fromCounts builds a delta from a map of signed counts.
func fromCounts(m map[uint64]int32) delta {
	out := make(delta, 0, len(m))
	for h, n := range m {
		if n != 0 {
			out = append(out, dentry{h, n})
		}
	}
	slices.SortFunc(out, func(a, b dentry) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	return out
}

// size is the number of changed lines: the sum of |count|.
func (d delta) size() int {
	t := 0
	for _, e := range d {
		t += abs32(e.n)
	}
	return t
}

// overlapFn calls fn for every hash both deltas change in the same
// direction, with the shared count (signed: negative for removed lines).
func overlapFn(a, b delta, fn func(h uint64, n int32)) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].h < b[j].h:
			i++
		case a[i].h > b[j].h:
			j++
		default:
			x, y := a[i].n, b[j].n
			if (x > 0) == (y > 0) {
				n := int32(min(abs32(x), abs32(y)))
				if x < 0 {
					n = -n
				}
				fn(a[i].h, n)
			}
			i++
			j++
		}
	}
}

func abs32(n int32) int {
	if n < 0 {
		return int(-n)
	}
	return int(n)
}

// postingKey is the inverted-index key of a line hash changed in the given
// direction.
func postingKey(h uint64, n int32) uint64 {
	if n < 0 {
		return h<<1 | 1
	}
	return h << 1
}
