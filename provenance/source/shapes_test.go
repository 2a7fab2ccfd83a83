package source

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteShapes writes the hostile input shapes of issue 14 into
// $PATCHTRACE_SHAPES_DIR, for scripts/mem-shapes.sh to measure peak RSS
// on (it skips when the variable is unset: the files take 1.3 GB):
//
//   - srpm-20x60MiB.src.rpm: an SRPM of 20 zero-filled 60 MiB .patch
//     members (1.2 GiB expanded, beyond the 1 GiB default kept cap);
//   - spec-1e6-patches/: a flat package whose spec has 1e6 PatchN: lines
//     (26 MB, under the 64 MiB spec cap);
//   - patch-1e6-hunks/: a flat package with one patch of 1e6 hunks (29 MB).
func TestWriteShapes(t *testing.T) {
	dir := os.Getenv("PATCHTRACE_SHAPES_DIR")
	if dir == "" {
		t.Skip("PATCHTRACE_SHAPES_DIR not set (scripts/mem-shapes.sh sets it)")
	}
	files := []testFile{{name: "pkg.spec", data: "Name: pkg\nVersion: 1.0\nRelease: 1\n", spec: true}}
	for i := range 20 {
		files = append(files, testFile{name: fmt.Sprintf("%04d-zeros.patch", i+1), size: 60 << 20})
	}
	write := func(name string, fn func(w io.Writer) error) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := fn(bw); err != nil {
			t.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write("srpm-20x60MiB.src.rpm", func(w io.Writer) error {
		return writeSRPM(w, nil, files, srpmOptions{stream: func(w io.Writer) io.WriteCloser {
			zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			return zw
		}})
	})
	const preamble = "Name: big\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
	const prep = "%description\nd\n%prep\n%autosetup -p1\n"
	write("spec-1e6-patches/big.spec", func(w io.Writer) error {
		io.WriteString(w, preamble)
		for i := 1; i <= 1e6; i++ {
			fmt.Fprintf(w, "Patch%d: %d.patch\n", i, i)
		}
		_, err := io.WriteString(w, prep)
		return err
	})
	write("patch-1e6-hunks/hunks.spec", func(w io.Writer) error {
		_, err := io.WriteString(w, preamble+"Patch0: big.patch\n"+prep)
		return err
	})
	write("patch-1e6-hunks/big.patch", func(w io.Writer) error {
		io.WriteString(w, "diff --git a/f b/f\n--- a/f\n+++ b/f\n")
		for i := 1; i <= 1e6; i++ {
			fmt.Fprintf(w, "@@ -%d +%d @@\n-a\n+b\n", 3*i, 3*i)
		}
		return nil
	})
}
