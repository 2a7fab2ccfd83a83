package patchset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

// TestParseContextDiffMatchesUnified: GNU diff -c and diff -u of the same
// random file pairs parse to the same hunks.
func TestParseContextDiffMatchesUnified(t *testing.T) {
	diff := testenv.Tool(t, "diff", "apt-get install -y diffutils")
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"a", "b", "c", "d", "e", "f", "  g", "- h", "! i", "+ j", "", "*** k", "--- l"}
	randFile := func() string {
		var sb strings.Builder
		for n := r.IntN(30); n > 0; n-- {
			sb.WriteString(words[r.IntN(len(words))] + "\n")
		}
		s := sb.String()
		if r.IntN(8) == 0 && len(s) > 0 {
			s = s[:len(s)-1] // no final newline
		}
		return s
	}
	mutate := func(s string) string {
		lines := strings.SplitAfter(s, "\n")
		var out []string
		for _, l := range lines {
			switch r.IntN(6) {
			case 0:
				continue
			case 1:
				out = append(out, words[r.IntN(len(words))]+"\n")
			}
			out = append(out, l)
		}
		return strings.Join(out, "")
	}
	hunks := func(ps []*Patch) []*Hunk {
		var hs []*Hunk
		for _, p := range ps {
			for _, f := range p.Files {
				hs = append(hs, f.Hunks...)
			}
		}
		return hs
	}
	compared := 0
	for k := 0; k < 150; k++ {
		a, b := randFile(), mutate(randFile())
		if k%2 == 0 {
			b = mutate(a)
		}
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(pa, []byte(a), 0o644)
		os.WriteFile(pb, []byte(b), 0o644)
		ctxN := fmt.Sprint(r.IntN(4))
		out := func(flag string) []byte {
			o, err := exec.Command(diff, flag, ctxN, pa, pb).Output()
			if err != nil && len(o) == 0 {
				return nil // no difference
			}
			return o
		}
		cd, ud := out("-C"), out("-U")
		if cd == nil || ud == nil {
			continue
		}
		cps, err := ParseBytes("context", cd)
		if err != nil {
			t.Fatalf("%v\n%s", err, cd)
		}
		ups, err := ParseBytes("unified", ud)
		if err != nil {
			t.Fatalf("%v\n%s", err, ud)
		}
		ch, uh := hunks(cps), hunks(ups)
		for _, h := range append(ch, uh...) {
			h.Line, h.Section = 0, ""
		}
		if d := cmp.Diff(uh, ch); d != "" {
			t.Fatalf("-C %s: unified vs context (-unified +context):\n%s\ncontext diff:\n%s\nunified diff:\n%s", ctxN, d, cd, ud)
		}
		compared++
	}
	if compared < 100 {
		t.Errorf("only %d diffs compared", compared)
	}
}
