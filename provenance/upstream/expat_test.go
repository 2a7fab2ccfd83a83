package upstream

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/patchset"
)

// expatGitEnv names the environment variable giving a local clone of
// libexpat/libexpat; the test is skipped when it is unset, also under CI.
const expatGitEnv = "PATCHTRACE_EXPAT_GIT"

// TestExpatCited looks up the RHEL 8 expat patches (-p2 paths such as
// libexpat-R_2_2_5/expat/lib/xmlparse.c, most of them Red Hat squashes
// without upstream ids) in R_2_2_5..R_2_6_2. The two that cite upstream
// by URL must be attributed to the cited commit: 11f8838b (a one-line
// fix) and 6da1f196 (a merge, whose first-parent change the patch is).
func TestExpatCited(t *testing.T) {
	dir := os.Getenv(expatGitEnv)
	if dir == "" {
		t.Skipf("skipped: $%s is not set (a local clone of libexpat/libexpat)", expatGitEnv)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	corpus := filepath.Join(testenv.Corpus(t), "openela", "expat", "el8")
	names, _ := filepath.Glob(filepath.Join(corpus, "*.patch"))
	sort.Strings(names)
	patches := map[string]*patchset.Patch{}
	var paths []string
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		// The URLs citing upstream are hints: drop them so that content
		// alone decides.
		data = stripURLRe.ReplaceAll(data, nil)
		ps, err := patchset.ParseBytes(filepath.Base(n), data)
		if err != nil {
			t.Fatal(err)
		}
		p := mergePatches(ps)
		patches[filepath.Base(n)] = p
		for _, f := range p.Files {
			paths = append(paths, f.NewName, f.OldName)
		}
	}
	ix, err := r.Index(context.Background(), "R_2_2_5..R_2_6_2", paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index: %+v", ix.Stats())
	for _, n := range sortedKeys(patches) {
		got := ix.Find(QueryOf(patches[n], -1), FindOptions{})
		var desc []string
		for _, g := range got {
			desc = append(desc, g.Commit[:12]+" "+g.Verdict.String()+" pc="+ftoa(g.PatchCoverage)+" cc="+ftoa(g.CommitCoverage)+" "+g.Subject)
		}
		t.Logf("%s:", n)
		for _, d := range desc {
			t.Logf("    %s", d)
		}
	}
	want := map[string]string{
		"expat-2.2.5-CVE-2018-20843.patch": "11f8838bf99ea0a6f0b76f9760c43704d00c4ff6",
		"expat-2.2.5-CVE-2019-15903.patch": "6da1f19625592bfb928253620cac568d9a9b9c65",
	}
	for n, sha := range want {
		got := ix.Find(QueryOf(patches[n], -1), FindOptions{})
		if len(got) == 0 || got[0].Commit != sha {
			t.Errorf("%s: want %s first, got %+v", n, sha[:12], got)
		}
	}
}
