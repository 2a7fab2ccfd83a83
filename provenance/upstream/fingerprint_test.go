package upstream

import (
	"slices"
	"testing"
)

// naiveDelta hashes both blobs whole: the reference blobDelta must equal.
func naiveDelta(old, new []byte) delta {
	return diffSorted(lineHashes(old, nil), lineHashes(new, nil))
}

func TestBlobDeltaTrimming(t *testing.T) {
	for _, tc := range []struct{ old, new string }{
		{"", ""},
		{"a\n", "a\n"},
		{"a\nb\nc\n", "a\nB\nc\n"},
		{"a\nb\nc", "a\nb\nc\n"},           // newline at EOF only
		{"x\ny\n", "x\ny\nz\n"},            // append
		{"x\ny\n", "w\nx\ny\n"},            // prepend
		{"ab\n", "abc\n"},                  // common prefix inside a line
		{"abc\nd\n", "bc\nd\n"},            // common suffix inside a line
		{"a\n\n\nb\n", "a\n\nb\n"},         // blank lines ignored
		{"int a;\n", "int  a ;\n"},         // whitespace only: no change
		{"f();\ng();\n", "g();\nf();\n"},   // moved lines cancel
		{"p\nq\nr\ns\n", "p\nq2\nr\ns2\n"}, // two hunks
	} {
		got := blobDelta([]byte(tc.old), []byte(tc.new))
		want := naiveDelta([]byte(tc.old), []byte(tc.new))
		if !slices.Equal(got, want) {
			t.Errorf("blobDelta(%q, %q) = %v, want %v", tc.old, tc.new, got, want)
		}
	}
}

func FuzzBlobDelta(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nx\nc\n"))
	f.Add([]byte("one\ntwo"), []byte("one\ntwo\n"))
	f.Add([]byte("\n\n"), []byte(" \n"))
	f.Fuzz(func(t *testing.T, old, new []byte) {
		got := blobDelta(old, new)
		want := naiveDelta(old, new)
		if !slices.Equal(got, want) {
			t.Fatalf("blobDelta(%q, %q) = %v, want %v", old, new, got, want)
		}
	})
}
