package patchset

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestLineHash(t *testing.T) {
	for _, s := range []string{"a", "int x = 1;", "\tif (a)\r", "  return  0 ;  "} {
		h, ok := LineHash(s)
		if !ok {
			t.Fatalf("%q: not counted", s)
		}
		f := fnv.New64a()
		f.Write([]byte(normalizedText(s)))
		if h != f.Sum64() {
			t.Errorf("%q: %x, want FNV-1a %x", s, h, f.Sum64())
		}
	}
	a, _ := LineHash("if (a == b) {")
	b, _ := LineHash("\tif(a==b){\r")
	if a != b {
		t.Error("whitespace changes the hash")
	}
	for _, s := range []string{"", "   ", "\t\r", "\v\f"} {
		if _, ok := LineHash(s); ok {
			t.Errorf("%q counted", s)
		}
	}
	// Stored fingerprints depend on this value never changing.
	if h, _ := LineHash("hello"); h != 0xa430d84680aabd0b {
		t.Errorf("LineHash(hello) = %#x", h)
	}
}

func TestStripBackupSuffix(t *testing.T) {
	for in, want := range map[string]string{
		"xmlparse.c.cve20843":  "xmlparse.c",
		"xmlparse.c":           "xmlparse.c",
		"tool_msgs.c.fix-warn": "tool_msgs.c",
		"Makefile.am.orig":     "Makefile.am",
		"Makefile.orig":        "Makefile",
		"configure~":           "configure",
		"config.h.in":          "config.h.in",
		"openssl.cnf.rhel":     "openssl.cnf",
		"curl.1.multilib":      "curl.1",
		"foo.tar.gz":           "foo.tar.gz",
		"jquery.min.js":        "jquery.min.js",
		"README":               "README",
		".gitignore":           ".gitignore",
		"x.c.":                 "x.c.",
		"a.c.b.c":              "a.c.b.c",
		"ssl.h.rej":            "ssl.h",
		"version.c.1.2":        "version.c.1.2",
	} {
		if got := StripBackupSuffix(in); got != want {
			t.Errorf("StripBackupSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizePathAndStrip(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		strip    int
		path     string
	}{
		{"a/lib/url.c", "b/lib/url.c", 1, "lib/url.c"},
		{"libexpat-R_2_2_5/expat/lib/xmlparse.c.cve20843", "libexpat-R_2_2_5/expat/lib/xmlparse.c", 1, "expat/lib/xmlparse.c"},
		{"curl-7.61.1.orig/lib/url.c", "curl-7.61.1/lib/url.c", 1, "lib/url.c"},
		{"lib/url.c.orig", "lib/url.c", 0, "lib/url.c"},
		{"/dev/null", "b/tests/data/test2080", 1, "tests/data/test2080"},
		{"a/old.c", "/dev/null", 1, "old.c"},
		{"Makefile", "Makefile", 0, "Makefile"},
		{"src/x.c", "src/x.c", 0, "src/x.c"},
		{"i/x.c", "w/x.c", 1, "x.c"},
		{"openssl-3.0.7/ssl/s3_lib.c\t2022-11-01 10:00:00", "openssl-3.0.7/ssl/s3_lib.c\t2022-11-02", 1, "ssl/s3_lib.c"},
	} {
		s := DetectStrip(tc.old, tc.new)
		if s != tc.strip {
			t.Errorf("DetectStrip(%q, %q) = %d, want %d", tc.old, tc.new, s, tc.strip)
		}
		name := tc.new
		if isDevNull(name) {
			name = tc.old
		}
		if got := NormalizePath(name, s); got != tc.path {
			t.Errorf("NormalizePath(%q, %d) = %q, want %q", name, s, got, tc.path)
		}
	}
	if got := NormalizePath("/dev/null", 1); got != "" {
		t.Errorf("/dev/null -> %q", got)
	}
	for _, s := range []int{0, 1} {
		if got := NormalizePath("./crypto/ec/ec_curve.c.remove-ec", s); got != "crypto/ec/ec_curve.c" {
			t.Errorf("./ -p%d -> %q", s, got)
		}
	}
	if got := NormalizePath("a//b/c.c", 1); got != "b/c.c" {
		t.Errorf("double slash -> %q", got)
	}
	if got := NormalizePath("x.c", 5); got != "x.c" {
		t.Errorf("over-strip -> %q", got)
	}
	if got := NormalizePath(`"a/sp ace.c"`, 1); got != "sp ace.c" {
		t.Errorf("quoted -> %q", got)
	}
}

func TestPathSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"expat/lib/xmlparse.c", "libexpat-R_2_2_5/expat/lib/xmlparse.c", 1},
		{"lib/hostcheck.c", "lib/vtls/hostcheck.c", 0.5},
		{"lib/url.c", "lib/url.c", 1},
		{"lib/url.c", "src/url.c", 0.5},
		{"lib/url.c", "lib/urlapi.c", 0},
		{"", "x", 0},
		{"a/b/c/d.c", "x/b/c/d.c", 0.75},
	} {
		if got := PathSimilarity(tc.a, tc.b); got != tc.want {
			t.Errorf("PathSimilarity(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := PathSimilarity(tc.b, tc.a); got != tc.want {
			t.Errorf("PathSimilarity(%q, %q) = %v, want %v (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestChangesFromPatchExpat(t *testing.T) {
	ps := loadCorpus(t, "openela/expat/el8/expat-2.2.5-CVE-2018-20843.patch")
	fcs := ChangesFromPatch(ps[0], -1)
	if len(fcs) != 1 {
		t.Fatalf("%d files", len(fcs))
	}
	fc := fcs[0]
	if fc.Path != "expat/lib/xmlparse.c" || fc.OldPath != "" {
		t.Errorf("path %q old %q", fc.Path, fc.OldPath)
	}
	// "-" (blank) is ignored, "+      break;" counts.
	if fc.Added != 1 || fc.Removed != 0 || len(fc.Lines) != 1 || fc.Lines[0].Text != "break;" {
		t.Errorf("lines %+v", fc.Lines)
	}
	h, _ := LineHash("break;")
	if fc.Count(h) != 1 || fc.Count(h+1) != 0 {
		t.Error("Count")
	}
	if len(fc.Hunks) != 1 || fc.Hunks[0].OldStart != 6057 || fc.Hunks[0].Weight() != 1 {
		t.Errorf("hunks %+v", fc.Hunks)
	}
	// With -p2 as the spec says, the path is the same.
	if got := ChangesFromPatch(ps[0], 2)[0].Path; got != "lib/xmlparse.c" {
		t.Errorf("-p2 path %q", got)
	}
}

func TestChangesFromPatchSpecial(t *testing.T) {
	text := `diff --git a/old/name.c b/new/name.c
similarity index 100%
rename from old/name.c
rename to new/name.c
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/img.png b/img.png
index 1111111..2222222 100644
Binary files a/img.png and b/img.png differ
diff --git a/empty b/empty
new file mode 100644
index 0000000..e69de29
diff --git a/gone.c b/gone.c
deleted file mode 100644
index 3333333..0000000
--- a/gone.c
+++ /dev/null
@@ -1,2 +0,0 @@
-int gone;
-
`
	fcs := ChangesFromPatch(mustParse(t, "special", text)[0], -1)
	if len(fcs) != 5 {
		t.Fatalf("%d files", len(fcs))
	}
	want := []struct {
		path, old, pseudo string
	}{
		{"new/name.c", "old/name.c", "\x00rename name.c"},
		{"run.sh", "", "\x00mode run.sh"},
		{"img.png", "", "\x00binary:2222222 img.png"},
		{"empty", "", "\x00empty empty"},
		{"gone.c", "", ""},
	}
	for k, w := range want {
		fc := fcs[k]
		if fc.Path != w.path || fc.OldPath != w.old {
			t.Errorf("%d: path %q old %q", k, fc.Path, fc.OldPath)
		}
		if w.pseudo != "" && (len(fc.Lines) != 1 || fc.Lines[0].Text != w.pseudo || fc.Weight() != 1) {
			t.Errorf("%d: lines %+v", k, fc.Lines)
		}
	}
	if g := fcs[4]; !g.IsDelete || g.Removed != 1 || g.Added != 0 {
		t.Errorf("deletion %+v", g)
	}
	if !fcs[2].IsBinary || !fcs[3].IsNew {
		t.Error("flags")
	}
	// A binary change from blobs meets the patch's pseudo-line when the
	// index line names the same new blob (abbreviated or not).
	oldBin, newBin := []byte("\x89PNG\x00a"), []byte("\x89PNG\x00b")
	bl := ChangeFromBlobs("img.png", oldBin, newBin)
	for _, n := range []int{7, 12, 40} {
		text := fmt.Sprintf("diff --git a/img.png b/img.png\nindex %s..%s 100644\nBinary files a/img.png and b/img.png differ\n", gitBlobID(oldBin)[:n], gitBlobID(newBin)[:n])
		pc := ChangesFromPatch(mustParse(t, "bin", text)[0], -1)
		if !bl.IsBinary || Overlap(bl.Lines, pc[0].Lines) != 1 {
			t.Errorf("abbrev %d: binary blobs %+v vs patch %+v", n, bl.Lines, pc[0].Lines)
		}
	}
	if other := ChangeFromBlobs("img.png", oldBin, []byte("\x89PNG\x00c")); Overlap(other.Lines, bl.Lines) != 0 {
		t.Error("different binary contents look alike")
	}
}

func TestGitBlobID(t *testing.T) {
	git := testenv.Git(t)
	for _, data := range [][]byte{nil, []byte("hello\n"), []byte("\x00\x01bin")} {
		cmd := exec.Command(git, "hash-object", "--stdin")
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(string(out)); gitBlobID(data) != want {
			t.Errorf("gitBlobID(%q) = %s, git says %s", data, gitBlobID(data), want)
		}
	}
}

func TestHunkSumsEqualFile(t *testing.T) {
	ps := loadCorpus(t, "openela/curl/el8/0051-curl-7.61.1-CVE-2023-28321.patch")
	for _, fc := range ChangesFromPatch(ps[0], -1) {
		var es []entry
		for _, h := range fc.Hunks {
			for _, l := range h.Lines {
				es = append(es, entry{l.Hash, l.Count, l.Text})
			}
		}
		sum, a, r := aggregate(es)
		if !slices.EqualFunc(sum, fc.Lines, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) || a != fc.Added || r != fc.Removed {
			t.Errorf("%s: hunks do not add up to the file", fc.Path)
		}
	}
}

func TestDigestGolden(t *testing.T) {
	p := mustParse(t, "g", "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n ctx\n-old line\n+new line\n")[0]
	d := Digest(ChangesFromPatch(p, -1))
	// Fixed forever for FingerprintVersion pt1: digests may be stored.
	const want = "pt1:82bd2f2c7a349f806bc4fb7ae710177a"
	if d != want {
		t.Fatalf("digest %q, want %q (a change needs a new FingerprintVersion)", d, want)
	}
	// Same content under another prefix, offset, context and whitespace.
	q := mustParse(t, "h", "--- curl-1/src/x.c.orig\n+++ curl-1/src/x.c\n@@ -90,1 +90,1 @@\n-old   line\n+new\tline\n")[0]
	if d2 := Digest(ChangesFromPatch(q, -1)); d2 != d {
		t.Errorf("digest %s != %s", d2, d)
	}
	bl := ChangeFromBlobs("x.c", []byte("a\nold line\nb\n"), []byte("a\nnew line\nb\n"))
	if d3 := Digest([]FileChange{bl}); d3 != d {
		t.Errorf("blob digest %s != %s", d3, d)
	}
	if d4 := Digest(changeSlice(ChangeFromBlobs("y.c", []byte("old line\n"), []byte("new line\n")))); d4 == d {
		t.Error("digest ignores the base name")
	}
	if got := Digest(nil); got != Digest([]FileChange{{Path: "x"}}) {
		t.Error("empty digests differ")
	}
}

// changeSlice is a test helper wrapping one FileChange.
func changeSlice(fc FileChange) []FileChange { return []FileChange{fc} }

// TestChangeFromBlobsMatchesGitDiff checks the central property of the
// fingerprint: for any diff of old into new, whatever the algorithm and
// context, the net multiset from the patch equals the one computed from the
// two blobs without a diff. git is the oracle; the texts are corpus spec
// files mutated deterministically.
func TestChangeFromBlobsMatchesGitDiff(t *testing.T) {
	git := testenv.Git(t)
	corpus := testenv.Corpus(t)
	specs := []string{"openela/curl/el8/curl.spec", "openela/openssl/el9/openssl.spec", "fedora/openssl/rawhide/openssl.spec", "openela/expat/el8/expat.spec"}
	dir := t.TempDir()
	rng := uint64(7)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	for _, spec := range specs {
		old, err := os.ReadFile(filepath.Join(corpus, spec))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(old), "\n")
		for round := 0; round < 3; round++ {
			mut := slices.Clone(lines)
			for k := 0; k < 25; k++ {
				i := next(len(mut))
				switch next(4) {
				case 0:
					mut = slices.Delete(mut, i, i+1)
				case 1:
					mut = slices.Insert(mut, i, fmt.Sprintf("inserted %d\n", k))
				case 2:
					mut = slices.Insert(mut, i, mut[next(len(mut))]) // duplicate a line
				default:
					mut[i] = "  " + strings.TrimSpace(mut[i]) + " changed\n"
				}
			}
			newData := []byte(strings.Join(mut, ""))
			oldPath, newPath := filepath.Join(dir, "old.spec"), filepath.Join(dir, "new.spec")
			if err := os.WriteFile(oldPath, old, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(newPath, newData, 0o644); err != nil {
				t.Fatal(err)
			}
			want := ChangeFromBlobs("curl.spec", old, newData)
			for _, args := range [][]string{{"--diff-algorithm=myers"}, {"--diff-algorithm=patience", "-U0"}, {"--diff-algorithm=histogram", "-U10"}, {"--minimal", "-U1"}} {
				cmd := exec.Command(git, append(append([]string{"diff", "--no-index", "--no-color", "--no-ext-diff"}, args...), oldPath, newPath)...)
				out, _ := cmd.Output() // exit status 1 means "differs"
				if len(out) == 0 {
					t.Fatalf("%s %v: no diff", spec, args)
				}
				ps, err := ParseBytes("git-diff", out)
				if err != nil || len(ps) != 1 {
					t.Fatalf("%s %v: parse: %v", spec, args, err)
				}
				got := ChangesFromPatch(ps[0], -1)
				if len(got) != 1 {
					t.Fatalf("%d files", len(got))
				}
				if !slices.EqualFunc(got[0].Lines, want.Lines, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
					t.Errorf("%s round %d %v: patch multiset (+%d -%d) != blob multiset (+%d -%d)", spec, round, args, got[0].Added, got[0].Removed, want.Added, want.Removed)
				}
				if c := CompareChanges(got, []FileChange{want}); c.Verdict != Rebased || c.Score != 1 {
					t.Errorf("%s %v: compare with blobs %s %.3f", spec, args, c.Verdict, c.Score)
				}
			}
		}
	}
}

func TestChangeFromBlobsEdges(t *testing.T) {
	if fc := ChangeFromBlobs("x", []byte("a\n"), []byte("a\n")); fc.Weight() != 0 || fc.Lines != nil {
		t.Errorf("no change: %+v", fc)
	}
	fc := ChangeFromBlobs("x", nil, []byte("a\r\nb\n\n  \nb"))
	if !fc.IsNew || fc.Added != 3 || fc.Removed != 0 || len(fc.Lines) != 2 {
		t.Errorf("new file: %+v", fc)
	}
	if fc := ChangeFromBlobs("x", []byte("a\nb\n"), nil); !fc.IsDelete || fc.Removed != 2 {
		t.Errorf("deleted: %+v", fc)
	}
	if fc := ChangeFromBlobs("x", nil, []byte{}); fc.Weight() != 1 || !strings.HasPrefix(fc.Lines[0].Text, "\x00empty") {
		t.Errorf("empty new file: %+v", fc)
	}
	// Lines of different whitespace cancel.
	if fc := ChangeFromBlobs("x", []byte("if (a)\n"), []byte("if(a)\n")); fc.Weight() != 0 {
		t.Errorf("whitespace-only: %+v", fc)
	}
	if !bytes.Equal([]byte(ChangeFromBlobs("a/x.c.orig", nil, []byte("q")).Path), []byte("a/x.c")) {
		t.Error("blob path not normalised")
	}
}

func TestTrimCommonLines(t *testing.T) {
	for _, tc := range []struct{ a, b, wa, wb string }{
		{"x\ny\nz\n", "x\nQ\nz\n", "y\n", "Q\n"},
		{"x\ny", "x\nyz", "y", "yz"},
		{"ab\n", "b\n", "ab\n", "b\n"},
		{"same\n", "same\n", "", ""},
		{"", "new\n", "", "new\n"},
		{"a\nb\n", "a\nb\nc\n", "", "c\n"},
		{"c\na\n", "a\n", "c\n", ""},
		{"xa\n", "ya\n", "xa\n", "ya\n"},
	} {
		ga, gb := trimCommonLines([]byte(tc.a), []byte(tc.b))
		if string(ga) != tc.wa || string(gb) != tc.wb {
			t.Errorf("trim(%q, %q) = %q, %q; want %q, %q", tc.a, tc.b, ga, gb, tc.wa, tc.wb)
		}
		// The net change is what it would be without trimming.
		full := ChangeFromBlobs("f", []byte(tc.a), []byte(tc.b))
		var es []entry
		eachLine([]byte(tc.b), func(l []byte) {
			if h, ok := LineHashBytes(l); ok {
				es = append(es, entry{h, 1, string(l)})
			}
		})
		eachLine([]byte(tc.a), func(l []byte) {
			if h, ok := LineHashBytes(l); ok {
				es = append(es, entry{h, -1, string(l)})
			}
		})
		want, _, _ := aggregate(es)
		if !slices.EqualFunc(full.Lines, want, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
			t.Errorf("%q -> %q: %+v, want %+v", tc.a, tc.b, full.Lines, want)
		}
	}
}

func TestLineCountTrivial(t *testing.T) {
	for text, want := range map[string]bool{"}": true, "});": true, "*/": true, "break;": false, "x": false, "\x00binary a.png": true, "\x00binary:1234567 a.png": false, "\x00rename x.c": true, "é": false} {
		if got := (LineCount{Text: text}).Trivial(); got != want {
			t.Errorf("Trivial(%q) = %v", text, got)
		}
	}
}
