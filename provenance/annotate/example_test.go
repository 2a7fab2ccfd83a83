package annotate_test

import (
	"fmt"
	"log"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/annotate"
	"github.com/patchtrace/patchtrace/specfile"
)

func ExampleAnnotate() {
	g := provenance.NewGraph("alma")
	p := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "fix.patch", Attrs: map[string]string{"number": "0"}}).ID
	o := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "c9s", Name: "0051-fix.patch"}).ID
	g.AddEdge(provenance.Edge{From: p, To: o, Kind: provenance.EdgeIdenticalTo, Verdict: provenance.VerdictIdentical, Score: 1})
	spec := "Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\nPatch0: fix.patch\n"
	res, err := annotate.Annotate("x.spec", []byte(spec), specfile.Options{}, g)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(res.Spec))
	// Output:
	// Name: x
	// Version: 1
	// Release: 1
	// Summary: x
	// License: MIT
	// # Origin: c9s 0051-fix.patch (identical)
	// Patch0: fix.patch
}
