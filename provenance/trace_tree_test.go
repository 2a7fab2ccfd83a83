package provenance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/tree"
	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

// history is a small upstream: a base release and five commits.
type history struct {
	repo    *treetest.Repo
	base    string            // base commit
	commits map[string]string // name -> id
	trees   map[string]treetest.Files
	order   []string
}

// edit is one commit: line replacements per file.
type edit = treetest.Edit

var (
	sizes = map[string]int{"lib/url.c": 120, "lib/http.c": 80, "src/tool.c": 60}
	edits = []struct {
		name string
		e    edit
	}{
		{"c1", edit{"lib/url.c": {10: "  result = parse_url(data, url, strict);\n", 11: "  if(result)\n    return result;\n"}}},
		{"c2", edit{"lib/http.c": {30: "  http_not_backported(conn);\n"}}},
		{"c3", edit{"src/tool.c": {40: "  tool_check_limits(config, max_redirs);\n  tool_warn_deprecated(config);\n"}}},
		{"c4", edit{"lib/url.c": {60: "  conn->bits.close = TRUE; /* c4 */\n", 61: "  connclose(conn, \"c4 close\");\n"},
			"lib/http.c": {70: "  http_c4_other_half(conn);\n", 71: "  http_c4_more(conn);\n"}}},
		{"c5", edit{"lib/url.c": {90: "  not_backported_either(url);\n"}}},
	}
)

// files builds the tree of the base plus the given edits.
func files(es ...edit) treetest.Files {
	out := treetest.Version(sizes, es...)
	out["README"] = treetest.File{Data: "a project\n"}
	return out
}

func newHistory(t *testing.T) *history {
	h := &history{repo: treetest.NewRepo(t), commits: map[string]string{}, trees: map[string]treetest.Files{}}
	h.base = h.repo.Commit("release 1.0", files())
	var acc []edit
	for _, c := range edits {
		acc = append(acc, c.e)
		h.trees[c.name] = files(acc...)
		h.commits[c.name] = h.repo.Commit(c.name+": upstream change", h.trees[c.name])
		h.order = append(h.order, c.name)
	}
	return h
}

// patchOf is the patch of one edit against the base, as a rebuild's
// packaging carries it.
func patchOf(t *testing.T, e edit) string {
	t.Helper()
	res, err := tree.Diff(context.Background(), tree.FS("a", files().MapFS(), tree.Limits{}), tree.FS("b", files(e).MapFS(), tree.Limits{}), tree.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := res.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return "Subject: [PATCH] a backport\n\n---\n" + b.String()
}

// TestTraceTree traces a re-rolled tarball (base + three of five upstream
// commits + a packaging-only patch + an own edit) against its base with a
// packaging origin and the upstream history.
func TestTraceTree(t *testing.T) {
	h := newHistory(t)
	e := map[string]edit{}
	for _, c := range edits {
		e[c.name] = c.e
	}
	rhelOnly := edit{"src/tool.c": {10: "  /* RHEL: keep the old default */\n  config->old_default = 1;\n"}}
	own := edit{"lib/http.c": {5: "  vendor_branding(\"Rebuild Linux\");\n"}}
	halfC4 := edit{"lib/url.c": e["c4"]["lib/url.c"]} // a partial backport
	target := files(e["c1"], e["c3"], halfC4, rhelOnly, own)
	tb := treetest.Compress(t, "xz", treetest.Tar(t, "proj-1.0", target))
	pkg := fstest.MapFS{
		"proj.spec": {Data: []byte("Name: proj\nVersion: 1.0\nRelease: 1%{?dist}\nSummary: s\nLicense: MIT\n" +
			"Patch1: 0001-c1.patch\nPatch2: 0002-c3.patch\nPatch3: 0003-c4.patch\nPatch4: 0004-rhel-only.patch\n" +
			"%description\nd\n%prep\n%autosetup -p1\n")},
		"0001-c1.patch":        {Data: []byte(patchOf(t, e["c1"]))},
		"0002-c3.patch":        {Data: []byte(patchOf(t, e["c3"]))},
		"0003-c4.patch":        {Data: []byte(patchOf(t, halfC4))},
		"0004-rhel-only.patch": {Data: []byte(patchOf(t, rhelOnly))},
	}
	g, err := provenance.TraceTree(context.Background(),
		provenance.NamedTree{Name: "target", Tree: tree.Tarball("proj-1.0-el.tar.xz", func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tb)), nil }, tree.Limits{})},
		provenance.NamedTree{Name: "base", Tree: tree.Git(h.repo.Repo, h.base, tree.Limits{})},
		[]source.Source{source.FromFS("rhel", pkg, source.Options{})},
		[]provenance.Upstream{{Name: "proj", Repo: upstream.FromRepository(h.repo.Repo), Range: h.base + ".." + h.commits["c5"]}},
		provenance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := g.Report()
	tr := r.Tree
	if tr == nil {
		t.Fatal("no tree in the report")
	}
	commits, patches := map[string]bool{}, map[string]bool{}
	var owns []provenance.TreeChange
	for _, c := range tr.Changes {
		if c.Own() {
			owns = append(owns, c)
		}
		for _, o := range c.Origins {
			if o.Commit != "" {
				commits[o.Commit] = true
			}
			if o.File != "" {
				patches[o.File] = true
			}
		}
	}
	for _, name := range []string{"c1", "c3", "c4"} {
		if !commits[h.commits[name]] {
			t.Errorf("%s not found; commits %v", name, slices.Sorted(maps.Keys(commits)))
		}
	}
	for _, name := range []string{"c2", "c5"} {
		if commits[h.commits[name]] {
			t.Errorf("%s (not backported) reported", name)
		}
	}
	if len(commits) != 3 {
		t.Errorf("%d commits reported, want 3", len(commits))
	}
	for p := range pkg {
		if !patches[p] && strings.HasSuffix(p, ".patch") {
			t.Errorf("patch %s not found; patches %v", p, patches)
		}
	}
	if len(owns) != 1 || owns[0].File != "lib/http.c" || owns[0].Line != 5 || owns[0].Lines != 2 {
		t.Errorf("own changes %+v, want the vendor edit alone (lib/http.c:5, 2 lines)", owns)
	}
	if tr.Lines != tr.Attributed+2 || tr.Files != 3 || tr.Base != "base" || len(tr.ByOrigin) != 2 {
		t.Errorf("tree summary %+v", tr)
	}
	// c4 is half applied: partial.
	for _, c := range tr.Changes {
		for _, o := range c.Origins {
			if o.Commit == h.commits["c4"] && o.Verdict != "partial" {
				t.Errorf("c4: verdict %s, want partial", o.Verdict)
			}
		}
	}

	// The JSON report carries the tree object; the graph survives a round
	// trip; the text lists own changes last.
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tree struct {
			Base                     string
			Files, Lines, Attributed int
			Changes                  []struct {
				File        string
				Line, Lines int
				Origins     []map[string]any
			}
		} `json:"tree"`
	}
	if err := json.Unmarshal(js, &doc); err != nil || doc.Tree.Base != "base" || len(doc.Tree.Changes) != len(tr.Changes) {
		t.Errorf("JSON tree: %v %+v", err, doc.Tree)
	}
	var gj bytes.Buffer
	if err := g.WriteJSON(&gj); err != nil {
		t.Fatal(err)
	}
	g2, err := provenance.ReadJSON(&gj)
	if err != nil {
		t.Fatal(err)
	}
	if r2 := g2.Report(); r2.Tree == nil || len(r2.Tree.Changes) != len(tr.Changes) {
		t.Errorf("graph round trip lost the tree")
	}
	var text bytes.Buffer
	if err := r.WriteText(&text, provenance.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if i, j := strings.Index(out, "own changes"), strings.Index(out, "lib/http.c:line 5"); i < 0 || j < i || !strings.Contains(out, "attributed") {
		t.Errorf("text report:\n%s", out)
	}
}

// TestTraceTreeUnrelatedBase: a base that is not the target's is refused
// with both trees named.
func TestTraceTreeUnrelatedBase(t *testing.T) {
	a := tree.FS("other-project", treetest.Files{"x/1.c": {Data: "1\n"}, "x/2.c": {Data: "2\n"}}.MapFS(), tree.Limits{})
	b := tree.FS("proj-dir", files().MapFS(), tree.Limits{})
	_, err := provenance.TraceTree(context.Background(), provenance.NamedTree{Name: "target", Tree: b}, provenance.NamedTree{Name: "base", Tree: a}, nil, nil, provenance.Options{})
	if err == nil || !strings.Contains(err.Error(), "unrelated") || !strings.Contains(err.Error(), "other-project") {
		t.Fatalf("err = %v", err)
	}
}
