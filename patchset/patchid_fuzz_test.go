package patchset

import (
	"bufio"
	"bytes"
	"testing"
	"testing/iotest"
)

// longHeaderLine reports whether data has a line longer than n that
// starts with "@@ -" or "index ": such lines are interpreted from their
// first buffer-full only, so a small buffer may legitimately differ.
func longHeaderLine(data []byte, n int) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		l := sc.Bytes()
		if len(l) >= n-1 && (bytes.HasPrefix(l, []byte("@@ -")) || bytes.HasPrefix(l, []byte("index "))) {
			return true
		}
	}
	return false
}

func FuzzPatchID(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,-5 +1 @@\n-a\n+b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var commits [][]byte
		for _, mode := range allModes {
			// A buffer longer than the input, as the 1 MiB one would be
			// (smaller, so the fuzzer runs faster).
			size := min(len(data)+1, patchIDBufSize)
			want, err := scanAll(bytes.NewReader(data), mode, size)
			if err != nil {
				t.Fatal(err)
			}
			got, err := scanAll(iotest.OneByteReader(bytes.NewReader(data)), mode, size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: one-byte reads give\n%s\nwhole reads give\n%s", mode, got, want)
			}
			var piped []byte
			if err := PatchIDs(bytes.NewReader(data), mode, func(id, commit [20]byte) { piped = AppendPatchIDLine(piped, id, commit) }); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(piped, want) {
				t.Fatalf("%s: PatchIDs gives\n%s\nthe scanner gives\n%s", mode, piped, want)
			}
			if !longHeaderLine(data, 128) {
				small, err := scanAll(bytes.NewReader(data), mode, 128)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(small, want) {
					t.Fatalf("%s: a 128-byte buffer gives\n%s\na 1 MiB buffer gives\n%s", mode, small, want)
				}
			}
			// Every mode finds the same patches.
			var cs []byte
			for l := range bytes.Lines(want) {
				cs = append(cs, l[41:]...)
			}
			commits = append(commits, cs)
		}
		if !bytes.Equal(commits[0], commits[1]) || !bytes.Equal(commits[1], commits[2]) {
			t.Fatalf("modes disagree on the patches found:\n%s\n%s\n%s", commits[0], commits[1], commits[2])
		}
	})
}
