package provenance

import (
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/patchset"
)

func TestInterdiff(t *testing.T) {
	lc := func(h uint64, n int, text string) patchset.LineCount {
		return patchset.LineCount{Hash: h, Count: n, Text: text}
	}
	target := []patchset.FileChange{{Path: "src/a.c", Lines: []patchset.LineCount{lc(1, 1, "same();"), lc(2, 2, "twice();"), lc(3, 1, "flipped();")}}}
	origin := []patchset.FileChange{
		{Path: "a.c", Lines: []patchset.LineCount{lc(1, 1, "same();"), lc(2, 1, "twice();"), lc(3, -1, "flipped();"), lc(4, -1, "gone();")}},
		{Path: "b.c", Lines: []patchset.LineCount{lc(5, 1, "x"), lc(6, -2, "y")}},
	}
	got := strings.Join(interdiff(target, origin), "\n")
	want := strings.Join([]string{
		"interdiff src/a.c: only in the target: +twice();",
		"interdiff src/a.c: only in the target: +flipped();",
		"interdiff src/a.c: only in the origin (a.c): -flipped();",
		"interdiff src/a.c: only in the origin (a.c): -gone();",
		"interdiff b.c: only in the origin: 3 changed lines in a file the target does not touch",
	}, "\n")
	if got != want {
		t.Errorf("interdiff:\n%s\nwant:\n%s", got, want)
	}
	if got := interdiff(target, target); len(got) != 1 || !strings.HasPrefix(got[0], "interdiff: none") {
		t.Errorf("interdiff of a patch with itself: %q", got)
	}
}
