package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/provenance"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	g := provenance.NewGraph("alma")
	pkg := g.AddNode(provenance.Node{Kind: provenance.KindPackage, Origin: "alma", Name: "x"}).ID
	p := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "a.patch", Attrs: map[string]string{"number": "1"}}).ID
	g.AddEdge(provenance.Edge{From: p, To: pkg, Kind: provenance.EdgeNoOrigin, Verdict: provenance.VerdictOwn, Score: 1})
	var gj bytes.Buffer
	if err := g.WriteJSON(&gj); err != nil {
		t.Fatal(err)
	}
	graph, spec := filepath.Join(dir, "g.json"), filepath.Join(dir, "x.spec")
	os.WriteFile(graph, gj.Bytes(), 0o644)
	os.WriteFile(spec, []byte("Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\nPatch1: a.patch\n"), 0o644)
	var out, errb bytes.Buffer
	if rc := run([]string{"-graph", graph, "-check", spec}, &out, &errb); rc != 1 {
		t.Fatalf("-check before: rc %d %s", rc, errb.String())
	}
	if rc := run([]string{"-graph", graph, "-w", "-q", spec}, &out, &errb); rc != 0 {
		t.Fatalf("-w: rc %d %s", rc, errb.String())
	}
	b, _ := os.ReadFile(spec)
	if !strings.Contains(string(b), "# Own change (no origin)\nPatch1: a.patch\n") {
		t.Errorf("spec:\n%s", b)
	}
	if rc := run([]string{"-graph", graph, "-check", spec}, &out, &errb); rc != 0 {
		t.Fatalf("-check after: rc %d %s", rc, errb.String())
	}
	if rc := run([]string{spec}, &out, &errb); rc != 2 {
		t.Errorf("no -graph: rc %d", rc)
	}
	if rc := run([]string{"-graph", filepath.Join(dir, "none.json"), spec}, &out, &errb); rc != 3 {
		t.Errorf("missing graph: rc %d", rc)
	}
}
