package upstream

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/store"
)

// openTestStore opens a fresh embedded store.
func openTestStore(t *testing.T) store.Index {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := db.Index(ctx, FingerprintName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// persistHistory is a small history with a rename, a binary file, a merge
// and a stable branch carrying a cherry-pick.
func persistHistory(t *testing.T) (*memRepo, map[string]plumbing.Hash) {
	m := newMemRepo(t)
	c := map[string]plumbing.Hash{}
	a := lines("a", 1, 30)
	b := lines("b", 1, 40)
	c["c1"] = m.commit("import", map[string]string{"a.c": text(a), "lib/b.c": text(b), "README": "hello\n"})
	m.tag("v1", c["c1"])
	a2 := replace(a, a[10], "int fixed_a = 1;")
	c["c2"] = m.commit("a: fix", m.edit(c["c1"], func(f map[string]string) { f["a.c"] = text(a2) }), c["c1"])
	b3 := replace(b, b[5], "int moved_b = 2;")
	c["c3"] = m.commit("move b", m.edit(c["c2"], func(f map[string]string) {
		delete(f, "lib/b.c")
		f["src/b.c"] = text(b3)
	}), c["c2"])
	c["c4"] = m.commit("logo", m.edit(c["c3"], func(f map[string]string) { f["logo.png"] = "\x89PNG\x00\x01" }), c["c3"])
	// A side branch merged back: the merge carries its net change.
	side := m.commit("side: readme", m.edit(c["c2"], func(f map[string]string) { f["README"] = "hello\nworld\n" }), c["c2"])
	c["side"] = side
	c["merge"] = m.commit("merge side", m.edit(c["c4"], func(f map[string]string) { f["README"] = "hello\nworld\n" }), c["c4"], side)
	m.branch("master", c["merge"])
	m.tag("v2", c["merge"])
	// A stable branch from c1 with a cherry-pick of c2.
	c["pick"] = m.commit("a: fix (cherry picked)", m.edit(c["c1"], func(f map[string]string) { f["a.c"] = text(a2) }), c["c1"])
	m.branch("stable", c["pick"])
	return m, c
}

func TestUpdateStoresChanges(t *testing.T) {
	ctx := context.Background()
	m, c := persistHistory(t)
	r := FromRepository(m.repo)
	ix := openTestStore(t)

	st, err := r.Update(ctx, ix, []string{"v1..v2"}, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Range != 5 || st.Indexed != 5 || st.Reused != 0 || st.Read != 6 {
		t.Errorf("first update: %+v, want 5 commits in range, 5 indexed, 6 read (the base too)", st)
	}
	got := map[string]store.Change{}
	var paths []string
	err = ix.Changes(ctx, []string{"a.c", "lib/b.c", "src/b.c", "logo.png", "README"}, func(ch *store.Change) error {
		key := plumbing.Hash(ch.Commit).String() + " " + ch.Path
		x := *ch
		x.Lines = slices.Clone(ch.Lines)
		got[key] = x
		paths = append(paths, key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("stored changes: %v, want 5 (c2 a.c, c3 src/b.c, c4 logo.png, side README, merge README)", paths)
	}
	// The net change equals the blob delta, and the rename is one change.
	ch, ok := got[c["c3"].String()+" src/b.c"]
	if !ok || ch.OldPath != "lib/b.c" || ch.Old.IsZero() || ch.New.IsZero() || len(ch.Lines) != 2 {
		t.Errorf("rename lib/b.c -> src/b.c stored as %+v", ch)
	}
	for _, l := range ch.Lines {
		if (l.Count > 0) != (l.Hash == mustHash(t, "int moved_b = 2;")) {
			t.Errorf("rename's lines: %+v", ch.Lines)
		}
	}
	if ch := got[c["c4"].String()+" logo.png"]; !ch.Opaque || len(ch.Lines) != 0 {
		t.Errorf("binary file stored as %+v, want opaque", ch)
	}
	if _, ok := got[c["merge"].String()+" README"]; !ok {
		t.Error("the merge's first-parent change is not stored")
	}

	// Warm: nothing read, nothing indexed.
	st, err = r.Update(ctx, ix, []string{"v1..v2"}, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 0 || st.Indexed != 0 || st.Reused != 5 {
		t.Errorf("second update: %+v, want everything reused", st)
	}
	// All branches and tags since v1: only the stable pick is new.
	st, err = r.Update(ctx, ix, []string{"v1..*"}, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 1 || st.Indexed != 1 || st.Reused != 5 || st.Range != 6 {
		t.Errorf("v1..*: %+v, want the stable pick read and indexed, 5 reused", st)
	}
	// One revision: its whole history (c1 was only in the graph so far).
	st, err = r.Update(ctx, ix, []string{"stable"}, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Range != 2 || st.Indexed != 1 || st.Read != 0 {
		t.Errorf("stable: %+v, want c1 indexed from the stored graph", st)
	}
}

func TestRevSet(t *testing.T) {
	m, c := persistHistory(t)
	r := FromRepository(m.repo)
	s, err := r.RevSet("*")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Tips, c["merge"]) || !slices.Contains(s.Tips, c["pick"]) || !slices.Contains(s.Tips, c["c1"]) || len(s.Tips) != 3 {
		t.Errorf("* tips = %v", s.Tips)
	}
	if s, err := r.RevSet("v1..v2"); err != nil || !slices.Equal(s.Stops, []plumbing.Hash{c["c1"]}) || !slices.Equal(s.Tips, []plumbing.Hash{c["merge"]}) {
		t.Errorf("v1..v2 = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "v1...v2", "nosuch", "v1..nosuch", "..v2"} {
		if _, err := r.RevSet(bad); err == nil || !strings.Contains(err.Error(), "bad revision range") {
			t.Errorf("RevSet(%q) err = %v", bad, err)
		}
	}
}

func mustHash(t *testing.T, line string) uint64 {
	h, ok := patchset.LineHash(line)
	if !ok {
		t.Fatalf("blank line %q", line)
	}
	return h
}

// TestIndexStoredMatchesIndex checks that the index loaded from the store
// answers as the index built from git does.
func TestIndexStoredMatchesIndex(t *testing.T) {
	ctx := context.Background()
	h := buildHistory(t)
	mem := indexHistory(t, h, allPaths...)
	r := FromRepository(h.m.repo)
	st := openTestStore(t)
	stored, ust, err := r.IndexStored(ctx, st, []string{"v1..v2"}, allPaths, UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ust.Indexed != 9 {
		t.Errorf("update: %+v", ust)
	}
	if !slices.Equal(mem.Paths(), stored.Paths()) {
		t.Errorf("paths: %v, stored %v", mem.Paths(), stored.Paths())
	}
	ms, ss := mem.Stats(), stored.Stats()
	if ms.Commits != ss.Commits || ms.Merges != ss.Merges || ms.Touching != ss.Touching || ms.TrackedPaths != ss.TrackedPaths {
		t.Errorf("stats: %+v, stored %+v", ms, ss)
	}
	patches := []string{
		mail("foo: fix overflow", "", rebasedFooFix("a/", "b/")),
		mail("hostcheck: fix", "", diffFile("a/lib/hostcheck.c", "b/lib/hostcheck.c",
			hunk(8, 8, " int host_8 = 8 * 4;", " int host_9 = 9 * 4;", "-int host_10 = 10 * 4;", "-int host_11 = 11 * 4;",
				"+if (wildcard && !strict) return NO_MATCH;", "+int host_11 = 11 * 4; /* checked */", " int host_12 = 12 * 4;"))),
		mail("tidy", "", diffFile("a/lib/foo.c", "b/lib/foo.c",
			hunk(39, 39, " int foo_39 = 39 * 3;", "-int foo_40 = 40 * 3;", "+int foo_40 = tidy(40);", "+tidy_done();", " int foo_41 = 41 * 3;"))),
		mail("limits", "",
			diffFile("a/lib/foo.c", "b/lib/foo.c", hunk(4, 4, " int foo_4 = 4 * 3;", " int foo_5 = 5 * 3;", "+#define FOO_LIMIT 4096", " int foo_6 = 6 * 3;")),
			diffFile("a/lib/bar.c", "b/lib/bar.c", hunk(14, 14, " int bar_14 = 14 * 3;", "-int bar_15 = 15 * 3;", "+int bar_15 = FOO_LIMIT / 2;",
				" int bar_16 = 16 * 3;", "+assert(bar_15 > 0);", " int bar_17 = 17 * 3;"))),
	}
	for i, s := range patches {
		p := parseOne(t, "p", s)
		want, got := mem.Find(QueryOf(p, -1), FindOptions{}), stored.Find(QueryOf(p, -1), FindOptions{})
		if len(want) == 0 {
			t.Fatalf("patch %d: no match in the git-built index", i)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("patch %d: stored index found\n%+v\nwant\n%+v", i, got, want)
		}
	}
}
