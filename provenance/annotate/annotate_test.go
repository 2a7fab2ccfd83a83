package annotate_test

import (
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/annotate"
	"github.com/patchtrace/patchtrace/specfile"
)

const spec = `Name: curl
Version: 7.76.1
Release: 26%{?dist}.alma.1
Summary: x
License: MIT
# human note about the CVE
Patch1: 0001-curl-CVE-2023-1.patch
Patch2:  0002-curl-fix.patch
# Own change (no origin)
Patch3: 0003-alma-%%debrand.patch

%prep
%autosetup -p1
`

func graph() *provenance.Graph {
	g := provenance.NewGraph("alma")
	pkg := g.AddNode(provenance.Node{Kind: provenance.KindPackage, Origin: "alma", Name: "curl"}).ID
	patch := func(n, file string) string {
		return g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: file, Attrs: map[string]string{"number": n, "order": n}}).ID
	}
	p1, p2, p3 := patch("1", "0001-curl-CVE-2023-1.patch"), patch("2", "0002-curl-fix.patch"), patch("3", "0003-alma-%debrand.patch")
	c := g.AddNode(provenance.Node{Kind: provenance.KindCommit, Origin: "curl", Name: "5a3e2b1c0d9f8e7d6c5b4a39281706f5e4d3c2b1"}).ID
	o := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "c9s", Name: "0051-curl-CVE-2023-1.patch"}).ID
	g.AddEdge(provenance.Edge{From: p1, To: o, Kind: provenance.EdgeIdenticalTo, Verdict: provenance.VerdictIdentical, Score: 1})
	g.AddEdge(provenance.Edge{From: p1, To: c, Kind: provenance.EdgeBackportOf, Verdict: provenance.VerdictRebased, Score: 0.8})
	g.AddEdge(provenance.Edge{From: p2, To: c, Kind: provenance.EdgePartOf, Verdict: provenance.VerdictPartial, Score: 0.5})
	g.AddEdge(provenance.Edge{From: p3, To: pkg, Kind: provenance.EdgeNoOrigin, Verdict: provenance.VerdictOwn, Score: 1})
	return g
}

func TestAnnotate(t *testing.T) {
	res, err := annotate.Annotate("curl.spec", []byte(spec), specfile.Options{}, graph())
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(spec,
		"# human note about the CVE\nPatch1:", "# human note about the CVE\n# Origin: c9s 0051-curl-CVE-2023-1.patch (identical)\n# Upstream: curl@5a3e2b1c0d9f (rebased)\nPatch1:", 1),
		"Patch2:", "# Upstream: curl@5a3e2b1c0d9f (partial)\nPatch2:", 1)
	if string(res.Spec) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", res.Spec, want)
	}
	if res.Annotated != 3 || res.Changed != 2 {
		t.Errorf("annotated %d changed %d", res.Annotated, res.Changed)
	}
	// again: nothing changes
	again, err := annotate.Annotate("curl.spec", res.Spec, specfile.Options{}, graph())
	if err != nil || string(again.Spec) != want || again.Changed != 0 {
		t.Errorf("second run: %v changed=%d\n%s", err, again.Changed, again.Spec)
	}
	// a new trace: the patch became own; only our lines change
	g := graph()
	g2 := provenance.NewGraph("alma")
	for _, n := range g.Nodes() {
		g2.AddNode(*n)
	}
	for _, e := range g.Edges() {
		if e.From != "patch:alma:0001-curl-CVE-2023-1.patch" {
			g2.AddEdge(*e)
		}
	}
	g2.AddEdge(provenance.Edge{From: "patch:alma:0001-curl-CVE-2023-1.patch", To: "package:alma:curl", Kind: provenance.EdgeNoOrigin, Verdict: provenance.VerdictOwn, Score: 1})
	third, err := annotate.Annotate("curl.spec", res.Spec, specfile.Options{}, g2)
	if err != nil {
		t.Fatal(err)
	}
	want3 := strings.Replace(want, "# Origin: c9s 0051-curl-CVE-2023-1.patch (identical)\n# Upstream: curl@5a3e2b1c0d9f (rebased)\n", "# Own change (no origin)\n", 1)
	if string(third.Spec) != want3 {
		t.Errorf("re-annotated:\n%s", third.Spec)
	}
}

func TestOwnAndEscaping(t *testing.T) {
	for l, want := range map[string]bool{
		"# Upstream: curl@5a3e2b1c0d9f (rebased)": true, "# Origin: c9s a.patch (identical)": true, "# Own change (no origin)": true,
		"# Upstream: see curl commit 5a3e2b1": false, "# Origin: upstream": false, "# Own change": false,
	} {
		if annotate.Own(l) != want {
			t.Errorf("Own(%q) = %v", l, !want)
		}
	}
	g := provenance.NewGraph("t")
	p := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "t", Name: "x.patch", Attrs: map[string]string{"number": "0"}}).ID
	o := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "evil origin", Name: "%(rm -rf /)\nPatch9: y.patch"}).ID
	g.AddEdge(provenance.Edge{From: p, To: o, Kind: provenance.EdgeIdenticalTo, Verdict: provenance.VerdictIdentical, Score: 1})
	got := annotate.Lines(g, p)
	if len(got) != 1 || got[0] != "# Origin: evil_origin %%_rm_-rf_/__Patch9:_y.patch (identical)" {
		t.Errorf("lines: %q", got)
	}
}
