package tree

import (
	"context"
	"testing"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
)

type edits = treetest.Edit

func version(sizes map[string]int, es ...edits) treetest.Files { return treetest.Version(sizes, es...) }

// attribute diffs base and target and attributes the diff to one upstream
// origin of the candidates.
func attribute(t *testing.T, base, target treetest.Files, cands []Candidate) *Attribution {
	t.Helper()
	res, err := Diff(context.Background(), FS("base", base.MapFS(), Limits{}), FS("target", target.MapFS(), Limits{}), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Attribute(context.Background(), res, []Origin{{Name: "up", Upstream: true, Candidates: cands}}, AttributeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// changesOf is a candidate's net change: the diff from one version to the
// next, as the upstream index computes it from blobs.
func changesOf(t *testing.T, from, to treetest.Files) []patchset.FileChange {
	t.Helper()
	res, err := Diff(context.Background(), FS("from", from.MapFS(), Limits{}), FS("to", to.MapFS(), Limits{}), DiffOptions{AllowUnrelated: true})
	if err != nil {
		t.Fatal(err)
	}
	return patchset.ChangesFromPatch(res.Patch(), 1)
}

// TestAttributeCover: a tree with two full backports, a half-applied one,
// a later commit that rewrote an earlier backport's line, an equivalent
// re-landed commit, a commit not backported and an own edit.
func TestAttributeCover(t *testing.T) {
	sizes := map[string]int{"lib/f.c": 100, "lib/g.c": 50}
	c1 := edits{"lib/f.c": {10: "c1 ten\n", 11: "c1 eleven\n", 12: "c1 twelve\n", 20: "lib/f.c line 20\nc1 new one\nc1 new two\n"}}
	c2 := edits{"lib/g.c": {5: "c2 five\n"}}
	c3 := edits{"lib/g.c": {30: "lib/g.c line 30\nc3 a\nc3 b\nc3 c\nc3 d\nc3 e\n"}}
	c4 := edits{"lib/f.c": {50: "c4 50\n", 51: "c4 51\n", 52: "c4 52\n", 53: "c4 53\n"}, "lib/g.c": {40: "c4 40\n", 41: "c4 41\n", 42: "c4 42\n", 43: "c4 43\n"}}
	c5 := edits{"lib/f.c": {11: "c5 rewrote eleven\n"}}
	own := edits{"lib/f.c": {80: "vendor's own eighty\n"}}
	base := version(sizes)
	history := []struct {
		id string
		e  edits
	}{{"c1", c1}, {"c2", c2}, {"c3", c3}, {"c4", c4}, {"c5", c5}, {"c6", c3}}
	var cands []Candidate
	prev := base
	acc := []edits{}
	for i, h := range history {
		var next treetest.Files
		if h.id == "c6" {
			// c6 re-lands c3's change on the version before c3.
			cands = append(cands, Candidate{ID: "c6", Changes: changesOf(t, version(sizes, c1, c2), version(sizes, c1, c2, c3)), Order: i})
			continue
		}
		acc = append(acc, h.e)
		next = version(sizes, acc...)
		cands = append(cands, Candidate{ID: h.id, Subject: "commit " + h.id, Changes: changesOf(t, prev, next), Order: i})
		prev = next
	}
	halfC4 := edits{"lib/f.c": c4["lib/f.c"]}
	target := version(sizes, c1, c3, halfC4, c5, own)
	a := attribute(t, base, target, cands)
	got := map[string]Chosen{}
	for _, c := range a.Chosen["up"] {
		got[c.ID] = c
	}
	for id, want := range map[string]patchset.Verdict{"c1": patchset.Rebased, "c3": patchset.Equivalent, "c4": patchset.Partial, "c5": patchset.Rebased} {
		c, ok := got[id]
		if !ok {
			t.Errorf("%s not chosen; chosen: %+v", id, a.Chosen["up"])
			continue
		}
		if c.Verdict != want {
			t.Errorf("%s: verdict %v, want %v (%+v)", id, c.Verdict, want, c)
		}
	}
	if _, ok := got["c2"]; ok {
		t.Errorf("c2 (not backported) chosen")
	}
	if _, ok := got["c6"]; ok || len(got["c3"].Equivalents) != 1 || got["c3"].Equivalents[0] != "c6" {
		t.Errorf("c6 should be c3's equivalent: %+v", got["c3"])
	}
	if c := got["c4"]; c.Coverage < 0.45 || c.Coverage > 0.55 {
		t.Errorf("c4 coverage %.2f, want about 0.5", c.Coverage)
	}
	if c := got["c1"]; c.Excused != 1 || c.Coverage != 1 {
		t.Errorf("c1: excused %d coverage %.2f, want 1 and 1 (line 11 rewritten by c5)", c.Excused, c.Coverage)
	}
	// Own lines are exactly the vendor's edit (base line 80, target line
	// 82 after c1 added two lines), separated line by line.
	var owns []Change
	for _, c := range a.Changes {
		if c.Own() {
			owns = append(owns, c)
		}
	}
	if len(owns) != 1 || owns[0].File != "lib/f.c" || owns[0].Line != 82 || owns[0].Lines != 2 {
		t.Errorf("own changes: %+v", owns)
	}
	if a.Lines != a.Attributed+2 {
		t.Errorf("lines %d attributed %d, want all but the 2 own", a.Lines, a.Attributed)
	}
	// The rewritten line is c5's, its neighbours c1's.
	for _, c := range a.Changes {
		if c.File == "lib/f.c" && c.Line == 11 && c.Added == 1 && (len(c.Origins) != 1 || c.Origins[0].ID != "c5") {
			t.Errorf("line 11: %+v, want c5", c)
		}
	}
}

// TestAttributePrecision: overlaps that are no evidence explain nothing: a
// commit sharing only removed lines, one sharing only braces, a merge, and
// a commit whose lines the tree mostly lacks.
func TestAttributePrecision(t *testing.T) {
	sizes := map[string]int{"a.c": 40}
	base := version(sizes)
	removal := edits{"a.c": {5: "", 6: "", 7: "upstream replaced seven\n"}}
	braces := edits{"a.c": {20: "}\n}\n"}}
	big := edits{"a.c": {30: "x 30\n", 31: "x 31\n", 32: "x 32\n", 33: "x 33\n", 34: "x 34\n", 35: "x 35\n", 36: "vendor thirty-six\n"}}
	target := version(sizes, edits{"a.c": {5: "", 6: "", 7: "vendor's seven\n", 20: "}\n}\n", 36: "vendor thirty-six\n"}})
	cands := []Candidate{
		{ID: "removal", Changes: changesOf(t, base, version(sizes, removal))},
		{ID: "braces", Changes: changesOf(t, base, version(sizes, braces))},
		{ID: "big", Changes: changesOf(t, base, version(sizes, big))},
		{ID: "merge", Merge: true, Changes: changesOf(t, base, target)},
	}
	a := attribute(t, base, target, cands)
	if len(a.Chosen["up"]) != 0 || a.Attributed != 0 {
		t.Fatalf("chosen %+v, attributed %d; want nothing", a.Chosen["up"], a.Attributed)
	}
}
