package patchset_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/specfile"
)

// TestDetectStripAgainstSpecs checks that DetectStrip yields the same
// path as the -p level the corpus specs apply each patch with (%patch / %autosetup plans, read by
// package specfile). Beyond -p1 (expat's -p2) DetectStrip does not guess;
// those files are checked through PathSimilarity instead.
func TestDetectStripAgainstSpecs(t *testing.T) {
	corpus := testenv.Corpus(t)
	specs, _ := filepath.Glob(filepath.Join(corpus, "*", "*", "*", "*.spec"))
	if len(specs) == 0 {
		t.Fatal("no specs in the corpus")
	}
	total, agree, deep := 0, 0, 0
	for _, sp := range specs {
		data, err := os.ReadFile(sp)
		if err != nil {
			t.Fatal(err)
		}
		preset := "el9"
		switch {
		case strings.Contains(sp, "/fedora/") && strings.Contains(sp, "rawhide"):
			preset = "fedora"
		case strings.Contains(sp, "el8") || strings.Contains(sp, "el-8"):
			preset = "el8"
		case strings.Contains(sp, "el7") || strings.Contains(sp, "el6"):
			preset = "el8" // closest preset; the %patch lines are what matter
		}
		target, err := specfile.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := specfile.ParseBytes(sp, data, specfile.Options{Target: target})
		if err != nil {
			t.Logf("%s: not checked: %v", sp, err) // specfile's concern
			continue
		}
		dir := filepath.Dir(sp)
		for _, ap := range spec.Plan {
			// git apply / git am (%autosetup -S git) strip 1 unless told.
			gitApply := ap.Form == "shell" && (strings.Contains(ap.Text, "git apply") || strings.Contains(ap.Text, "git am"))
			if (strings.HasPrefix(ap.SCM, "git") || gitApply) && !strings.Contains(ap.Text, "-p") {
				ap.Strip = 1
			}
			pdata, err := os.ReadFile(filepath.Join(dir, ap.File))
			if err != nil {
				continue
			}
			ps, err := patchset.ParseBytes(ap.File, pdata)
			if err != nil {
				continue
			}
			for _, p := range ps {
				for _, f := range p.Files {
					if ap.Strip > 1 {
						deep++
						got := patchset.NormalizePath(f.NewName, ap.Strip)
						auto := patchset.NormalizePath(f.NewName, patchset.DetectStrip(f.OldName, f.NewName))
						if patchset.PathSimilarity(got, auto) != 1 {
							t.Errorf("%s %s: -p%d path %q not a suffix of detected %q", sp, ap.File, ap.Strip, got, auto)
						}
						continue
					}
					total++
					name := f.NewName
					if name == "/dev/null" {
						name = f.OldName
					}
					s := patchset.DetectStrip(f.OldName, f.NewName)
					if patchset.NormalizePath(name, s) == patchset.NormalizePath(name, ap.Strip) {
						agree++
					} else {
						t.Logf("%s: %s: %q %q: detected -p%d, spec -p%d", filepath.Base(dir), ap.File, f.OldName, f.NewName, s, ap.Strip)
					}
				}
			}
		}
	}
	t.Logf("DetectStrip agrees with the specs on %d of %d file sections (%d more applied deeper than -p1)", agree, total, deep)
	if total < 500 || agree*100 < total*98 {
		t.Errorf("agreement %d/%d under 98%%", agree, total)
	}
}
