package store

import (
	"slices"
	"testing"
)

// FuzzDecodeLines feeds arbitrary bytes to the decoder of a stored
// change's lines (a damaged or hostile index file): it must return an
// error or lines that keep the model's promises — sorted by hash with no
// repeats, no zero counts, no more lines than bytes allow — and that
// encode back to the same lines.
func FuzzDecodeLines(f *testing.F) {
	f.Add(encodeLines(nil, nil))
	f.Add(encodeLines(nil, []Line{{1, 1}, {2, -1}, {1 << 63, 3}}))
	f.Add(encodeLines(nil, []Line{{5, -2147483648}, {6, 2147483647}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		ls, err := decodeLines(b, nil)
		if err != nil {
			return
		}
		if len(ls) > len(b)/9 {
			t.Fatalf("%d lines from %d bytes", len(ls), len(b))
		}
		for i, l := range ls {
			if l.Count == 0 {
				t.Fatalf("line %d: zero count", i)
			}
			if i > 0 && ls[i-1].Hash >= l.Hash {
				t.Fatalf("lines not sorted by hash: %x then %x", ls[i-1].Hash, l.Hash)
			}
		}
		again, err := decodeLines(encodeLines(nil, ls), nil)
		if err != nil || !slices.Equal(again, ls) {
			t.Fatalf("re-encoding: %v, %v != %v", err, again, ls)
		}
	})
}

// FuzzSplitIDs: stored id lists of any length decode or fail cleanly.
func FuzzSplitIDs(f *testing.F) {
	f.Add(joinIDs([]ID{{1}, {2}}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		ids, err := splitIDs(b)
		if err != nil {
			return
		}
		if got := joinIDs(ids); !slices.Equal(got, b) {
			t.Fatalf("join(split(%x)) = %x", b, got)
		}
	})
}
