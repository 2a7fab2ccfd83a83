package patchset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchtrace/patchtrace/input"
)

// addFixtureSeeds adds every file under testdata/parse and testdata/patchid
// to f's seed corpus.
func addFixtureSeeds(f *testing.F) {
	for _, dir := range []string{"parse", "patchid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("--- a\n+++ b\n@@ -1,3 +1 @@\n-a\n"))
	f.Add([]byte("diff --git a/x b/x\nGIT binary patch\nliteral 3\n"))
	f.Add([]byte("From 0123456789abcdef0123456789abcdef01234567 x\n\x00\n"))
}

func FuzzParse(f *testing.F) {
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParseBytes("fuzz", data)
		if err != nil {
			var pe *input.Error
			if !errors.As(err, &pe) || pe.Pos.File != "fuzz" {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		if !bytes.Equal(joinBytes(ps), data) {
			t.Fatal("Bytes() of the patches do not give back the input")
		}
		for _, p := range ps {
			for _, fl := range p.Files {
				fl.Path(-1)
				fl.Path(3)
				for _, h := range fl.Hunks {
					old, nw := 0, 0
					for _, l := range h.Lines {
						if l.Op != '+' {
							old++
						}
						if l.Op != '-' {
							nw++
						}
					}
					if old != h.OldLines || nw != h.NewLines {
						t.Fatalf("hunk at line %d holds %d/%d lines, header says %d/%d", h.Line, old, nw, h.OldLines, h.NewLines)
					}
				}
			}
			p.PatchID(PatchIDStable)
		}
	})
}
