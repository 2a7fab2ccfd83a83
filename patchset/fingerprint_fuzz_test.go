package patchset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// fuzzSeeds adds a few real patches (when the corpus is present) and small
// hand-written ones.
func fuzzSeeds(f *testing.F, add func(data []byte)) {
	for _, s := range []string{
		"--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n",
		"diff --git a/a b/b\nsimilarity index 100%\nrename from a\nrename to b\n",
		"diff --git a/i.png b/i.png\nindex 1..2 100644\nBinary files a/i.png and b/i.png differ\n",
		"--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n",
	} {
		add([]byte(s))
	}
	if root := testenv.CorpusPath(); root != "" {
		for _, rel := range []string{
			"openela/expat/el8/expat-2.2.5-CVE-2018-20843.patch",
			"openela/curl/el-8.8/0004-curl-7.61.1-CVE-2018-16842.patch",
			"eurolinux/curl/el7/0067-curl-7.29.0-CVE-2018-16842.patch",
		} {
			if data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel))); err == nil {
				add(data)
			}
		}
	}
}

// checkFileChange verifies the invariants of a fingerprint.
func checkFileChange(t *testing.T, fc FileChange) {
	t.Helper()
	a, r := 0, 0
	for k, l := range fc.Lines {
		if l.Count == 0 {
			t.Fatalf("zero count in %+v", fc.Lines)
		}
		if k > 0 && fc.Lines[k-1].Hash >= l.Hash {
			t.Fatalf("lines not sorted/unique")
		}
		if l.Count > 0 {
			a += l.Count
		} else {
			r -= l.Count
		}
	}
	if a != fc.Added || r != fc.Removed {
		t.Fatalf("added/removed %d/%d, lines say %d/%d", fc.Added, fc.Removed, a, r)
	}
	for _, h := range fc.Hunks {
		if Weight(h.Lines) != h.Weight() {
			t.Fatalf("hunk weight")
		}
	}
}

func FuzzChangesFromPatch(f *testing.F) {
	fuzzSeeds(f, func(d []byte) { f.Add(d, int8(-1)) })
	f.Fuzz(func(t *testing.T, data []byte, strip int8) {
		ps := parseForFuzz(t, "fuzz", data)
		for _, p := range ps {
			fcs := ChangesFromPatch(p, int(strip))
			for _, fc := range fcs {
				checkFileChange(t, fc)
			}
			d := Digest(fcs)
			if len(d) != len(FingerprintVersion)+33 {
				t.Fatalf("digest %q", d)
			}
			Merge(fcs)
		}
	})
}

func FuzzChangeFromBlobs(f *testing.F) {
	f.Add([]byte("a\nb\n"), []byte("b\nc\n"))
	f.Add([]byte(""), []byte("\x00bin"))
	f.Add([]byte("x\r\n  y \n"), []byte("y\nx"))
	f.Fuzz(func(t *testing.T, old, new []byte) {
		fw := ChangeFromBlobs("p/f.c", old, new)
		bw := ChangeFromBlobs("p/f.c", new, old)
		checkFileChange(t, fw)
		checkFileChange(t, bw)
		if fw.IsBinary {
			return
		}
		// Same as counting every line of both blobs (no trimming).
		var es []entry
		eachLine(new, func(l []byte) {
			if h, ok := LineHashBytes(l); ok {
				es = append(es, entry{h, 1, ""})
			}
		})
		eachLine(old, func(l []byte) {
			if h, ok := LineHashBytes(l); ok {
				es = append(es, entry{h, -1, ""})
			}
		})
		naive, _, _ := aggregate(es)
		if len(naive) == 0 && fw.Weight() == 1 && fw.Lines[0].Text[0] == 0 {
			naive = fw.Lines // empty new or deleted file: pseudo-line
		}
		if !slices.EqualFunc(fw.Lines, naive, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
			t.Fatalf("trimmed multiset differs from the naive one")
		}
		// Reversing the blobs negates the multiset.
		neg := slices.Clone(bw.Lines)
		for k := range neg {
			neg[k].Count = -neg[k].Count
		}
		if !slices.EqualFunc(fw.Lines, neg, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
			t.Fatalf("reverse is not the negation")
		}
	})
}

func FuzzPaths(f *testing.F) {
	f.Add("libexpat-R_2_2_5/expat/lib/xmlparse.c.cve20843", "a/expat/lib/xmlparse.c")
	f.Add("/dev/null", "b/x")
	f.Add(`"a/q\"x.c"`, "..//./x~")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := DetectStrip(a, b)
		if s < 0 || s > 1 {
			t.Fatalf("strip %d", s)
		}
		na, nb := NormalizePath(a, s), NormalizePath(b, 3)
		ps := PathSimilarity(na, nb)
		if ps < 0 || ps > 1 || ps != PathSimilarity(nb, na) {
			t.Fatalf("similarity %v", ps)
		}
		StripBackupSuffix(a)
	})
}

// parseForFuzz is ParseBytes for the fingerprint and compare targets: a
// parser panic is a bug wherever a fuzzer finds it, so it is not hidden here.
func parseForFuzz(t *testing.T, name string, data []byte) []*Patch {
	t.Helper()
	ps, _ := ParseBytes(name, data)
	return ps
}
