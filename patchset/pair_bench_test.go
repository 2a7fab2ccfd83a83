package patchset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// benchRand is a small deterministic xorshift generator.
type benchRand uint64

func (r *benchRand) intn(n int) int {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = benchRand(x)
	return int(x % uint64(n))
}

// distinctCorpusPatches returns every distinct (by content digest) patch file of
// the corpus, each as one Patch (mbox parts' files concatenated), in a
// stable order, plus their total size in bytes.
func distinctCorpusPatches(tb testing.TB) ([]*Patch, int64) {
	tb.Helper()
	root := testenv.Corpus(tb)
	var names []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".patch") || strings.HasSuffix(p, ".diff")) {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(names)
	seen := map[string]bool{}
	var out []*Patch
	var size int64
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		ps, err := ParseBytes(n, data)
		if err != nil || len(ps) == 0 {
			continue
		}
		p := &Patch{Header: ps[0].Header}
		for _, q := range ps {
			p.Files = append(p.Files, q.Files...)
		}
		d := Digest(ChangesFromPatch(p, -1))
		if seen[d] || len(p.Files) == 0 {
			continue
		}
		seen[d] = true
		size += int64(len(data))
		out = append(out, p)
	}
	return out, size
}

// clonePatch deep-copies the parts of p that mutations touch.
func clonePatch(p *Patch) *Patch {
	q := &Patch{Header: p.Header}
	for _, f := range p.Files {
		g := *f
		g.Hunks = nil
		for _, h := range f.Hunks {
			k := *h
			k.Lines = slices.Clone(h.Lines)
			g.Hunks = append(g.Hunks, &k)
		}
		q.Files = append(q.Files, &g)
	}
	return q
}

// mutate changes a few lines of p the way a rebase with adaptations does:
// shifts offsets and edits some changed lines.
func mutate(p *Patch, r *benchRand, tag int) *Patch {
	q := clonePatch(p)
	for _, f := range q.Files {
		for _, h := range f.Hunks {
			h.OldStart += 7
			h.NewStart += 9
			for k := range h.Lines {
				if h.Lines[k].Op != ' ' && r.intn(8) == 0 {
					h.Lines[k].Text += fmt.Sprintf(" /* v%d */", tag)
				}
			}
		}
	}
	return q
}

// splitPatch splits p into two patches by hunks (or files).
func splitPatch(p *Patch) (*Patch, *Patch) {
	a, b := &Patch{Header: p.Header}, &Patch{Header: p.Header}
	n := 0
	for _, f := range p.Files {
		n += len(f.Hunks)
	}
	k := 0
	for _, f := range p.Files {
		fa, fb := *f, *f
		fa.Hunks, fb.Hunks = nil, nil
		for _, h := range f.Hunks {
			if k < n/2 {
				fa.Hunks = append(fa.Hunks, h)
			} else {
				fb.Hunks = append(fb.Hunks, h)
			}
			k++
		}
		if len(fa.Hunks) > 0 {
			a.Files = append(a.Files, &fa)
		}
		if len(fb.Hunks) > 0 {
			b.Files = append(b.Files, &fb)
		}
	}
	return a, b
}

// benchSeries builds two realistic n-patch series: a from corpus patches
// (topped up with rebased variants when the corpus has fewer), b from a
// shuffled, with 10% dropped, 10% added, 20% rebased with edits, 4% split
// in two; unchanged members keep their content but get other numbers.
func benchSeries(tb testing.TB, n int) (a, b []*Patch) {
	pool, _ := distinctCorpusPatches(tb)
	r := benchRand(12345)
	for i := 0; len(a) < n; i++ {
		p := pool[i%len(pool)]
		if i >= len(pool) {
			p = mutate(p, &r, i)
		}
		a = append(a, p)
	}
	for i, p := range a {
		switch x := r.intn(100); {
		case x < 10: // dropped
		case x < 30:
			b = append(b, mutate(p, &r, 1000+i))
		case x < 34:
			s1, s2 := splitPatch(p)
			b = append(b, s1, s2)
		default:
			b = append(b, p)
		}
	}
	for i := 0; i < n/10; i++ {
		b = append(b, mutate(pool[r.intn(len(pool))], &r, 5000+i))
	}
	for i := len(b) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return a, b
}

func BenchmarkPairSeries500(b *testing.B) {
	sa, sb := benchSeries(b, 500)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		PairSeries(sa, sb, PairOptions{})
	}
	b.ReportMetric(float64(len(sa)), "patchesA")
	b.ReportMetric(float64(len(sb)), "patchesB")
}

// BenchmarkPairChanges500 is PairSeries without the fingerprinting.
func BenchmarkPairChanges500(b *testing.B) {
	sa, sb := benchSeries(b, 500)
	ca := make([][]FileChange, len(sa))
	for i, p := range sa {
		ca[i] = ChangesFromPatch(p, -1)
	}
	cb := make([][]FileChange, len(sb))
	for i, p := range sb {
		cb[i] = ChangesFromPatch(p, -1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := PairChanges(context.Background(), ca, cb, PairOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchSeriesPairing checks that the benchmark's series pair as they
// were built (so the benchmark measures real work), and logs a summary.
func TestBenchSeriesPairing(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	sa, sb := benchSeries(t, 500)
	pairs := PairSeries(sa, sb, PairOptions{})
	kinds := map[PairKind]int{}
	verdicts := map[Verdict]int{}
	for _, p := range pairs {
		kinds[p.Kind]++
		if p.Kind == Matched {
			verdicts[p.Verdict]++
		}
	}
	t.Logf("A %d, B %d: kinds %v, matched verdicts %v", len(sa), len(sb), kinds, verdicts)
	// Built: ~10% dropped, ~10% added, ~4% split; the rest pair up.
	if kinds[Matched] < 400 || kinds[Dropped] < 25 || kinds[Added] < 25 || kinds[SplitPart] < 5 {
		t.Errorf("unexpected pairing: %v", kinds)
	}
}

func BenchmarkChangesFromPatch(b *testing.B) {
	pool, size := distinctCorpusPatches(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pool {
			ChangesFromPatch(p, -1)
		}
	}
}

func BenchmarkChangeFromBlobs(b *testing.B) {
	old, err := os.ReadFile(testenv.CorpusFile(b, "openela/openssl/el9/openssl.spec"))
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.SplitAfter(string(old), "\n")
	r := benchRand(99)
	for k := 0; k < 40; k++ {
		i := r.intn(len(lines))
		lines[i] = "changed " + lines[i]
	}
	newData := []byte(strings.Join(lines, ""))
	b.SetBytes(int64(len(old) + len(newData)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ChangeFromBlobs("openssl.spec", old, newData)
	}
}

func BenchmarkCompareRebased(b *testing.B) {
	x := loadCorpus(b, "openela/curl/el8/0051-curl-7.61.1-CVE-2023-28321.patch")[0]
	y := loadCorpus(b, "openela/curl/el9/0031-curl-7.76.1-CVE-2023-28321.patch")[0]
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Compare(x, y)
	}
}

// loadMboxEnv parses the mbox named by the environment variable env, or
// skips (scripts/bench-pair.sh sets these; they are not oracles).
func loadMboxEnv(tb testing.TB, env string) []*Patch {
	tb.Helper()
	name := os.Getenv(env)
	if name == "" {
		tb.Skipf("$%s not set (run scripts/bench-pair.sh)", env)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	ps, err := ParseBytes(name, data)
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

// BenchmarkPairMbox pairs the two format-patch series named by
// $PATCHTRACE_PAIR_A and $PATCHTRACE_PAIR_B, parsing included, for the
// comparison with git range-diff in scripts/bench-pair.sh.
func BenchmarkPairMbox(b *testing.B) {
	for _, env := range []string{"PATCHTRACE_PAIR_A", "PATCHTRACE_PAIR_B"} {
		if os.Getenv(env) == "" {
			b.Skipf("$%s not set (run scripts/bench-pair.sh)", env)
		}
	}
	da, err := os.ReadFile(os.Getenv("PATCHTRACE_PAIR_A"))
	if err != nil {
		b.Fatal(err)
	}
	db, err := os.ReadFile(os.Getenv("PATCHTRACE_PAIR_B"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(da) + len(db)))
	for b.Loop() {
		pa, err := ParseBytes("a", da)
		if err != nil {
			b.Fatal(err)
		}
		pb, err := ParseBytes("b", db)
		if err != nil {
			b.Fatal(err)
		}
		PairSeries(pa, pb, PairOptions{})
	}
}

var rangeDiffLine = regexp.MustCompile(`^\s*(\d+|-):\s+\S+\s+([=!<>])\s+(\d+|-):`)

// TestPairMboxAgreesWithRangeDiff compares PairSeries with git range-diff's
// output ($PATCHTRACE_RANGE_DIFF) on the series of scripts/bench-pair.sh,
// and both with the truth: the generator gives every change the subject
// "change K" on both sides.
func TestPairMboxAgreesWithRangeDiff(t *testing.T) {
	a := loadMboxEnv(t, "PATCHTRACE_PAIR_A")
	b := loadMboxEnv(t, "PATCHTRACE_PAIR_B")
	rd := os.Getenv("PATCHTRACE_RANGE_DIFF")
	if rd == "" {
		t.Skip("$PATCHTRACE_RANGE_DIFF not set")
	}
	out, err := os.ReadFile(rd)
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[[2]int]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		m := rangeDiffLine.FindStringSubmatch(l)
		if m == nil || (m[2] != "=" && m[2] != "!") {
			continue
		}
		var i, j int
		fmt.Sscan(m[1], &i)
		fmt.Sscan(m[3], &j)
		theirs[[2]int{i - 1, j - 1}] = true
	}
	truth := map[[2]int]bool{}
	for i := range a {
		for j := range b {
			if a[i].Header.Subject == b[j].Header.Subject {
				truth[[2]int{i, j}] = true
			}
		}
	}
	ours := map[[2]int]bool{}
	for _, p := range PairSeries(a, b, PairOptions{}) {
		if p.Kind == Matched {
			ours[[2]int{p.A, p.B}] = true
		}
	}
	count := func(x, y map[[2]int]bool) int {
		n := 0
		for k := range x {
			if y[k] {
				n++
			}
		}
		return n
	}
	t.Logf("true pairs %d; range-diff pairs %d (%d true); ours %d (%d true); ours and range-diff agree on %d",
		len(truth), len(theirs), count(theirs, truth), len(ours), count(ours, truth), count(ours, theirs))
	if count(ours, truth) < len(truth)*95/100 || len(ours)-count(ours, truth) > len(truth)/100 {
		t.Errorf("pairing recall or precision under 95%%/99%%")
	}
}

// BenchmarkCompareLargeEvolved compares two very different versions of a
// large patch (Fedora's and RHEL's Remove-EC-curves, 3827 vs 148 changed
// lines): the worst case for character-level matching.
func BenchmarkCompareLargeEvolved(b *testing.B) {
	x := ChangesFromPatches(loadCorpus(b, "fedora/openssl/rawhide/0011-Remove-EC-curves.patch"), -1)
	y := ChangesFromPatches(loadCorpus(b, "openela/openssl/el9/0011-Remove-EC-curves.patch"), -1)
	b.ReportAllocs()
	for b.Loop() {
		CompareChanges(x, y)
	}
}
