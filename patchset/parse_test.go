package patchset

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

// corpusPatches returns every .patch/.diff file under the corpus.
func corpusPatches(t testing.TB) []string {
	t.Helper()
	root := testenv.Corpus(t)
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".patch") || strings.HasSuffix(p, ".diff")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("corpus holds only %d patch files", len(out))
	}
	return out
}

func joinBytes(ps []*Patch) []byte {
	var b bytes.Buffer
	for _, p := range ps {
		b.Write(p.Bytes())
	}
	return b.Bytes()
}

func TestParseCorpusRoundTrip(t *testing.T) {
	files, hunks := 0, 0
	for _, path := range corpusPatches(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseBytes(path, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if got := joinBytes(ps); !bytes.Equal(got, data) {
			t.Errorf("%s: Bytes() of %d patches do not give back the file (%d vs %d bytes)", path, len(ps), len(got), len(data))
		}
		nf := 0
		for _, p := range ps {
			nf += len(p.Files)
			for _, f := range p.Files {
				hunks += len(f.Hunks)
			}
		}
		if nf == 0 {
			t.Errorf("%s: no file sections found", path)
		}
		files += nf
	}
	t.Logf("%d file sections, %d hunks", files, hunks)
}

func TestParseErrorsCarryPosition(t *testing.T) {
	cases := []struct {
		in   string
		want error
		line int
	}{
		{"--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n", ErrTruncatedHunk, 5},
		{"--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n a\n b\n", nil, 0},
		{"--- a/x\n+++ b/x\n@@ -1,1 +1,2 @@\n a\n-b\n", ErrHunkCount, 5},
		{"--- a/x\n+++ b/x\n@@ -1,x +1,2 @@\n a\n", ErrHunkHeader, 3},
		{"diff --git a/x b/x\nGIT binary patch\n", ErrBinaryPatch, 2},
		{"", nil, 0},
		{"\n", nil, 0},
		{"From 0123456789abcdef0123456789abcdef01234567 x\n", nil, 0},
	}
	for _, c := range cases {
		_, err := ParseBytes("t.patch", []byte(c.in))
		if c.want == nil {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
			}
			continue
		}
		var pe *input.Error
		if !errors.Is(err, c.want) || !errors.As(err, &pe) || pe.Pos.Line != c.line || pe.Pos.File != "t.patch" {
			t.Errorf("%q: err = %v, want %v at t.patch:%d", c.in, err, c.want, c.line)
		}
	}
}

func TestParseProseDiffLineInMessage(t *testing.T) {
	in := "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: x\n\n" +
		"diff between the two releases is small.\n---\n" +
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
	ps, err := ParseBytes("m", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps[0].Files) != 1 || ps[0].Header.Message != "diff between the two releases is small." {
		t.Errorf("files %d, message %q", len(ps[0].Files), ps[0].Header.Message)
	}
}

func TestParsePreambleBeforeMbox(t *testing.T) {
	in := "This backport is needed for RHEL (CVE-2023-0001).\n\n" +
		"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.com>\nSubject: [PATCH] fix\n\n---\n" +
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
	ps, err := ParseBytes("p", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Header.CommitID != "0123456789abcdef0123456789abcdef01234567" || ps[0].Header.Subject != "fix" || ps[0].Line != 3 {
		t.Errorf("got %d patches, first %+v at line %d", len(ps), ps[0].Header, ps[0].Line)
	}
	if string(joinBytes(ps)) != in {
		t.Error("bytes not kept")
	}
	if h := HintsOf(ps[0].Header.Hints, HintCVE); len(h) != 1 || h[0].Line != 1 {
		t.Errorf("preamble hints %+v", h)
	}
}
