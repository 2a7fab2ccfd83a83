package patchset

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// loadCorpus parses one corpus patch file.
func loadCorpus(t testing.TB, rel string) []*Patch {
	t.Helper()
	p := testenv.CorpusFile(t, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseBytes(rel, data)
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	if len(ps) == 0 {
		t.Fatalf("%s: no patch", rel)
	}
	return ps
}

func mustParse(t testing.TB, name, text string) []*Patch {
	t.Helper()
	ps, err := ParseBytes(name, []byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return ps
}

func logComparison(t *testing.T, what string, c Comparison) {
	t.Helper()
	t.Logf("%s: verdict=%s dir=%s score=%.3f inA=%.3f inB=%.3f files=%d hunks=%d", what, c.Verdict, c.Direction, c.Score, c.InA, c.InB, len(c.Files), len(c.Hunks))
}

func TestCompareCurlCVE202328321(t *testing.T) {
	el88 := loadCorpus(t, "openela/curl/el-8.8/0053-curl-7.61.1-CVE-2023-28321.patch")
	el8 := loadCorpus(t, "openela/curl/el8/0051-curl-7.61.1-CVE-2023-28321.patch")
	el9 := loadCorpus(t, "openela/curl/el9/0031-curl-7.76.1-CVE-2023-28321.patch")

	c := Compare(el88[0], el8[0])
	logComparison(t, "el-8.8/0053 vs el8/0051", c)
	if c.Verdict != Identical || c.Score != 1 {
		t.Errorf("el-8.8/0053 vs el8/0051: got %s %.3f, want identical 1", c.Verdict, c.Score)
	}

	c = Compare(el8[0], el9[0])
	logComparison(t, "el8/0051 vs el9/0031", c)
	if c.Verdict != Rebased {
		t.Errorf("el8/0051 vs el9/0031: got %s, want rebased", c.Verdict)
	}
	if c.Score < 0.95 || c.Score >= 1 {
		// One removed line differs (USE_AXTLS dropped in 7.76.1): near, not exact.
		t.Errorf("el8/0051 vs el9/0031: score %.4f, want in [0.95,1)", c.Score)
	}
	// Every file pairs with its counterpart: same 5 paths on both sides.
	for _, fm := range c.Files {
		if fm.A < 0 || fm.B < 0 {
			t.Errorf("unpaired file %+v", fm)
			continue
		}
		if fm.PathScore != 1 {
			t.Errorf("file %d paired with %d with path score %.2f", fm.A, fm.B, fm.PathScore)
		}
	}
	if len(c.Hunks) == 0 {
		t.Error("no hunk map")
	}
	if d1, d2 := Digest(ChangesFromPatch(el88[0], -1)), Digest(ChangesFromPatch(el8[0], -1)); d1 != d2 || !strings.HasPrefix(d1, "pt1:") {
		t.Errorf("digests %s %s", d1, d2)
	}
	if d1, d2 := Digest(ChangesFromPatch(el8[0], -1)), Digest(ChangesFromPatch(el9[0], -1)); d1 == d2 {
		t.Errorf("el8 and el9 differ by a line, but digests agree: %s", d1)
	}
}

func TestCompareCurlCVE201816842(t *testing.T) {
	// el-8.8's file is a 2-patch mbox: part 1 is upstream d530e92f (the
	// fix, one changed line), part 2 is upstream 350306e4 (test2080: a
	// Makefile.inc hunk and a binary test file). el7's file is the fix
	// alone, adapted to 7.29.0: in function warnf, and with an extra
	// whitespace-only change of "ptr += cut+1" that the normalisation
	// cancels out. So el7's net change is exactly part 1's: the right
	// answer for the whole files is Partial with el-8.8 containing el7, and
	// the fix hunk of el7 maps to part 1's hunk; part 1 alone is Rebased
	// (same net change, other context).
	el88 := loadCorpus(t, "openela/curl/el-8.8/0004-curl-7.61.1-CVE-2018-16842.patch")
	el7 := loadCorpus(t, "eurolinux/curl/el7/0067-curl-7.29.0-CVE-2018-16842.patch")
	if len(el88) != 2 || len(el7) != 1 {
		t.Fatalf("parsed %d and %d patches, want 2 and 1", len(el88), len(el7))
	}
	whole := ChangesFromPatches(el88, -1)
	fix := ChangesFromPatch(el7[0], -1)
	c := CompareChanges(whole, fix)
	logComparison(t, "el-8.8/0004 (mbox) vs el7/0067", c)
	if c.Verdict != Partial || c.Direction != AContainsB {
		t.Errorf("got %s %s, want partial a-contains-b", c.Verdict, c.Direction)
	}
	if c.InA != 1 {
		t.Errorf("el7's change found in el-8.8: %.3f, want 1", c.InA)
	}
	found := false
	for _, h := range c.Hunks {
		if whole[h.AFile].Path == "src/tool_msgs.c" && fix[h.BFile].Path == "src/tool_msgs.c" && h.Common == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("fix hunk not mapped: %+v", c.Hunks)
	}

	c = Compare(el88[0], el7[0])
	logComparison(t, "el-8.8/0004 part 1 vs el7/0067", c)
	if c.Verdict != Rebased {
		t.Errorf("part 1 vs el7: got %s, want rebased", c.Verdict)
	}
	c = Compare(el88[1], el7[0])
	logComparison(t, "el-8.8/0004 part 2 vs el7/0067", c)
	if c.Verdict != Unrelated {
		t.Errorf("part 2 (test) vs el7: got %s, want unrelated", c.Verdict)
	}
}

// expatUpstream is libexpat 11f8838bf99e's change to expat/lib/xmlparse.c
// written by hand from its description (one "break;" added in
// setElementTypePrefix, at upstream's offset 6071, git prefixes, git's
// default context).
const expatUpstream = `From 11f8838bf99ea0a6f0b76f9760c43704d00c4ff6 Mon Sep 17 00:00:00 2001
From: Sebastian Pipping <sebastian@pipping.org>
Subject: [PATCH] xmlparse.c: Fix extraction of namespace prefix from XML name (#186)

---
 expat/lib/xmlparse.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/expat/lib/xmlparse.c b/expat/lib/xmlparse.c
index 0000000..1111111 100644
--- a/expat/lib/xmlparse.c
+++ b/expat/lib/xmlparse.c
@@ -6071,7 +6071,7 @@ setElementTypePrefix(XML_Parser parser, ELEMENT_TYPE *elementType)
       else
         poolDiscard(&dtd->pool);
       elementType->prefix = prefix;
-
+      break;
     }
   }
   return 1;
`

func TestCompareExpatCVE201820843(t *testing.T) {
	rhel := loadCorpus(t, "openela/expat/el8/expat-2.2.5-CVE-2018-20843.patch")
	up := mustParse(t, "upstream", expatUpstream)
	if dir := os.Getenv("PATCHTRACE_EXPAT_GIT"); dir != "" {
		// The real upstream commit (it also changes Changes and a test).
		up = gitShow(t, dir, "11f8838bf99e")
	}
	rc := ChangesFromPatch(rhel[0], -1)
	uc := ChangesFromPatch(up[0], -1)
	if len(rc) != 1 || len(uc) != 1 {
		t.Fatalf("files: %d %d", len(rc), len(uc))
	}
	if ps := PathSimilarity(rc[0].Path, uc[0].Path); ps != 1 {
		t.Errorf("paths %q %q: similarity %.2f, want 1", rc[0].Path, uc[0].Path, ps)
	}
	c := Compare(rhel[0], up[0])
	logComparison(t, "RHEL expat CVE-2018-20843 vs upstream 11f8838b", c)
	// Same change, other offset (6057 vs 6071) and other paths: rebased.
	if c.Verdict != Rebased || c.Score != 1 {
		t.Errorf("got %s %.3f, want rebased 1", c.Verdict, c.Score)
	}
	if len(c.Hunks) != 1 || c.Hunks[0].Common != 1 {
		t.Errorf("hunk map %+v", c.Hunks)
	}
	if Digest(rc) != Digest(uc) {
		t.Errorf("content digests differ: %s %s", Digest(rc), Digest(uc))
	}
}

func TestCompareOpenSSLRenamed0074(t *testing.T) {
	a := loadCorpus(t, "fedora/openssl/rawhide/0074-FIPS-Use-digest_sign-digest_verify-in-self-test-eln.patch")
	b := loadCorpus(t, "openela/openssl/el9/0074-FIPS-Use-digest_sign-digest_verify-in-self-test.patch")
	c := CompareChanges(ChangesFromPatches(a, -1), ChangesFromPatches(b, -1))
	logComparison(t, "fedora 0074-eln vs openela 0074", c)
	if c.Verdict != Identical {
		t.Errorf("got %s, want identical", c.Verdict)
	}
	// Fedora's own non-eln 0074 is a different patch.
	other := loadCorpus(t, "fedora/openssl/rawhide/0074-FIPS-Use-digest_sign-digest_verify-in-self-test.patch")
	c = CompareChanges(ChangesFromPatches(other, -1), ChangesFromPatches(b, -1))
	logComparison(t, "fedora 0074 vs openela 0074", c)
	if c.Verdict == Identical {
		t.Errorf("fedora's non-eln 0074 compares identical")
	}
}

func TestCompareVerdictScale(t *testing.T) {
	base := `diff --git a/src/x.c b/src/x.c
--- a/src/x.c
+++ b/src/x.c
@@ -10,6 +10,7 @@ int f(void)
 	int a;
 	int b;
-	a = 1;
+	a = 2;
+	b = 3;
 	return a;
 }
 
`
	ws := strings.ReplaceAll(base, "a = 2;", "a  =  2 ;")
	paths := strings.ReplaceAll(ws, "a/src/x.c", "curl-1.0.orig/src/x.c")
	paths = strings.ReplaceAll(paths, "b/src/x.c", "curl-1.0/src/x.c.fix")
	paths = strings.Replace(paths, "diff --git curl-1.0.orig/src/x.c curl-1.0/src/x.c.fix\n", "", 1)
	offset := strings.Replace(base, "@@ -10,6 +10,7 @@", "@@ -40,6 +42,7 @@", 1)
	context := strings.Replace(base, " \tint a;\n", "", 1)
	context = strings.Replace(context, "-10,6 +10,7", "-10,5 +10,6", 1)
	partial := strings.Replace(base, "+\tb = 3;\n", "", 1)
	partial = strings.Replace(partial, "+10,7", "+10,6", 1)
	adapted := strings.Replace(base, "+\tb = 3;\n", "+\tb = 4;\n", 1)
	unrelated := `--- x.c
+++ x.c
@@ -1,1 +1,1 @@
-hello
+world
`
	cases := []struct {
		name string
		b    string
		want Verdict
		dir  Direction
	}{
		{"identical", base, Identical, Neither},
		{"whitespace", ws, Equivalent, Neither},
		{"paths and whitespace", paths, Equivalent, Neither},
		{"offset", offset, Rebased, Neither},
		{"context", context, Rebased, Neither},
		{"partial", partial, Partial, AContainsB},
		{"adapted", adapted, Rebased, Neither},
		{"unrelated", unrelated, Unrelated, Neither},
	}
	pa := mustParse(t, "base", base)[0]
	for _, tc := range cases {
		pb := mustParse(t, tc.name, tc.b)[0]
		c := Compare(pa, pb)
		if c.Verdict != tc.want || c.Direction != tc.dir {
			t.Errorf("%s: got %s %s (score %.3f), want %s %s", tc.name, c.Verdict, c.Direction, c.Score, tc.want, tc.dir)
		}
		if c.Score < 0 || c.Score > 1 {
			t.Errorf("%s: score %v out of range", tc.name, c.Score)
		}
		// Symmetry of the verdict, mirrored direction.
		r := Compare(pb, pa)
		wantDir := map[Direction]Direction{Neither: Neither, AContainsB: BContainsA, BContainsA: AContainsB}[tc.dir]
		if r.Verdict != tc.want || r.Direction != wantDir {
			t.Errorf("%s reversed: got %s %s, want %s %s", tc.name, r.Verdict, r.Direction, tc.want, wantDir)
		}
	}
}

func TestCompareAdaptedLine(t *testing.T) {
	// The same fix in a function renamed downstream (warnf vs infof): the
	// adapted line counts by its character similarity.
	a := mustParse(t, "a", "--- a/m.c\n+++ b/m.c\n@@ -1,2 +1,2 @@\n-  warnf(config, \"bad %d\\n\", n);\n+  warnf(config, \"bad %zu\\n\", n);\n-  len -= cut;\n+  len -= cut + 1;\n")[0]
	b := mustParse(t, "b", "--- a/m.c\n+++ b/m.c\n@@ -9,2 +9,2 @@\n-  infof(config, \"bad %d\\n\", n);\n+  infof(config, \"bad %zu\\n\", n);\n-  len -= cut;\n+  len -= cut + 1;\n")[0]
	c := Compare(a, b)
	if c.Verdict != Rebased || c.Score <= 0.5+0.25 || c.Score >= 1 {
		t.Errorf("got %s %.3f, want rebased with a score in (0.75,1)", c.Verdict, c.Score)
	}
}

func TestCompareEmptyAndNil(t *testing.T) {
	if c := Compare(nil, nil); c.Verdict != Unrelated || c.Score != 0 {
		t.Errorf("nil vs nil: %+v", c)
	}
	p := mustParse(t, "p", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")[0]
	if c := Compare(p, nil); c.Verdict != Unrelated {
		t.Errorf("p vs nil: %+v", c)
	}
	if c := CompareChanges(nil, ChangesFromPatch(p, -1)); c.Verdict != Unrelated || len(c.Files) != 1 || c.Files[0].A != -1 {
		t.Errorf("nil changes vs p: %+v", c)
	}
}

// gitShow returns the commit rev of the git directory dir as a parsed
// format-patch (used only when PATCHTRACE_EXPAT_GIT names a libexpat clone).
func gitShow(t *testing.T, dir, rev string) []*Patch {
	t.Helper()
	git := testenv.Git(t)
	out, err := exec.Command(git, "--git-dir="+dir, "format-patch", "-1", "--stdout", rev).Output()
	if err != nil {
		t.Fatalf("git format-patch %s: %v", rev, err)
	}
	return mustParse(t, rev, string(out))
}

// TestCompareManyFiles guards the near-linear file pairing: patches with
// tens of thousands of files (same base names, shared trivial lines) must
// compare without a quadratic blow-up.
func TestCompareManyFiles(t *testing.T) {
	var sa, sb strings.Builder
	const n = 20000
	for k := 0; k < n; k++ {
		fmt.Fprintf(&sa, "--- a/d%d/Makefile\n+++ b/d%d/Makefile\n@@ -1 +1 @@\n-}\n+value %d\n", k, k, k)
		fmt.Fprintf(&sb, "--- a/e%d/Makefile\n+++ b/e%d/Makefile\n@@ -5 +5 @@\n-}\n+value %d\n", k, k, (k+1)%n)
	}
	a := ChangesFromPatch(mustParse(t, "a", sa.String())[0], -1)
	b := ChangesFromPatch(mustParse(t, "b", sb.String())[0], -1)
	if len(a) != n || len(b) != n {
		t.Fatalf("%d %d files", len(a), len(b))
	}
	c := CompareChanges(a, b)
	// The "+value k" lines pair every file with one of the other side; the
	// shared "-}" lines match too (moved between files).
	if c.Verdict != Rebased || c.Score != 1 {
		t.Errorf("got %s %.3f", c.Verdict, c.Score)
	}
}

// TestCompareConsistentWithPatchID ties the verdict scale to git's patch-id
// (package patchid code, checked against git elsewhere): over every patch
// (mbox part) of two curl and two openssl branches, an Identical verdict
// implies the same --verbatim patch-id, and the same --stable patch-id
// (equal diffs modulo whitespace) implies at least Rebased.
func TestCompareConsistentWithPatchID(t *testing.T) {
	var all []*Patch
	for _, d := range []string{"openela/curl/el-9.2", "openela/curl/el9", "openela/openssl/el9", "fedora/openssl/rawhide"} {
		names, err := filepath.Glob(filepath.Join(testenv.Corpus(t), d, "*.patch"))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := ParseBytes(n, data)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ps...)
		}
	}
	stable := map[[20]byte][]int{}
	verbatim := make([][20]byte, len(all))
	for i, p := range all {
		if id, ok := p.PatchID(PatchIDStable); ok {
			stable[id] = append(stable[id], i)
		}
		verbatim[i], _ = p.PatchID(PatchIDVerbatim)
	}
	checked := 0
	for _, group := range stable {
		for x := 0; x < len(group); x++ {
			for y := x + 1; y < len(group); y++ {
				i, j := group[x], group[y]
				c := Compare(all[i], all[j])
				checked++
				if c.Verdict < Rebased {
					t.Errorf("same stable patch-id, verdict %s: %s#%d / %s#%d", c.Verdict, all[i].Name, all[i].Line, all[j].Name, all[j].Line)
				}
				if c.Verdict == Identical && verbatim[i] != verbatim[j] {
					t.Errorf("identical but verbatim patch-ids differ: %s / %s", all[i].Name, all[j].Name)
				}
			}
		}
	}
	t.Logf("%d patches, %d pairs with equal stable patch-ids checked", len(all), checked)
	if checked < 50 {
		t.Errorf("only %d pairs checked", checked)
	}
}
