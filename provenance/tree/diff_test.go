package tree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
)

var diffBase = treetest.Files{
	"keep.c":      {Data: treetest.Numbered("", 50, nil)},
	"mod.c":       {Data: treetest.Numbered("", 200, nil)},
	"head.c":      {Data: treetest.Numbered("", 20, nil)},
	"gone.c":      {Data: "old\nfile\n"},
	"moved/a.txt": {Data: "moved content\nsecond line\n"},
	"mode.sh":     {Data: "#!/bin/sh\n"},
	"eol.txt":     {Data: "a\nb"},
	"ln":          {Data: "keep.c", Link: true},
	"crlf.txt":    {Data: "one\r\ntwo\r\n"},
}

var diffTarget = treetest.Files{
	"keep.c":      {Data: treetest.Numbered("", 50, nil)},
	"mod.c":       {Data: treetest.Numbered("", 200, map[int]string{10: "changed 10\n", 11: "", 100: "line 100\nadded after 100\n", 150: "changed 150\n", 153: "changed 153\n"})},
	"head.c":      {Data: "new first\n" + treetest.Numbered("", 20, map[int]string{20: "last changed\n"})},
	"new.c":       {Data: "brand\nnew\n"},
	"moved/b.txt": {Data: "moved content\nsecond line\n"},
	"mode.sh":     {Data: "#!/bin/sh\n", Exec: true},
	"eol.txt":     {Data: "a\nb\n"},
	"ln":          {Data: "mod.c", Link: true},
	"crlf.txt":    {Data: "one\r\n2\r\n"},
}

// TestDiffGitApply: the diff, written as a patch, turns the base into the
// target under git apply (the oracle); unchanged treetest.Files are not read.
func TestDiffGitApply(t *testing.T) {
	gitBin := testenv.Git(t)
	base := &countingTree{Tree: FS("base", diffBase.MapFS(), Limits{})}
	target := &countingTree{Tree: FS("target", diffTarget.MapFS(), Limits{})}
	res, err := Diff(context.Background(), base, target, DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 1 || base.read["keep.c"] || target.read["keep.c"] {
		t.Errorf("unchanged %d, keep.c read: base %v target %v", res.Unchanged, base.read["keep.c"], target.read["keep.c"])
	}
	if base.read["moved/a.txt"] || target.read["moved/b.txt"] {
		t.Errorf("an exact rename was read")
	}
	var patch bytes.Buffer
	if _, err := res.WriteTo(&patch); err != nil {
		t.Fatal(err)
	}
	dir := treetest.WriteDir(t, diffBase)
	cmd := exec.Command(gitBin, "apply", "--whitespace=nowarn", "-")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(patch.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\npatch:\n%s", err, out, patch.String())
	}
	got, err := Dir(dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(got)
	want := entriesOf(t, FS("target", diffTarget.MapFS(), Limits{}))
	have := entriesOf(t, got)
	if len(have) != len(want) {
		t.Fatalf("after git apply: %d entries, want %d", len(have), len(want))
	}
	for i := range want {
		if have[i].Path != want[i].Path || have[i].ID != want[i].ID || have[i].Mode != want[i].Mode {
			t.Errorf("after git apply: %+v, want %+v", have[i], want[i])
		}
	}
	// Hunks carry target line numbers: the new side of every hunk is the
	// target's text at NewStart.
	for _, f := range res.Files {
		if f.IsDelete || f.IsBinary {
			continue
		}
		tf := diffTarget[f.Path(1)]
		lines, _ := splitLines([]byte(tf.Data))
		for _, h := range f.Hunks {
			n := h.NewStart
			if h.NewLines == 0 {
				continue
			}
			for _, l := range h.Lines {
				if l.Op == '-' {
					continue
				}
				if n < 1 || n > len(lines) || lines[n-1] != l.Text {
					t.Errorf("%s: hunk @%d: target line %d is not %q", f.Path(1), h.NewStart, n, l.Text)
				}
				n++
			}
		}
	}
	if res.Lines() != lineCount(t, gitBin, patch.Bytes()) {
		t.Errorf("Lines() = %d, the patch has %d", res.Lines(), lineCount(t, gitBin, patch.Bytes()))
	}
	fcs := patchset.ChangesFromPatch(res.Patch(), 1)
	if len(fcs) != len(res.Files) || fcs[0].Path != "crlf.txt" {
		t.Errorf("fingerprints: %d treetest.Files, first %q", len(fcs), fcs[0].Path)
	}
}

// lineCount counts added and removed lines with git apply --numstat.
func lineCount(t *testing.T, gitBin string, patch []byte) int {
	cmd := exec.Command(gitBin, "apply", "--numstat", "-")
	// Outside any repository: inside one, git apply ignores paths outside
	// the working directory.
	cmd.Dir, cmd.Stdin = t.TempDir(), bytes.NewReader(patch)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var a, r int
		fmt.Sscanf(l, "%d\t%d", &a, &r)
		n += a + r
	}
	return n
}

// countingTree records which paths were read.
type countingTree struct {
	Tree
	read map[string]bool
}

func (c *countingTree) Read(ctx context.Context, paths []string, fn func(string, []byte) error) error {
	if c.read == nil {
		c.read = map[string]bool{}
	}
	for _, p := range paths {
		c.read[p] = true
	}
	return c.Tree.Read(ctx, paths, fn)
}

// TestDiffTarballAgainstGit compares a git commit with a compressed
// tarball of a changed copy, and a binary change.
func TestDiffTarballAgainstGit(t *testing.T) {
	r := treetest.NewRepo(t)
	base := treetest.Files{"a.c": {Data: treetest.Numbered("", 30, nil)}, "img.bin": {Data: "\x00old"}, "same.c": {Data: "same\n"}, "win.sln": {Data: "a\nb\n"}}
	r.Commit("base", base)
	// git archive converts win.sln's line endings (.gitattributes eol).
	target := treetest.Files{"a.c": {Data: treetest.Numbered("", 30, map[int]string{15: "fifteen\n"})}, "img.bin": {Data: "\x00new"}, "same.c": {Data: "same\n"}, "win.sln": {Data: "a\r\nb\r\n"}}
	tb := memTarball("t.tar.zst", treetest.Compress(t, "zst", treetest.Tar(t, "proj-1.0", target)), Limits{}, nil)
	res, err := Diff(context.Background(), Git(r.Repo, "HEAD", Limits{}), tb, DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || res.Unchanged != 1 || len(res.LineEndings) != 1 || res.LineEndings[0] != "win.sln" {
		t.Fatalf("treetest.Files %d unchanged %d line endings %q", len(res.Files), res.Unchanged, res.LineEndings)
	}
	a, bin := res.Files[0], res.Files[1]
	if len(a.Hunks) != 1 || a.Hunks[0].NewStart != 12 || a.Hunks[0].Lines[3].Op != '-' || a.Hunks[0].Lines[4].Text != "fifteen" {
		t.Errorf("a.c hunks: %+v", a.Hunks)
	}
	if !bin.IsBinary || len(bin.Hunks) != 0 {
		t.Errorf("img.bin: %+v", bin)
	}
	fc := patchset.ChangesFromPatch(&patchset.Patch{Files: []*patchset.File{bin}}, 1)
	if len(fc) != 1 || len(fc[0].Lines) != 1 || !strings.HasPrefix(fc[0].Lines[0].Text, "\x00binary:") {
		t.Errorf("binary fingerprint: %+v", fc)
	}
}

// TestDiffUnrelated: a base that shares nothing with the target is an
// error naming both; AllowUnrelated compares anyway.
func TestDiffUnrelated(t *testing.T) {
	base := FS("base-dir", treetest.Files{"x/1": {Data: "1"}, "x/2": {Data: "2"}}.MapFS(), Limits{})
	target := FS("target-dir", treetest.Files{"y/1": {Data: "1\n"}, "y/2": {Data: "2\n"}, "y/3": {Data: "3\n"}}.MapFS(), Limits{})
	_, err := Diff(context.Background(), base, target, DiffOptions{})
	if !errors.Is(err, ErrUnrelated) || !strings.Contains(err.Error(), "base-dir") || !strings.Contains(err.Error(), "target-dir") {
		t.Fatalf("err = %v", err)
	}
	res, err := Diff(context.Background(), base, target, DiffOptions{AllowUnrelated: true})
	if err != nil || len(res.Files) != 5 {
		t.Fatalf("AllowUnrelated: %v, %d files", err, len(res.Files))
	}
}

// TestDiffLargeFile: a long file with scattered changes diffs into small
// hunks quickly.
func TestDiffLargeFile(t *testing.T) {
	repl := map[int]string{}
	for i := 7; i < 100000; i += 997 {
		repl[i] = fmt.Sprintf("changed %d\n", i)
	}
	base := FS("b", treetest.Files{"big.c": {Data: treetest.Numbered("", 100000, nil)}}.MapFS(), Limits{})
	target := FS("t", treetest.Files{"big.c": {Data: treetest.Numbered("", 100000, repl)}}.MapFS(), Limits{})
	res, err := Diff(context.Background(), base, target, DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Files[0].Hunks); got != len(repl) {
		t.Fatalf("%d hunks, want %d", got, len(repl))
	}
	if res.Lines() != 2*len(repl) {
		t.Fatalf("%d lines, want %d", res.Lines(), 2*len(repl))
	}
}
