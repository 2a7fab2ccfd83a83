package upstream

import (
	"context"
	"os"
	"path/filepath"
	"slices"
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
// by URL must be attributed to what they cite: 11f8838b (a one-line fix)
// and merge 6da1f196, through the two commits of its branch.
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
	// 6da1f196 merges pull request #318; the patch is that branch's
	// change, so its commits are the origins: the fix and its test.
	want := map[string][]string{
		"expat-2.2.5-CVE-2018-20843.patch": {"11f8838bf99ea0a6f0b76f9760c43704d00c4ff6"},
		"expat-2.2.5-CVE-2019-15903.patch": {"c20b758c332d9a13afbbb276d30db1d183a85d43", "438493691f1b8620a71d5aee658fe160103ff863"},
	}
	for n, shas := range want {
		got := ix.Find(QueryOf(patches[n], -1), FindOptions{})
		var ids []string
		for _, g := range got {
			ids = append(ids, g.Commit)
		}
		if !slices.Equal(ids, shas) {
			t.Errorf("%s: want %v, got %v", n, shas, ids)
		}
	}
}
