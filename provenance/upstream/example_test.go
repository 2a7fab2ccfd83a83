package upstream_test

import (
	"context"
	"fmt"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

// Build a two-commit upstream history in memory, then find which commit a
// downstream patch (written against another version, with other offsets
// and context) backports.
func Example() {
	fs := memfs.New()
	repo, _ := git.Init(memory.NewStorage(), fs)
	wt, _ := repo.Worktree()
	when := time.Date(2023, 4, 24, 10, 0, 0, 0, time.UTC)
	commit := func(content, msg string) {
		f, _ := fs.Create("lib/check.c")
		f.Write([]byte(content))
		f.Close()
		wt.Add("lib/check.c")
		when = when.Add(time.Hour)
		sig := &object.Signature{Name: "Dev", Email: "dev@example.org", When: when}
		wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	}
	commit("int check(const char *s)\n{\n  return s != 0;\n}\n", "check: add")
	commit("int check(const char *s)\n{\n  if (!s || !*s)\n    return 0;\n  return 1;\n}\n", "check: reject empty strings")

	patch := `diff --git a/lib/check.c b/lib/check.c
--- a/lib/check.c
+++ b/lib/check.c
@@ -10,3 +10,5 @@ int check(const char *s)
 {
-  return s != 0;
+  if (!s || !*s)
+    return 0;
+  return 1;
 }
`
	ps, err := patchset.ParseBytes("fix.patch", []byte(patch))
	if err != nil {
		fmt.Println(err)
		return
	}
	ix, err := upstream.FromRepository(repo).Index(context.Background(), "HEAD", []string{"a/lib/check.c"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range ix.Find(upstream.QueryOf(ps[0], -1), upstream.FindOptions{}) {
		fmt.Printf("%s %s %.2f\n", c.Subject, c.Verdict, c.PatchCoverage)
	}
	// Output:
	// check: reject empty strings rebased 1.00
}
