package patchset

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestParseLyingCounts: a hunk header's counts are not trusted for an
// allocation. "@@ -1,999999999 +1,999999999 @@" once preallocated 32 GB.
func TestParseLyingCounts(t *testing.T) {
	in := []byte("--- a/f\n+++ b/f\n@@ -1,999999999 +1,999999999 @@\n-a\n+b\n")
	var err error
	n := allocated(func() { _, err = ParseBytes("lie.patch", in) })
	if !errors.Is(err, ErrTruncatedHunk) {
		t.Errorf("error %v, want ErrTruncatedHunk", err)
	}
	if n > 1<<20 {
		t.Errorf("parsing %d bytes allocated %d bytes", len(in), n)
	}
}

// TestParseMemory: parsing a patch of many small hunks allocates a small,
// fixed multiple of its size (issue 14 item 4: a 29 MB patch of 1e6 hunks
// reached 935 MB in trace). The hunk and line structures themselves cost
// 80 + 2×32 bytes per "@@ -N +N @@\n-a\n+b\n" hunk of 25 bytes; the
// bound leaves room for them and the line index, not for growth garbage.
func TestParseMemory(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("diff --git a/f b/f\n--- a/f\n+++ b/f\n")
	const hunks = 20000
	for i := 1; i <= hunks; i++ {
		fmt.Fprintf(&b, "@@ -%d +%d @@\n-a\n+b\n", 3*i, 3*i)
	}
	data := b.Bytes()
	var ps []*Patch
	var err error
	n := allocated(func() { ps, err = ParseBytes("many.patch", data) })
	if err != nil || len(ps) != 1 || len(ps[0].Files[0].Hunks) != hunks {
		t.Fatalf("%v", err)
	}
	t.Logf("%d bytes allocated per hunk", n/hunks)
	if per := n / hunks; per > 320 {
		t.Errorf("%d bytes allocated per hunk (%d bytes of input each)", per, len(data)/hunks)
	}
}
