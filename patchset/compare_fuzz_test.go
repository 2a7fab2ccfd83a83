package patchset

import (
	"context"
	"testing"
)

func FuzzCompare(f *testing.F) {
	var seeds [][]byte
	fuzzSeeds(f, func(d []byte) { seeds = append(seeds, d) })
	for i := range seeds {
		f.Add(seeds[i], seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, da, db []byte) {
		pa := parseForFuzz(t, "a", da)
		pb := parseForFuzz(t, "b", db)
		var a, b *Patch
		if len(pa) > 0 {
			a = pa[0]
		}
		if len(pb) > 0 {
			b = pb[0]
		}
		c := Compare(a, b)
		r := Compare(b, a)
		for _, x := range []Comparison{c, r} {
			if x.Score < 0 || x.Score > 1 || x.InA < 0 || x.InA > 1 || x.InB < 0 || x.InB > 1 {
				t.Fatalf("out of range: %+v", x)
			}
			if x.Verdict < Unrelated || x.Verdict > Identical {
				t.Fatalf("verdict %d", x.Verdict)
			}
		}
		if c.Verdict != r.Verdict {
			t.Fatalf("asymmetric verdict %s vs %s", c.Verdict, r.Verdict)
		}
		if a != nil && len(ChangesFromPatch(a, -1)) > 0 {
			if s := Compare(a, a); s.Verdict != Identical {
				t.Fatalf("self comparison %s", s.Verdict)
			}
		}
		pairs, err := PairChanges(context.Background(),
			[][]FileChange{ChangesFromPatches(pa, -1), ChangesFromPatch(a, 0)},
			[][]FileChange{ChangesFromPatches(pb, -1)}, PairOptions{})
		if err != nil || len(pairs) < 2 {
			t.Fatalf("pairs %v %v", pairs, err)
		}
	})
}
