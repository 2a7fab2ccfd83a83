package specfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzEditor runs every edit on arbitrary specs: none may panic, and an
// edit that succeeds must leave a spec that parses.
func FuzzEditor(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "edit", "*.spec"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, 3)
		}
	}
	tg, _ := Preset("el9")
	f.Fuzz(func(t *testing.T, data []byte, num int) {
		if len(data) > 1<<16 {
			return
		}
		opts := Options{Target: tg}
		e, err := NewEditor("f.spec", data, opts)
		if err != nil {
			return
		}
		if n, err := e.AddPatch("fuzz.patch", []string{"fuzz"}, PatchOptions{}); err == nil {
			_ = e.RemovePatch(n)
		}
		_ = e.RemovePatch(num)
		_ = e.SetReleaseSuffix(".fuzz.1")
		_ = e.AddChangelogEntry(ChangelogEntry{Date: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Author: "F", Text: "- f"})
		if _, err := ParseBytes("f.spec", e.Bytes(), opts); err != nil {
			t.Fatalf("edited spec does not parse: %v", err)
		}
	})
}
