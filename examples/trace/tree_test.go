package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
)

// TestTreeTrace runs -base on a directory base and a tarball target: the
// JSON carries the tree object, the text its summary, and a hostile
// tarball is an input error naming the member.
func TestTreeTrace(t *testing.T) {
	base := treetest.Files{"src/a.c": {Data: treetest.Numbered("a.c", 40, nil)}, "README": {Data: "r\n"}}
	target := treetest.Files{"src/a.c": {Data: treetest.Numbered("a.c", 40, map[int]string{20: "vendor change\n"})}, "README": {Data: "r\n"}}
	dir := t.TempDir()
	tb := filepath.Join(dir, "proj-1.0.tar.gz")
	if err := os.WriteFile(tb, treetest.Compress(t, "gz", treetest.Tar(t, "proj-1.0", target)), 0o644); err != nil {
		t.Fatal(err)
	}
	baseDir := treetest.WriteDir(t, base)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-json", "-base", "upstream=" + baseDir, tb}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc struct {
		Tree struct {
			Base                     string
			Files, Lines, Attributed int
			Changes                  []struct {
				File        string
				Line, Lines int
				Origins     []any
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	tr := doc.Tree
	if tr.Base != "upstream" || tr.Files != 1 || tr.Lines != 2 || tr.Attributed != 0 || len(tr.Changes) != 1 ||
		tr.Changes[0].File != "src/a.c" || tr.Changes[0].Line != 20 || len(tr.Changes[0].Origins) != 0 {
		t.Errorf("tree: %+v", tr)
	}
	out.Reset()
	if code := run(context.Background(), []string{"-base", "upstream=" + baseDir, tb}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "1 files changed, 2 lines") || !strings.Contains(out.String(), "own changes (1") {
		t.Errorf("text:\n%s", out.String())
	}

	bad := filepath.Join(dir, "bad.tar")
	if err := os.WriteFile(bad, treetest.RawTar(t, []treetest.Member{treetest.Reg("p/a", "a"), treetest.Reg("p/../../etc/x", "x")}), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(context.Background(), []string{"-base", "upstream=" + baseDir, bad}, &out, &errb); code != cli.ExitInput ||
		!strings.Contains(errb.String(), `member 2 "p/../../etc/x": path escapes the tree`) {
		t.Errorf("hostile tarball: exit %d, %s", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"-base", "nonsense", tb}, &out, &errb); code != cli.ExitUsage {
		t.Errorf("-base without NAME=: exit %d, %s", code, errb.String())
	}
}
