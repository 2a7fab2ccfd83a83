package provenance

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/specfile"
)

func sampleGraph() *Graph {
	g := NewGraph("t")
	pkg := g.AddNode(Node{Kind: KindPackage, Origin: "t", Name: "p-1-1", Attrs: map[string]string{"release": "1"}})
	a := g.AddNode(Node{Kind: KindPatch, Origin: "t", Name: "a.patch", Attrs: map[string]string{"number": "1", "order": "1"}})
	b := g.AddNode(Node{Kind: KindPatch, Origin: "t", Name: "b.patch", Attrs: map[string]string{"number": "0", "order": "0"}})
	o := g.AddNode(Node{Kind: KindPatch, Origin: "o", Name: "a.patch"})
	x := g.AddNode(Node{Kind: KindPatch, Origin: "o", Name: "x.patch"})
	c := g.AddNode(Node{Kind: KindCommit, Origin: "up", Name: "0123456789abcdef0123456789abcdef01234567"})
	g.AddEdge(Edge{From: a.ID, To: o.ID, Kind: EdgeIdenticalTo, Verdict: VerdictIdentical, Score: 1, Evidence: []string{"same bytes"}})
	g.AddEdge(Edge{From: a.ID, To: c.ID, Kind: EdgeBackportOf, Verdict: VerdictRebased, Score: 0.912345})
	g.AddEdge(Edge{From: b.ID, To: pkg.ID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1})
	_ = x
	return g
}

func TestGraphQueries(t *testing.T) {
	g := sampleGraph()
	got := g.OriginsOf("a.patch")
	if len(got) != 2 || got[0].Kind != EdgeIdenticalTo || got[1].Kind != EdgeBackportOf {
		t.Fatalf("OriginsOf = %+v", got)
	}
	if fo := g.FromOrigin("up"); len(fo) != 1 || fo[0].To != "commit:up:0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("FromOrigin(up) = %+v", fo)
	}
	if no := g.NoOrigin(); len(no) != 1 || no[0].Name != "b.patch" {
		t.Errorf("NoOrigin = %+v", no)
	}
	if nc := g.NotCarried(); len(nc) != 1 || nc[0].Name != "x.patch" {
		t.Errorf("NotCarried = %+v", nc)
	}
	if ps := g.Patches(); len(ps) != 2 || ps[0].Name != "b.patch" {
		t.Errorf("Patches order = %v", ps)
	}
}

func TestAddEdgeKeepsBestAndMergesEvidence(t *testing.T) {
	g := sampleGraph()
	g.AddEdge(Edge{From: "patch:t:a.patch", To: "commit:up:0123456789abcdef0123456789abcdef01234567", Kind: EdgeBackportOf, Verdict: VerdictPartial, Score: 0.5, Evidence: []string{"hunk"}})
	e := g.Out("patch:t:a.patch", EdgeBackportOf)
	if len(e) != 1 || e[0].Verdict != VerdictRebased || len(e[0].Evidence) != 1 {
		t.Errorf("got %+v", e)
	}
}

func TestGraphJSONRoundTripIsStable(t *testing.T) {
	g := sampleGraph()
	var a, b bytes.Buffer
	if err := g.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.String(), `"schema": "patchtrace/graph/v1"`) || !strings.Contains(a.String(), `"score": 0.9123`) {
		t.Errorf("unexpected JSON:\n%s", a.String())
	}
	g2, err := ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("round trip differs:\n%s\n---\n%s", a.String(), b.String())
	}
}

func TestReadJSONRejects(t *testing.T) {
	for _, doc := range []string{
		`{"schema":"patchtrace/graph/v0","nodes":[],"edges":[]}`,
		`{"schema":"patchtrace/graph/v1","nodes":[{"id":"a"}],"edges":[{"from":"a","to":"b"}]}`,
		`{"schema":"patchtrace/graph/v1","nodes":[{"id":"a"},{"id":"a"}],"edges":[]}`,
		`{"schema":`,
	} {
		if _, err := ReadJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("ReadJSON(%s) succeeded", doc)
		}
	}
	_, err := ReadJSON(strings.NewReader(`{"schema":"x"}`))
	if !errors.Is(err, ErrSchema) {
		t.Errorf("err = %v, want ErrSchema", err)
	}
}

func TestPathsMeet(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"lib/hostcheck.c", "lib/hostcheck.c", true},
		{"expat/lib/xmlparse.c", "lib/xmlparse.c", true},
		{"lib/vtls/hostcheck.c", "lib/hostcheck.c", true},
		{"lib/a.c", "lib/b.c", false},
	} {
		if got, _ := pathsMeet(c.a, c.b); got != c.want {
			t.Errorf("pathsMeet(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestApplyStrip(t *testing.T) {
	for _, c := range []struct {
		a    specfile.Apply
		want int
	}{
		{specfile.Apply{Strip: 0, SCM: "git", Text: "%autosetup -S git -n openssl-3.0.7"}, 1},
		{specfile.Apply{Strip: 0, SCM: "git_am", Text: "%autosetup -S git_am"}, 1},
		{specfile.Apply{Strip: 0, SCM: "git", Text: "%autosetup -S git -p0"}, 0},
		{specfile.Apply{Strip: 2, SCM: "git", Text: "%autosetup -S git -p2"}, 2},
		{specfile.Apply{Strip: 0, SCM: "patch", Text: "%autosetup"}, 0},
		{specfile.Apply{Strip: 1, Form: "%patch", Text: "%patch -P1 -p1"}, 1},
	} {
		if got := applyStrip(c.a); got != c.want {
			t.Errorf("applyStrip(%+v) = %d, want %d", c.a, got, c.want)
		}
	}
}

func TestRelLocation(t *testing.T) {
	for _, c := range []struct{ loc, base, want string }{
		{"/a/b/c", "/a", "b/c"},
		{"/a/b/c@main", "/a", "b/c@main"},
		{"/x/y", "/a", "y"},
		{"/x/y.src.rpm", "/a", "y.src.rpm"},
		{"/x/repo.git@imports/c8/curl-1-1.el8", "/a", "repo.git@imports/c8/curl-1-1.el8"},
		{"/a/b", "/", "a/b"},
	} {
		if got := relLocation(c.loc, c.base); got != c.want {
			t.Errorf("relLocation(%q, %q) = %q, want %q", c.loc, c.base, got, c.want)
		}
	}
}

// FuzzReadJSON: whatever a graph document holds, reading it either fails
// or yields a graph every writer handles without panicking.
func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := sampleGraph().WriteJSON(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"patchtrace/graph/v1","target":"t","nodes":[{"id":"hunk:t:x","kind":"hunk","origin":"t","name":"x"},{"id":"patch:t:p","kind":"patch","origin":"t","name":"p"}],"edges":[{"from":"hunk:t:x","to":"patch:t:p","kind":"part-of"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := g.Report().WriteTable(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := g.WriteDOT(io.Discard, DOTOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := g.WriteCycloneDX(io.Discard, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := g.WriteSPDX(io.Discard, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}
