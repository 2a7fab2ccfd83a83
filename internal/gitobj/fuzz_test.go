package gitobj

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

func FuzzPatchDelta(f *testing.F) {
	f.Add([]byte("hello world"), []byte{11, 5, 0x90, 5})
	f.Add([]byte(""), []byte{0, 3, 3, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, base, d []byte) {
		got, err := patchDelta(base, d)
		want, werr := packfile.PatchDelta(base, d)
		if werr == nil && err == nil && !bytes.Equal(got, want) {
			t.Fatalf("patchDelta = %q, go-git says %q", got, want)
		}
		if werr == nil && err != nil && !errors.Is(err, ErrTooBig) && len(want) > 0 {
			t.Fatalf("patchDelta failed (%v) where go-git gives %q", err, want)
		}
	})
}

func FuzzParseCommit(f *testing.F) {
	f.Add([]byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <b> 1 +0000\n\nsubject\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseCommit(raw)
		if err == nil && c.Tree.IsZero() {
			t.Fatal("no error and no tree")
		}
	})
}
