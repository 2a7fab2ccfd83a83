package upstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/progress"
)

// hunk renders one unified hunk; each line starts with its op byte.
func hunk(oldStart, newStart int, ls ...string) string {
	o, n := 0, 0
	for _, l := range ls {
		switch l[0] {
		case ' ':
			o++
			n++
		case '-':
			o++
		case '+':
			n++
		}
	}
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@\n%s\n", oldStart, o, newStart, n, strings.Join(ls, "\n"))
}

// diffFile renders one git diff file section.
func diffFile(oldName, newName string, hunks ...string) string {
	return fmt.Sprintf("diff --git %s %s\nindex 1111111..2222222 100644\n--- %s\n+++ %s\n%s",
		oldName, newName, oldName, newName, strings.Join(hunks, ""))
}

// mail wraps file sections in a format-patch header.
func mail(subject, extra string, files ...string) string {
	return "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n" +
		"From: Down Stream <down@example.com>\nDate: Mon, 1 Jun 2020 10:00:00 +0200\n" +
		"Subject: [PATCH] " + subject + "\n\n" + "Backport.\n" + extra + "---\n" + strings.Join(files, "")
}

func parseOne(t *testing.T, name, s string) *patchset.Patch {
	t.Helper()
	ps, err := patchset.ParseBytes(name, []byte(s))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(ps) != 1 {
		t.Fatalf("%s: %d patches", name, len(ps))
	}
	return ps[0]
}

// history is the upstream history the tests search.
type history struct {
	m                                  *memRepo
	c1, c2, c3, c4, c5, c6, c7, c8, m9 plumbing.Hash
}

func buildHistory(t testing.TB) *history {
	m := newMemRepo(t)
	h := &history{m: m}
	foo := lines("foo", 1, 60)
	bar := lines("bar", 1, 40)
	host := lines("host", 1, 30)
	c0 := m.commit("initial", map[string]string{
		"lib/foo.c":       text(foo),
		"lib/bar.c":       text(bar),
		"lib/hostcheck.c": text(host),
		"docs/NOTES":      text(lines("notes", 1, 10)),
		"README":          "hello\n",
	})
	m.tag("v1", c0)

	foo1 := replace(foo, "int foo_20 = 20 * 3;", "int foo_20 = check(20);")
	foo1 = replace(foo1, "int foo_21 = 21 * 3;", "int foo_21 = 21 * 3;", "if (foo_20 < 0) return -1;")
	h.c1 = m.commit("foo: fix overflow", m.edit(c0, func(f map[string]string) { f["lib/foo.c"] = text(foo1) }), c0)

	h.c2 = m.commit("vtls: move hostcheck", m.edit(h.c1, func(f map[string]string) {
		f["lib/vtls/hostcheck.c"] = f["lib/hostcheck.c"]
		delete(f, "lib/hostcheck.c")
	}), h.c1)

	host3 := replace(host, "int host_10 = 10 * 4;", "if (wildcard && !strict) return NO_MATCH;")
	host3 = replace(host3, "int host_11 = 11 * 4;", "int host_11 = 11 * 4; /* checked */")
	h.c3 = m.commit("hostcheck: fix wildcard", m.edit(h.c2, func(f map[string]string) { f["lib/vtls/hostcheck.c"] = text(host3) }), h.c2)

	bar4 := replace(bar, "int bar_5 = 5 * 3;", "int bar_5 = safe(5);")
	bar4 = replace(bar4, "int bar_30 = 30 * 3;", "int bar_30 = safe(30);")
	foo4 := replace(foo1, "int foo_50 = 50 * 3;", "int foo_50 = safe(50);")
	h.c4 = m.commit("bar: rework with safe()", m.edit(h.c3, func(f map[string]string) {
		f["lib/bar.c"] = text(bar4)
		f["lib/foo.c"] = text(foo4)
		f["docs/NOTES"] += "safe() everywhere\n"
	}), h.c3)

	foo5 := replace(foo4, "int foo_5 = 5 * 3;", "int foo_5 = 5 * 3;", "#define FOO_LIMIT 4096")
	h.c5 = m.commit("foo: add limits", m.edit(h.c4, func(f map[string]string) { f["lib/foo.c"] = text(foo5) }), h.c4)

	bar6 := replace(bar4, "int bar_15 = 15 * 3;", "int bar_15 = FOO_LIMIT / 2;")
	bar6 = replace(bar6, "int bar_16 = 16 * 3;", "int bar_16 = 16 * 3;", "assert(bar_15 > 0);")
	h.c6 = m.commit("bar: use limits", m.edit(h.c5, func(f map[string]string) { f["lib/bar.c"] = text(bar6) }), h.c5)

	// A side branch merged back.
	foo7 := replace(foo5, "int foo_40 = 40 * 3;", "int foo_40 = tidy(40);", "tidy_done();")
	h.c7 = m.commit("foo: tidy up", m.edit(h.c6, func(f map[string]string) { f["lib/foo.c"] = text(foo7) }), h.c6)
	h.c8 = m.commit("docs: notes", m.edit(h.c6, func(f map[string]string) { f["docs/NOTES"] += "more\n" }), h.c6)
	h.m9 = m.commit("Merge branch 'tidy'", m.edit(h.c8, func(f map[string]string) { f["lib/foo.c"] = text(foo7) }), h.c8, h.c7)
	m.tag("v2", h.m9)
	m.branch("master", h.m9)
	return h
}

// Patches against a downstream copy of v1 (foo.c has five more lines at
// the top, so offsets differ, and one context line differs).
func rebasedFooFix(prefixOld, prefixNew string) string {
	return diffFile(prefixOld+"lib/foo.c", prefixNew+"lib/foo.c",
		hunk(23, 23,
			" int foo_18 = 18 * 3;",
			" int foo_19 = 19 * 3; /* downstream */",
			"-int foo_20 = 20 * 3;",
			"+int foo_20 = check(20);",
			" int foo_21 = 21 * 3;",
			"+if (foo_20 < 0) return -1;",
			" int foo_22 = 22 * 3;"))
}

func indexHistory(t testing.TB, h *history, paths ...string) *Index {
	t.Helper()
	r := FromRepository(h.m.repo)
	var got []progress.Report
	ix, err := r.Index(context.Background(), "v1..v2", paths, func(p progress.Report) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[len(got)-1].Stage != "done" {
		t.Errorf("progress: %+v", got)
	}
	return ix
}

var allPaths = []string{"a/lib/foo.c", "b/lib/foo.c", "a/lib/bar.c", "a/lib/hostcheck.c", "pkg-1.0/lib/foo.c", "a/lib/extra.c"}

func TestFind(t *testing.T) {
	h := buildHistory(t)
	ix := indexHistory(t, h, allPaths...)
	st := ix.Stats()
	if st.Commits != 9 || st.Merges != 1 {
		t.Errorf("stats: %+v", st)
	}
	cases := []struct {
		name    string
		patch   string
		want    []plumbing.Hash // expected top commits (a set when several)
		verdict patchset.Verdict
	}{
		{"rebased backport", mail("foo: fix overflow", "", rebasedFooFix("a/", "b/")), []plumbing.Hash{h.c1}, patchset.Rebased},
		{"-p2 prefix", mail("foo: fix overflow", "", rebasedFooFix("pkg-1.0.orig/", "pkg-1.0/")), []plumbing.Hash{h.c1}, patchset.Rebased},
		{"moved file", mail("hostcheck: fix", "", diffFile("a/lib/hostcheck.c", "b/lib/hostcheck.c",
			hunk(8, 8,
				" int host_8 = 8 * 4;",
				" int host_9 = 9 * 4;",
				"-int host_10 = 10 * 4;",
				"-int host_11 = 11 * 4;",
				"+if (wildcard && !strict) return NO_MATCH;",
				"+int host_11 = 11 * 4; /* checked */",
				" int host_12 = 12 * 4;"))), []plumbing.Hash{h.c3}, patchset.Equivalent}, // same diff, moved path
		{"partial backport", mail("bar: safe", "", diffFile("a/lib/bar.c", "b/lib/bar.c",
			hunk(3, 3,
				" int bar_3 = 3 * 3;",
				" int bar_4 = 4 * 3;",
				"-int bar_5 = 5 * 3;",
				"+int bar_5 = safe(5);",
				" int bar_6 = 6 * 3;"),
			hunk(28, 28,
				" int bar_28 = 28 * 3;",
				" int bar_29 = 29 * 3;",
				"-int bar_30 = 30 * 3;",
				"+int bar_30 = safe(30);",
				" int bar_31 = 31 * 3;"))), []plumbing.Hash{h.c4}, patchset.Partial},
		{"squash of two commits", mail("limits", "",
			diffFile("a/lib/foo.c", "b/lib/foo.c",
				hunk(4, 4,
					" int foo_4 = 4 * 3;",
					" int foo_5 = 5 * 3;",
					"+#define FOO_LIMIT 4096",
					" int foo_6 = 6 * 3;")),
			diffFile("a/lib/bar.c", "b/lib/bar.c",
				hunk(14, 14,
					" int bar_14 = 14 * 3;",
					"-int bar_15 = 15 * 3;",
					"+int bar_15 = FOO_LIMIT / 2;",
					" int bar_16 = 16 * 3;",
					"+assert(bar_15 > 0);",
					" int bar_17 = 17 * 3;"))), []plumbing.Hash{h.c5, h.c6}, patchset.Partial},
		{"commit of a merged branch", mail("tidy", "", diffFile("a/lib/foo.c", "b/lib/foo.c",
			hunk(39, 39,
				" int foo_39 = 39 * 3;",
				"-int foo_40 = 40 * 3;",
				"+int foo_40 = tidy(40);",
				"+tidy_done();",
				" int foo_41 = 41 * 3;"))), []plumbing.Hash{h.c7}, patchset.Rebased},
		{"clean cherry-pick", mail("limits", "",
			diffFile("a/lib/foo.c", "b/lib/foo.c",
				hunk(4, 4,
					" int foo_4 = 4 * 3;",
					" int foo_5 = 5 * 3;",
					"+#define FOO_LIMIT 4096",
					" int foo_6 = 6 * 3;"))), []plumbing.Hash{h.c5}, patchset.Equivalent},
		{"unrelated", mail("downstream only", "", diffFile("a/lib/foo.c", "b/lib/foo.c",
			hunk(10, 10,
				" int foo_10 = 10 * 3;",
				"+downstream_only_call();",
				"+another_downstream_line(1, 2);",
				" int foo_11 = 11 * 3;"))), nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := parseOne(t, tc.name, tc.patch)
			got := ix.Find(QueryOf(p, -1), FindOptions{})
			if len(tc.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("want no match, got %s %q pc=%.2f", got[0].Commit, got[0].Subject, got[0].PatchCoverage)
				}
				return
			}
			if len(got) < len(tc.want) {
				t.Fatalf("got %d candidates, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if got[i].Commit != w.String() {
					t.Errorf("candidate %d = %s %q, want %s", i, got[i].Commit[:8], got[i].Subject, w.String()[:8])
				}
				if got[i].Verdict != tc.verdict {
					t.Errorf("candidate %d verdict %s, want %s (pc=%.2f cc=%.2f)", i, got[i].Verdict, tc.verdict, got[i].PatchCoverage, got[i].CommitCoverage)
				}
				if (len(tc.want) > 1) != got[i].Evidence.InSet {
					t.Errorf("candidate %d InSet=%v", i, got[i].Evidence.InSet)
				}
			}
			matched := 0
			for _, fe := range got[0].Evidence.Files {
				if fe.UpstreamPath != "" {
					matched += fe.Matched
				}
			}
			if matched == 0 {
				t.Errorf("evidence: %+v", got[0].Evidence)
			}
		})
	}
}

func TestFindEvidence(t *testing.T) {
	h := buildHistory(t)
	ix := indexHistory(t, h, allPaths...)

	p := parseOne(t, "moved", mail("hostcheck: fix", "", diffFile("a/lib/hostcheck.c", "b/lib/hostcheck.c",
		hunk(8, 8,
			" int host_9 = 9 * 4;",
			"-int host_10 = 10 * 4;",
			"-int host_11 = 11 * 4;",
			"+if (wildcard && !strict) return NO_MATCH;",
			"+int host_11 = 11 * 4; /* checked */",
			" int host_12 = 12 * 4;"))))
	got := ix.Find(QueryOf(p, -1), FindOptions{})
	if len(got) == 0 {
		t.Fatal("no match")
	}
	fe := got[0].Evidence.Files[0]
	if fe.PatchPath != "lib/hostcheck.c" || fe.UpstreamPath != "lib/vtls/hostcheck.c" || fe.Matched != 4 || fe.Lines != 4 || fe.Hunks != 1 || fe.HunksMatched != 1 {
		t.Errorf("file evidence: %+v", fe)
	}
	if got[0].Subject != "hostcheck: fix wildcard" || got[0].Author != "Up Stream" || got[0].Date.IsZero() {
		t.Errorf("candidate: %+v", got[0])
	}

	// A hint that agrees with the content.
	agree := parseOne(t, "agree", mail("foo: fix overflow", "\nUpstream-commit: "+h.c1.String()+"\n", rebasedFooFix("a/", "b/")))
	got = ix.Find(QueryOf(agree, -1), FindOptions{})
	if len(got) == 0 || got[0].Commit != h.c1.String() || !got[0].Evidence.Cited || !got[0].Evidence.HintAgrees {
		t.Errorf("agreeing hint: %+v", got)
	}

	// A hint naming another commit: the content decides, the hint is
	// reported as contradicted.
	wrong := parseOne(t, "wrong", mail("foo: fix overflow", "\n(cherry picked from commit "+h.c3.String()[:12]+")\n", rebasedFooFix("a/", "b/")))
	got = ix.Find(QueryOf(wrong, -1), FindOptions{})
	if len(got) < 2 || got[0].Commit != h.c1.String() || got[0].Evidence.Cited {
		t.Fatalf("wrong hint changed the ranking: %+v", got)
	}
	last := got[len(got)-1]
	if last.Commit != h.c3.String() || !last.Evidence.Cited || last.Evidence.HintAgrees || last.Verdict != patchset.Unrelated {
		t.Errorf("contradicted hint: %+v", last)
	}
}

func TestUpstreamPaths(t *testing.T) {
	h := buildHistory(t)
	ix := indexHistory(t, h, allPaths...)
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"a/lib/foo.c", "lib/foo.c"},
		{"pkg-1.0/lib/foo.c", "lib/foo.c"},
		{"lib/foo.c", "lib/foo.c"},
		{"b/lib/hostcheck.c", "lib/hostcheck.c lib/vtls/hostcheck.c"},
		{"a/README", "README"},
		{"a/lib/extra.c", ""},
		{"/dev/null", ""},
	} {
		if got := strings.Join(ix.UpstreamPaths(tc.in), " "); got != tc.want {
			t.Errorf("UpstreamPaths(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !ix.InRange(h.c3.String()) || ix.InRange(plumbing.ZeroHash.String()) {
		t.Error("InRange")
	}
	if got, ok := ix.Landed(h.c1.String()[:10]); !ok || got != h.c1.String() {
		t.Errorf("Landed = %q %v", got, ok)
	}
}

func TestIndexWholeHistoryAndErrors(t *testing.T) {
	h := buildHistory(t)
	r := FromRepository(h.m.repo)
	ix, err := r.Index(context.Background(), "v2", []string{"a/lib/foo.c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := ix.Stats(); st.Commits != 10 {
		t.Errorf("whole history: %+v", st)
	}
	// The root commit adds foo.c: a patch creating the file matches it.
	for _, bad := range []string{"", "v1..", "..v2", "nosuch..v2", "v1...v2"} {
		if _, err := r.Index(context.Background(), bad, nil, nil); !errors.Is(err, ErrBadRange) {
			t.Errorf("Index(%q) error %v, want ErrBadRange", bad, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Index(ctx, "v1..v2", allPaths, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Index: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty directory succeeded")
	}
}

// A tracked file renamed to a path no patch names, and back: neither
// rename may look like the removal or addition of every line.
func TestRenameOutsideTrackedPaths(t *testing.T) {
	m := newMemRepo(t)
	url := lines("url", 1, 50)
	c0 := m.commit("initial", map[string]string{"lib/url.c": text(url), "lib/other.c": "x\n"})
	m.tag("v1", c0)
	c1 := m.commit("rename url.c", m.edit(c0, func(f map[string]string) {
		f["lib/curl_url.c"] = f["lib/url.c"]
		delete(f, "lib/url.c")
	}), c0)
	url2 := replace(url, "int url_7 = 7 * 3;", "int url_7 = fixed(7);")
	c2 := m.commit("fix while renamed", m.edit(c1, func(f map[string]string) { f["lib/curl_url.c"] = text(url2) }), c1)
	c3 := m.commit("rename back", m.edit(c2, func(f map[string]string) {
		f["lib/url.c"] = f["lib/curl_url.c"]
		delete(f, "lib/curl_url.c")
	}), c2)
	url4 := replace(url2, "int url_30 = 30 * 3;", "int url_30 = safe(30);")
	c4 := m.commit("url: safe", m.edit(c3, func(f map[string]string) { f["lib/url.c"] = text(url4) }), c3)
	m.tag("v2", c4)

	ix, err := FromRepository(m.repo).Index(context.Background(), "v1..v2", []string{"a/lib/url.c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parseOne(t, "removal", mail("url", "", diffFile("a/lib/url.c", "b/lib/url.c",
		hunk(28, 28,
			" int url_28 = 28 * 3;",
			" int url_29 = 29 * 3;",
			"-int url_30 = 30 * 3;",
			"+int url_30 = safe(30);",
			" int url_31 = 31 * 3;"))))
	got := ix.Find(QueryOf(p, -1), FindOptions{})
	if len(got) != 1 || got[0].Commit != c4.String() {
		t.Errorf("got %+v, want only %s", got, c4)
	}
	// The fix made while the file was renamed is found by following it.
	p = parseOne(t, "while renamed", mail("url", "", diffFile("a/lib/url.c", "b/lib/url.c",
		hunk(6, 6,
			" int url_6 = 6 * 3;",
			"-int url_7 = 7 * 3;",
			"+int url_7 = fixed(7);",
			" int url_8 = 8 * 3;"))))
	got = ix.Find(QueryOf(p, -1), FindOptions{})
	if len(got) != 1 || got[0].Commit != c2.String() || got[0].Evidence.Files[0].UpstreamPath != "lib/url.c" {
		t.Errorf("got %+v, want only %s", got, c2)
	}
	if st := ix.Stats(); st.Touching != 2 || st.FollowedPaths != 1 {
		t.Errorf("renames counted as changes: %+v", st)
	}
}

func TestCitedIDs(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567" // the mbox From line
	p := parseOne(t, "hints", mail("x", "\nUpstream-commit: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"+
		"(cherry picked from commit bbbbbbbbbbbb)\n"+
		"Fixes: cccccccccccc (\"not an origin\")\n"+
		"See https://github.com/x/y/commit/dddddddddddddddd\n",
		diffFile("a/f", "b/f", hunk(1, 1, "-a", "+b"))))
	got := strings.Join(citedIDs(QueryOf(p, -1).Hints), " ")
	for _, want := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbb", "dddddddddddddddd", sha} {
		if !strings.Contains(got, want) {
			t.Errorf("citedIDs = %q, missing %s", got, want)
		}
	}
	if strings.Contains(got, "cccccccccccc") {
		t.Errorf("citedIDs = %q: Fixes: names the fixed commit, not the origin", got)
	}
}
