package upstream

import (
	"context"
	"testing"

	"github.com/patchtrace/patchtrace/patchset"
)

func TestLookup(t *testing.T) {
	h := buildHistory(t)
	ix := indexHistory(t, h, allPaths...)
	// The change of c4 to foo.c, as a tree differ would give it.
	p := parseOne(t, "tree", diffFile("a/lib/foo.c", "b/lib/foo.c",
		hunk(50, 50, " int foo_49 = 49 * 3;", "-int foo_50 = 50 * 3;", "+int foo_50 = safe(50);", " int foo_51 = 51 * 3;")))
	refs := ix.Candidates(patchset.ChangesFromPatch(p, -1))
	if len(refs) != 1 || refs[0].Commit != h.c4.String() || refs[0].Shared != 2 || refs[0].Evidential != 1 || refs[0].Weighted <= 0 {
		t.Fatalf("Candidates = %+v, want c4 sharing 2 lines (1 evidential)", refs)
	}
	info, ok := ix.CommitInfo(h.c4.String()[:10])
	if !ok || info.Subject != "bar: rework with safe()" || info.Merge || len(info.Parents) != 1 || info.Parents[0] != h.c3.String() {
		t.Errorf("CommitInfo = %+v, %v", info, ok)
	}
	if m, ok := ix.CommitInfo(h.m9.String()); !ok || !m.Merge || len(m.Parents) != 2 {
		t.Errorf("merge CommitInfo = %+v, %v", m, ok)
	}
	if _, ok := ix.CommitInfo("ffffffffff"); ok {
		t.Error("CommitInfo of an unknown commit")
	}
	fcs, err := ix.CommitChanges(h.c4.String())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, fc := range fcs {
		got[fc.Path] = fc.Weight()
		for _, l := range fc.Lines {
			if l.Text == "" {
				t.Errorf("%s: line %x without text", fc.Path, l.Hash)
			}
		}
	}
	if len(got) != 2 || got["lib/bar.c"] != 4 || got["lib/foo.c"] != 2 {
		t.Errorf("CommitChanges(c4) = %v (docs/NOTES is not indexed)", got)
	}
	moved, err := ix.CommitChanges(h.c3.String())
	if err != nil || len(moved) != 1 || moved[0].Path != "lib/vtls/hostcheck.c" {
		t.Errorf("CommitChanges(c3) = %+v, %v", moved, err)
	}
	brace := patchset.LineCount{Hash: 1, Count: 1}
	if w := ix.Weight(brace); w <= 0 {
		t.Errorf("Weight of an unseen line = %v", w)
	}
}

// TestWhitespaceVTFF: the index normalises lines as patchset does (SP,
// TAB, CR, LF, VT and FF removed), so a commit whose lines differ from the
// patch's only by VT/FF is found as the same change.
func TestWhitespaceVTFF(t *testing.T) {
	m := newMemRepo(t)
	body := lines("ws", 1, 20)
	c0 := m.commit("initial", map[string]string{"src/ws.c": text(body)})
	m.tag("base", c0)
	changed := replace(body, "int ws_10 = 10 * 2;", "int\vws_10 = limit(10);\f")
	c1 := m.commit("ws: limit", map[string]string{"src/ws.c": text(changed)}, c0)
	m.branch("master", c1)
	ix, err := FromRepository(m.repo).Index(context.Background(), "base..master", []string{"a/src/ws.c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parseOne(t, "ws", diffFile("a/src/ws.c", "b/src/ws.c",
		hunk(10, 10, " int ws_9 = 9 * 2;", "-int ws_10 = 10 * 2;", "+int ws_10 = limit(10);", " int ws_11 = 11 * 2;")))
	got := ix.Find(QueryOf(p, -1), FindOptions{})
	if len(got) == 0 || got[0].Commit != c1.String() || got[0].PatchCoverage != 1 || got[0].CommitCoverage != 1 {
		t.Fatalf("Find = %+v, want c1 at full coverage", got)
	}
}

// TestResolveHexTag: a tag whose name looks like an abbreviated id (dracut
// tags its releases "049", "057") names the tag, as for git, not the
// commit that id would abbreviate.
func TestResolveHexTag(t *testing.T) {
	h := buildHistory(t)
	name := h.c5.String()[:4] // an id prefix of c5, as a tag on c2
	h.m.tag(name, h.c2)
	got, err := FromRepository(h.m.repo).resolve(name)
	if err != nil || got != h.c2 {
		t.Errorf("resolve(%q) = %s, %v; want the tagged commit %s", name, got, err, h.c2)
	}
}
