package patchset

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Series pairing in the spirit of git range-diff: two patch sets (an old
// and a new release of a package, or two rebuilds) are paired as an
// assignment problem, so that renumbered, renamed, rebased, split, squashed,
// dropped and added patches are all accounted for.

// PairKind says what a Pair stands for.
type PairKind int

const (
	// Matched pairs A[A] with B[B].
	Matched PairKind = iota
	// Dropped: A[A] has no counterpart in B.
	Dropped
	// Added: B[B] has no counterpart in A.
	Added
	// SplitPart: B[B] is one more piece of A[A] (A's patch was split; its
	// main piece is A[A]'s Matched pair, if any).
	SplitPart
	// SquashPart: A[A] was folded into B[B] (B squashes several patches of
	// A; the main one is B[B]'s Matched pair, if any).
	SquashPart
)

var pairKindNames = [...]string{"matched", "dropped", "added", "split-part", "squash-part"}

// String returns the kind as a lower-case word.
func (k PairKind) String() string {
	if k >= 0 && int(k) < len(pairKindNames) {
		return pairKindNames[k]
	}
	return "kind(?)"
}

// Pair is one line of a series pairing.
type Pair struct {
	// A and B index the two series; -1 on the side that has no patch.
	A, B int
	// Kind says whether this is a pair, a part, or a patch of one side.
	Kind PairKind
	// Verdict, Direction and Score are CompareChanges of the two patches
	// (zero for Dropped and Added).
	Verdict   Verdict
	Direction Direction
	Score     float64
}

// PairOptions tunes PairSeries. The zero value is ready to use.
type PairOptions struct {
	// CreationFactor is the cost of leaving a patch unpaired, as a
	// fraction of its size (changed lines): two patches are paired only
	// when their difference costs less than creating both from scratch.
	// 0 means 0.6, git range-diff's default --creation-factor=60.
	CreationFactor float64
	// PartThreshold is the fraction of an unpaired patch that must lie in
	// one patch of the other series for it to be reported as a split or
	// squash part. 0 means PartialThreshold (0.8).
	PartThreshold float64
}

// PairSeries pairs the patches of series a with those of series b (paths
// auto-detected, see ChangesFromPatch). See PairChanges.
func PairSeries(a, b []*Patch, opts PairOptions) []Pair {
	ca := make([][]FileChange, len(a))
	cb := make([][]FileChange, len(b))
	parallelFor(len(a)+len(b), func(k int) {
		if k < len(a) {
			ca[k] = ChangesFromPatch(a[k], -1)
		} else {
			cb[k-len(a)] = ChangesFromPatch(b[k-len(a)], -1)
		}
	})
	pairs, _ := PairChanges(context.Background(), ca, cb, opts)
	return pairs
}

// parallelFor runs fn(0..n-1) on up to GOMAXPROCS goroutines; fn must only
// write to its own index's results.
func parallelFor(n int, fn func(k int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for k := 0; k < n; k++ {
			fn(k)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				fn(k)
			}
		}()
	}
	wg.Wait()
}

// seriesItem is the per-patch data PairChanges works on.
type seriesItem struct {
	files  []FileChange
	lines  []LineCount // Merge(files): path-independent
	weight int
	// substantive is false when every changed line is Trivial (braces,
	// punctuation): such a patch is never reported as a part of another.
	substantive bool
	exact       uint64 // 0 when unknown
	digest      string
	bases       []string
}

func newSeriesItem(files []FileChange) seriesItem {
	it := seriesItem{files: files}
	ex := make([]uint64, 0, len(files))
	known := len(files) > 0
	for i := range files {
		fc := &files[i]
		base := baseName(fc.Path)
		if !slices.Contains(it.bases, base) {
			it.bases = append(it.bases, base)
		}
		if fc.ExactHash == 0 {
			known = false
		}
		ex = append(ex, fc.ExactHash)
	}
	it.lines = Merge(files)
	it.weight = Weight(it.lines)
	for _, l := range it.lines {
		if !l.Trivial() {
			it.substantive = true
			break
		}
	}
	if known {
		slices.Sort(ex)
		h := newHasher()
		for _, x := range ex {
			h.int(int(x >> 1))
			h.int(int(x & 1))
		}
		it.exact = h.sum()
	}
	if it.weight > 0 {
		it.digest = Digest(files)
	}
	return it
}

// PairChanges pairs two series given as per-patch changes (one
// []FileChange per patch, e.g. ChangesFromPatches of each file of an mbox
// series). It works in the spirit of git range-diff:
//
//  1. exact matches first: patches with identical diff text, then patches
//     with the same net content (Digest), are paired in series order;
//  2. the others are bucketed by the base names of the files they change
//     and by their rarer changed lines, and only patches sharing a bucket
//     are compared: their shared changed lines give the cost of pairing,
//     size(a) + size(b) - 2*shared, against the cost of leaving each
//     unpaired, CreationFactor*size;
//  3. the assignment with least total cost is found exactly (shortest
//     augmenting paths with potentials, as in Jonker-Volgenant), on the
//     patches that have at least one worthwhile candidate, separately for
//     each connected group of candidates;
//  4. an unpaired patch that lies mostly (PartThreshold) inside one
//     patch of the other series is paired with it when that patch has no
//     partner (a partial backport), else reported as a split or squash
//     part of it; the rest are Dropped (only in a) or Added (only in b).
//
// The result lists a's patches in order (Matched, SquashPart or Dropped),
// then b's patches that are not Matched (SplitPart or Added) in order.
// Each matched or part pair carries CompareChanges' verdict. ctx is
// checked between phases and during the cost computation.
func PairChanges(ctx context.Context, a, b [][]FileChange, opts PairOptions) ([]Pair, error) {
	factor := opts.CreationFactor
	if factor <= 0 {
		factor = 0.6
	}
	partT := opts.PartThreshold
	if partT <= 0 {
		partT = PartialThreshold
	}
	s := newPairing(a, b)
	s.pairExact()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.candidates(ctx); err != nil {
		return nil, err
	}
	if err := s.assign(ctx, factor); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.parts(partT)
	out := s.result(a, b)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// pairing is the state of one PairChanges run.
type pairing struct {
	ia, ib         []seriesItem
	matchA, matchB []int  // partner in the other series, -1 when none
	exactPair      []bool // by A: paired on identical diff text
	cands          []pairCand
	partOfA        []int // A i folded into B j
	partOfB        []int // B j is a piece of A i
}

// pairCand is a pair of unmatched patches that share ov changed lines.
type pairCand struct {
	i, j, ov int
}

func newPairing(a, b [][]FileChange) *pairing {
	s := &pairing{ia: make([]seriesItem, len(a)), ib: make([]seriesItem, len(b))}
	parallelFor(len(a)+len(b), func(k int) {
		if k < len(a) {
			s.ia[k] = newSeriesItem(a[k])
		} else {
			s.ib[k-len(a)] = newSeriesItem(b[k-len(a)])
		}
	})
	s.matchA, s.matchB = filled(len(a), -1), filled(len(b), -1)
	s.partOfA, s.partOfB = filled(len(a), -1), filled(len(b), -1)
	s.exactPair = make([]bool, len(a))
	return s
}

// filled returns n copies of v.
func filled(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// pairExact is phase 1: exact diff text, then equal net content, paired
// in series order.
func (s *pairing) pairExact() {
	byExact := map[uint64][]int{}
	for j := range s.ib {
		if s.ib[j].exact != 0 {
			byExact[s.ib[j].exact] = append(byExact[s.ib[j].exact], j)
		}
	}
	for i := range s.ia {
		if q := byExact[s.ia[i].exact]; s.ia[i].exact != 0 && len(q) > 0 {
			s.matchA[i], s.matchB[q[0]] = q[0], i
			s.exactPair[i] = true
			byExact[s.ia[i].exact] = q[1:]
		}
	}
	byDigest := map[string][]int{}
	for j := range s.ib {
		if s.matchB[j] < 0 && s.ib[j].digest != "" {
			byDigest[s.ib[j].digest] = append(byDigest[s.ib[j].digest], j)
		}
	}
	for i := range s.ia {
		if s.matchA[i] >= 0 || s.ia[i].digest == "" {
			continue
		}
		if q := byDigest[s.ia[i].digest]; len(q) > 0 {
			s.matchA[i], s.matchB[q[0]] = q[0], i
			byDigest[s.ia[i].digest] = q[1:]
		}
	}
}

// candidates is phase 2: unmatched patches that change a file of the same
// base name, or share a changed line that few patches of b have (content
// moved to another file). Their cost uses the path-independent shared
// lines.
func (s *pairing) candidates(ctx context.Context) error {
	bucket := map[string][]int{}
	byLine := map[uint64][]int{}
	unmatchedB := 0
	for j := range s.ib {
		if s.matchB[j] < 0 && s.ib[j].weight > 0 {
			unmatchedB++
			for _, base := range s.ib[j].bases {
				bucket[base] = append(bucket[base], j)
			}
			for _, l := range s.ib[j].lines {
				byLine[l.Hash] = append(byLine[l.Hash], j)
			}
		}
	}
	maxDF := max(4, unmatchedB/20)
	seen := make([]int, len(s.ib)) // last i+1 that visited j
	visit := func(i, j int) {
		if seen[j] == i+1 {
			return
		}
		seen[j] = i + 1
		if ov := Overlap(s.ia[i].lines, s.ib[j].lines); ov > 0 {
			s.cands = append(s.cands, pairCand{i, j, ov})
		}
	}
	for i := range s.ia {
		if s.matchA[i] >= 0 || s.ia[i].weight == 0 {
			continue
		}
		if i%32 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, base := range s.ia[i].bases {
			for _, j := range bucket[base] {
				visit(i, j)
			}
		}
		for _, l := range s.ia[i].lines {
			if js := byLine[l.Hash]; len(js) <= maxDF {
				for _, j := range js {
					visit(i, j)
				}
			}
		}
	}
	return nil
}

// gainEdge is a worthwhile pairing in the assignment: row r (of A), column
// c (of B) and the cost it saves.
type gainEdge struct {
	r, c int
	gain float64
}

// assign is phase 3: the assignment over the patches with a worthwhile
// candidate. The saving of pairing i with j instead of leaving both
// unpaired is factor*(Wi+Wj) - (Wi+Wj-2*ov); only positive savings matter.
func (s *pairing) assign(ctx context.Context, factor float64) error {
	rows := map[int]int{}
	cols := map[int]int{}
	var rowIdx, colIdx []int
	var edges []gainEdge
	for _, k := range s.cands {
		wi, wj := float64(s.ia[k.i].weight), float64(s.ib[k.j].weight)
		gain := factor*(wi+wj) - (wi + wj - 2*float64(k.ov))
		if gain <= 0 {
			continue
		}
		r, ok := rows[k.i]
		if !ok {
			r = len(rowIdx)
			rows[k.i] = r
			rowIdx = append(rowIdx, k.i)
		}
		c, ok := cols[k.j]
		if !ok {
			c = len(colIdx)
			cols[k.j] = c
			colIdx = append(colIdx, k.j)
		}
		edges = append(edges, gainEdge{r, c, gain})
	}
	for _, es := range components(edges, len(rowIdx), len(colIdx)) {
		if err := s.assignComponent(ctx, es, rowIdx, colIdx); err != nil {
			return err
		}
	}
	return nil
}

// components splits the candidate graph into its connected components
// (in order of first edge): the assignment splits into independent
// problems, one per component, and components are small in practice, so
// even thousands of patches stay fast.
func components(edges []gainEdge, nRows, nCols int) [][]gainEdge {
	parent := make([]int, nRows+nCols)
	for k := range parent {
		parent[k] = k
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range edges {
		ra, rb := find(e.r), find(nRows+e.c)
		if ra != rb {
			parent[ra] = rb
		}
	}
	comp := map[int]int{} // root -> position in out
	var out [][]gainEdge
	for _, e := range edges {
		r := find(e.r)
		k, ok := comp[r]
		if !ok {
			k = len(out)
			comp[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], e)
	}
	return out
}

// assignComponent solves the assignment of one component exactly and
// records its pairs.
func (s *pairing) assignComponent(ctx context.Context, es []gainEdge, rowIdx, colIdx []int) error {
	// Local numbering of the component's rows and columns.
	lr, lc := map[int]int{}, map[int]int{}
	var rs, cs []int
	for _, e := range es {
		if _, ok := lr[e.r]; !ok {
			lr[e.r] = len(rs)
			rs = append(rs, e.r)
		}
		if _, ok := lc[e.c]; !ok {
			lc[e.c] = len(cs)
			cs = append(cs, e.c)
		}
	}
	n := max(len(rs), len(cs))
	cost := make([]float64, n*n) // 0: leave unpaired
	for _, e := range es {
		cost[lr[e.r]*n+lc[e.c]] = -e.gain
	}
	assign, err := solveAssignment(ctx, n, cost)
	if err != nil {
		return err
	}
	for r, c := range assign {
		if r < len(rs) && c >= 0 && c < len(cs) && cost[r*n+c] < 0 {
			i, j := rowIdx[rs[r]], colIdx[cs[c]]
			s.matchA[i], s.matchB[j] = j, i
		}
	}
	return nil
}

// parts is phase 4: parts of splits and squashes among the unpaired. A
// part whose container has no partner of its own becomes that container's
// partner (a partial backport much smaller than the original, which the
// size-based cost leaves unpaired), best containment first.
func (s *pairing) parts(partT float64) {
	bestA := make([]float64, len(s.ia))
	bestB := make([]float64, len(s.ib))
	for _, k := range s.cands {
		if s.matchA[k.i] < 0 && s.ia[k.i].substantive {
			if f := float64(k.ov) / float64(s.ia[k.i].weight); f >= partT && f > bestA[k.i] {
				bestA[k.i], s.partOfA[k.i] = f, k.j
			}
		}
		if s.matchB[k.j] < 0 && s.ib[k.j].substantive {
			if f := float64(k.ov) / float64(s.ib[k.j].weight); f >= partT && f > bestB[k.j] {
				bestB[k.j], s.partOfB[k.j] = f, k.i
			}
		}
	}
	type promo struct {
		i, j int
		f    float64
	}
	var promos []promo
	for i, j := range s.partOfA {
		if j >= 0 {
			promos = append(promos, promo{i, j, bestA[i] * float64(s.ia[i].weight)})
		}
	}
	for j, i := range s.partOfB {
		if i >= 0 {
			promos = append(promos, promo{i, j, bestB[j] * float64(s.ib[j].weight)})
		}
	}
	slices.SortStableFunc(promos, func(x, y promo) int {
		switch {
		case x.f > y.f:
			return -1
		case x.f < y.f:
			return 1
		}
		return 0
	})
	for _, p := range promos {
		if s.matchA[p.i] < 0 && s.matchB[p.j] < 0 {
			s.matchA[p.i], s.matchB[p.j] = p.j, p.i
			s.partOfA[p.i], s.partOfB[p.j] = -1, -1
		}
	}
}

// result lists the pairs (a's patches in order, then b's unmatched ones)
// with CompareChanges' verdict on every matched or part pair.
func (s *pairing) result(a, b [][]FileChange) []Pair {
	out := make([]Pair, 0, len(a)+len(b))
	for i := range s.ia {
		switch {
		case s.exactPair[i]:
			out = append(out, Pair{A: i, B: s.matchA[i], Kind: Matched, Verdict: Identical, Score: 1})
		case s.matchA[i] >= 0:
			out = append(out, Pair{A: i, B: s.matchA[i], Kind: Matched})
		case s.partOfA[i] >= 0:
			out = append(out, Pair{A: i, B: s.partOfA[i], Kind: SquashPart})
		default:
			out = append(out, Pair{A: i, B: -1, Kind: Dropped})
		}
	}
	for j := range s.ib {
		switch {
		case s.matchB[j] >= 0:
		case s.partOfB[j] >= 0:
			out = append(out, Pair{A: s.partOfB[j], B: j, Kind: SplitPart})
		default:
			out = append(out, Pair{A: -1, B: j, Kind: Added})
		}
	}
	// Verdicts of the pairs and parts (exact pairs already have theirs).
	parallelFor(len(out), func(k int) {
		p := &out[k]
		if p.A >= 0 && p.B >= 0 && !(p.Kind == Matched && s.exactPair[p.A]) {
			c := CompareChanges(a[p.A], b[p.B])
			p.Verdict, p.Direction, p.Score = c.Verdict, c.Direction, c.Score
		}
	})
	return out
}

// solveAssignment returns, for each row of the n×n cost matrix (row-major),
// the column assigned to it in an assignment of least total cost. It runs
// the shortest augmenting path method with row and column potentials
// (Jonker-Volgenant / Hungarian, O(n^3)), checking ctx every row.
func solveAssignment(ctx context.Context, n int, cost []float64) ([]int, error) {
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1) // p[col] = row (1-based), 0 = free
	way := make([]int, n+1)
	minv := make([]float64, n+1)
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := inf
			j1 := 0
			row := cost[(i0-1)*n:]
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := row[j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	for j := 1; j <= n; j++ {
		if p[j] > 0 {
			assign[p[j]-1] = j - 1
		}
	}
	return assign, nil
}
