package provenance_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
)

const exampleSpec = `Name: hello
Version: 1.0
Release: %s
Summary: x
License: MIT
Source0: hello-1.0.tar.gz
%s
%%description
x
%%prep
%%autosetup -p1
`

const fixPatch = `--- a/hello.c
+++ b/hello.c
@@ -1,3 +1,3 @@
 int main(void)
 {
-	return 1;
+	return 0;
 }
`

const brandPatch = `--- a/README
+++ b/README
@@ -1,2 +1,2 @@
 hello
-Built by Red Hat
+Built by AlmaLinux
`

// Trace a rebuild against its origin: the renamed fix is identical to the
// origin's patch, the branding patch is the rebuild's own, and the Release
// carries a rebuild suffix. The origin's name (c9s) names its
// distribution, and the target, which names none, is read for it too.
func ExampleTrace() {
	origin := source.FromFS("c9s", fstest.MapFS{
		"hello.spec":      {Data: fmt.Appendf(nil, exampleSpec, "2%{?dist}", "Patch0: hello-fix.patch\n")},
		"hello-fix.patch": {Data: []byte(fixPatch)},
	}, source.Options{})
	target := source.FromFS("alma", fstest.MapFS{
		"hello.spec":     {Data: fmt.Appendf(nil, exampleSpec, "2%{?dist}.alma.1", "Patch0: 0001-fix.patch\nPatch1000: brand.patch\n")},
		"0001-fix.patch": {Data: []byte(fixPatch)},
		"brand.patch":    {Data: []byte(brandPatch)},
	}, source.Options{})
	g, err := provenance.Trace(context.Background(), target, []source.Source{origin}, nil, provenance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range g.Report().Patches {
		if p.Own {
			fmt.Printf("%s: own\n", p.File)
		}
		for _, o := range p.Origins {
			fmt.Printf("%s: %s %s %s\n", p.File, o.Verdict, o.Origin, o.File)
		}
	}
	for _, c := range g.Report().SpecChanges {
		fmt.Printf("spec: %s %s -> %s\n", c.Kind, c.Old, c.New)
	}
	// Output:
	// 0001-fix.patch: identical c9s hello-fix.patch
	// brand.patch: own
	// spec: release-suffix 2.el9 -> 2.el9.alma.1
	// spec: patch-renamed hello-fix.patch -> Patch0: 0001-fix.patch
	// spec: patch-added  -> Patch1000: brand.patch
}

// Query a graph: which origins a target patch comes from, and what has none.
func ExampleGraph_OriginsOf() {
	g := provenance.NewGraph("alma")
	tp := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "fix.patch"})
	op := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "c9s", Name: "fix.patch"})
	own := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "brand.patch"})
	pkg := g.AddNode(provenance.Node{Kind: provenance.KindPackage, Origin: "alma", Name: "hello-1.0-2.alma.1"})
	g.AddEdge(provenance.Edge{From: tp.ID, To: op.ID, Kind: provenance.EdgeIdenticalTo, Verdict: "identical", Score: 1})
	g.AddEdge(provenance.Edge{From: own.ID, To: pkg.ID, Kind: provenance.EdgeNoOrigin, Verdict: "own", Score: 1})
	for _, e := range g.OriginsOf("fix.patch") {
		fmt.Println(e.Kind, e.To, e.Verdict)
	}
	for _, n := range g.NoOrigin() {
		fmt.Println("own:", n.ID)
	}
	// Output:
	// identical-to patch:c9s:fix.patch identical
	// own: patch:alma:brand.patch
}
