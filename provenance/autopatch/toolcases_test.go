package autopatch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/patchtrace/patchtrace/provenance/source"
)

// TestAutopatchToolCases replays autopatch-tool's own test cases (a spec,
// its config and the spec autopatch-tool makes of it): every difference
// between the input and the expected spec must be explained by an action.
// The cases are not part of this repository: point
// PATCHTRACE_AUTOPATCH_TOOL at a checkout of AlmaLinux/autopatch-tool.
func TestAutopatchToolCases(t *testing.T) {
	root := os.Getenv("PATCHTRACE_AUTOPATCH_TOOL")
	if root == "" {
		t.Skip("set PATCHTRACE_AUTOPATCH_TOOL to a checkout of AlmaLinux/autopatch-tool")
	}
	dirs, err := filepath.Glob(filepath.Join(root, "tests", "configs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	cases, changes, explained := 0, 0, 0
	for _, d := range dirs {
		name := filepath.Base(d)
		spec, err1 := os.ReadFile(filepath.Join(d, name+".spec"))
		want, err2 := os.ReadFile(filepath.Join(d, "expected"))
		cfgData, err3 := os.ReadFile(filepath.Join(d, "autopatch", name+".yaml"))
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		cfg, err := ParseBytes(name+".yaml", cfgData)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cases++
		res := Explain([]*Config{cfg}, &source.Package{SpecName: name + ".spec", Spec: spec}, &source.Package{SpecName: "expected", Spec: want}, nil)
		for _, c := range res.Changes {
			changes++
			if c.Explained() {
				explained++
				continue
			}
			t.Logf("%s: unexplained %s %s:%d %q %s", name, c.Kind, c.File, c.Line, c.Text, c.Note)
		}
		for _, a := range res.Unused {
			t.Logf("%s: unused %s at %s", name, a.Kind(), a.Pos())
		}
	}
	t.Logf("%d cases, %d changed lines, %d explained (%.1f%%)", cases, changes, explained, 100*float64(explained)/float64(max(changes, 1)))
}
