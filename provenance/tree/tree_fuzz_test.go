package tree

import (
	"archive/tar"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
)

// fuzzLimits keep a fuzzed tarball from costing more than a few MB.
var fuzzLimits = Limits{MaxFiles: 64, MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxKeep: 1 << 20}

// FuzzTarball feeds arbitrary bytes (tar, or compressed tar) to the
// tarball reader: it must return an error or a tree whose entries are
// sorted, unique, clean relative paths within the caps, readable with
// the sizes and ids listed; never a panic or a hang.
func FuzzTarball(f *testing.F) {
	f.Add(treetest.Tar(f, "pkg-1.0", treetest.Files{"a.c": {Data: "int a;\n"}, "sub/b.h": {Data: "x\n"}, "l": {Data: "a.c", Link: true}}))
	f.Add(treetest.Tar(f, "", treetest.Files{"x": {Data: "1\n2\n"}}))
	f.Add(treetest.Compress(f, "gz", treetest.Tar(f, "t", treetest.Files{"f": {Data: "gz\n"}})))
	f.Add(treetest.Compress(f, "xz", treetest.Tar(f, "t", treetest.Files{"f": {Data: "xz\n"}})))
	f.Add(treetest.Compress(f, "zst", treetest.Tar(f, "t", treetest.Files{"f": {Data: "zst\n"}})))
	f.Add(treetest.RawTar(f, []treetest.Member{
		{Hdr: tar.Header{Name: "../evil", Typeflag: tar.TypeReg}, Data: "x"},
		{Hdr: tar.Header{Name: "a/b", Typeflag: tar.TypeSymlink, Linkname: "/etc"}},
		{Hdr: tar.Header{Name: "a/b/c", Typeflag: tar.TypeReg}, Data: "y"},
		{Hdr: tar.Header{Name: "f", Typeflag: tar.TypeFifo}},
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := memTarball("fuzz.tar", data, fuzzLimits, nil)
		ctx := context.Background()
		es, err := tr.Entries(ctx)
		if err != nil {
			return
		}
		checkEntries(t, es)
		var paths []string
		want := map[string]Entry{}
		for _, e := range es {
			if !e.IsLink() {
				paths = append(paths, e.Path)
				want[e.Path] = e
			}
		}
		err = tr.Read(ctx, paths, func(p string, b []byte) error {
			e, ok := want[p]
			if !ok {
				t.Errorf("Read gave %q, not asked for", p)
			}
			if e.Size >= 0 && int64(len(b)) != e.Size {
				t.Errorf("%s: %d bytes, listed %d", p, len(b), e.Size)
			}
			if blobID(b) != e.ID {
				t.Errorf("%s: content does not match its listed id", p)
			}
			delete(want, p)
			return nil
		})
		if err == nil && len(want) > 0 {
			t.Errorf("Read skipped %d files", len(want))
		}
	})
}

// checkEntries checks what every reader promises of its entries.
func checkEntries(t *testing.T, es []Entry) {
	t.Helper()
	if len(es) > fuzzLimits.MaxFiles {
		t.Errorf("%d entries, cap %d", len(es), fuzzLimits.MaxFiles)
	}
	for i, e := range es {
		if !fs.ValidPath(e.Path) || e.Path == "." || strings.Contains(e.Path, "\x00") {
			t.Errorf("entry path %q is not a clean relative path", e.Path)
		}
		if i > 0 && es[i-1].Path >= e.Path {
			t.Errorf("entries not sorted and unique: %q then %q", es[i-1].Path, e.Path)
		}
		if e.Size > fuzzLimits.MaxFileSize {
			t.Errorf("%s: %d bytes, cap %d", e.Path, e.Size, fuzzLimits.MaxFileSize)
		}
		if !e.IsLink() && !e.Mode.IsRegular() {
			t.Errorf("%s: mode %v is neither a file nor a link", e.Path, e.Mode)
		}
	}
}

// FuzzDiff compares two one-file trees of arbitrary content (plus a shared
// file so that they are related) and checks the result against the net
// change property: for any diff that turns A into B, the added lines
// minus the removed lines are lines(B) minus lines(A) as multisets.
func FuzzDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n")
	f.Add("", "new\n")
	f.Add("x\r\ny\r\n", "x\ny\n")
	f.Add("same\n", "same\n")
	f.Add("no newline", "no newline\n")
	f.Add("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
	f.Add("\x00bin", "\x00bin2")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 1<<16 || len(b) > 1<<16 {
			return
		}
		base := FS("base", fstest.MapFS{"f.c": {Data: []byte(a)}, "keep.h": {Data: []byte("k\n")}}, fuzzLimits)
		target := FS("target", fstest.MapFS{"f.c": {Data: []byte(b)}, "keep.h": {Data: []byte("k\n")}}, fuzzLimits)
		r, err := Diff(context.Background(), base, target, DiffOptions{KeepCR: true, Workers: 1, Timeout: time.Second})
		if err != nil {
			if !errors.Is(err, ErrUnrelated) {
				t.Fatalf("Diff: %v", err)
			}
			return
		}
		if a == b && len(r.Files) != 0 {
			t.Fatalf("identical files gave %d changed files", len(r.Files))
		}
		net := map[string]int{}
		for _, l := range lines(b) {
			net[l]++
		}
		for _, l := range lines(a) {
			net[l]--
		}
		binary := false
		for _, f := range r.Files {
			binary = binary || f.IsBinary
			for _, h := range f.Hunks {
				for _, l := range h.Lines {
					key := l.Text
					if !l.NoNewline {
						key += "\n"
					}
					switch l.Op {
					case '+':
						net[key]--
					case '-':
						net[key]++
					}
				}
			}
		}
		if binary {
			return
		}
		for l, n := range net {
			if n != 0 {
				t.Fatalf("line %q: net change off by %d\nbase %q\ntarget %q", l, n, a, b)
			}
		}
	})
}

// lines splits s into lines, each with its "\n" (the last may lack it).
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}
