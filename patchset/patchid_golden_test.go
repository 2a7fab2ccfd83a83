package patchset

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPatchIDGolden checks the quirk fixtures in testdata/patchid against
// the output git 2.39.5 printed for them (files <name>.<mode>), so the
// quirks stay pinned where git is not installed; where it is, the fixtures
// are also checked against it.
func TestPatchIDGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "patchid", "*.patch"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range allModes {
			want, err := os.ReadFile(f + "." + strings.TrimPrefix(mode.String(), "--"))
			if err != nil {
				t.Fatal(err)
			}
			if got := ourPatchID(t, in, mode); !bytes.Equal(got, want) {
				t.Errorf("%s %s:\n%s", f, mode, firstDiff(got, want))
			}
		}
	}
}
