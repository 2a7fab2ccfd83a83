package patchset

import (
	"container/heap"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Verdict grades how two patches relate, from Unrelated (0, the zero value)
// to Identical.
type Verdict int

const (
	// Unrelated: the patches share (almost) no change.
	Unrelated Verdict = iota
	// Similar: a substantial share of changed lines is common, but neither
	// patch holds the other (an adapted or reworked backport).
	Similar
	// Partial: one patch holds (nearly) all of the other's change and more:
	// a partial backport, a split or a squash. Comparison.Direction says
	// which side holds the other.
	Partial
	// Rebased: the same changes carried to another base: other context,
	// other offsets, other hunk boundaries, or at most small adaptations
	// (at least 90% of each side's changed lines found in the other, lines
	// adapted at character level counting by their similarity).
	Rebased
	// Equivalent: the same diff apart from whitespace and file paths
	// (prefixes, -p level, backup suffixes, moved files).
	Equivalent
	// Identical: the same diff text: names as written, modes, hunk
	// positions and every line verbatim.
	Identical
)

var verdictNames = [...]string{"unrelated", "similar", "partial", "rebased", "equivalent", "identical"}

// String returns the verdict as a lower-case word.
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Direction says which side of a comparison holds the other.
type Direction int

const (
	// Neither side holds the other (or both hold each other).
	Neither Direction = iota
	// AContainsB: B's change is (nearly) all in A, A has more.
	AContainsB
	// BContainsA: A's change is (nearly) all in B, B has more.
	BContainsA
)

// String returns "neither", "a-contains-b" or "b-contains-a".
func (d Direction) String() string {
	switch d {
	case AContainsB:
		return "a-contains-b"
	case BContainsA:
		return "b-contains-a"
	}
	return "neither"
}

// Thresholds of the verdict scale (fractions of changed lines).
const (
	// RebasedThreshold is the containment both sides must reach for
	// Rebased when the net changes are not exactly equal.
	RebasedThreshold = 0.9
	// PartialThreshold is the containment the smaller side must reach for
	// Partial.
	PartialThreshold = 0.8
	// SimilarThreshold is the Score from which two patches are Similar.
	SimilarThreshold = 0.3
	// SimilarContainment is the containment on either side from which two
	// patches are Similar whatever their Score.
	SimilarContainment = 0.5
	// nearLineSimilarity is the character-level similarity from which an
	// unmatched changed line counts as an adapted copy of another.
	nearLineSimilarity = 0.6
)

// Comparison is the result of Compare.
type Comparison struct {
	// Verdict grades the relation on the fixed scale Unrelated..Identical.
	Verdict Verdict
	// Direction is set for Partial (and left Neither otherwise).
	Direction Direction
	// Score is the Dice similarity of the two net changes in [0, 1]:
	// 2*common / (changed lines of A + changed lines of B), where common
	// counts shared lines plus the similarity of adapted lines; 1 for
	// Identical, Equivalent and exactly equal net changes.
	Score float64
	// InB is the fraction of A's changed lines found in B; InA the
	// fraction of B's changed lines found in A.
	InB, InA float64
	// Files pairs the files of A with those of B one to one (indices into
	// the FileChange slices, -1 for a file without partner), A's order
	// first, then B's unpaired files, then Moved matches.
	Files []FileMatch
	// Hunks maps hunks of A to hunks of B that share changed lines.
	Hunks []HunkMatch
}

// FileMatch pairs one file of A with one of B.
type FileMatch struct {
	// A and B index the compared FileChange slices; -1 when the file has
	// no partner on that side.
	A, B int
	// PathScore is PathSimilarity of the two paths (best of new/old).
	PathScore float64
	// Common is the number of shared changed lines (adapted lines count by
	// their similarity).
	Common float64
	// Score is the Dice similarity of the two files' net changes.
	Score float64
	// Moved marks an extra match listed after the one-to-one pairs:
	// changed lines of file A found in file B although A is paired with
	// another file or none (code moved between files).
	Moved bool
}

// HunkMatch says that hunk AHunk of file AFile in A shares changed lines
// with hunk BHunk of file BFile in B. A hunk index is -1 when that side has
// no hunks (a FileChange from blobs): the whole file stands for it.
type HunkMatch struct {
	// AFile and BFile index the compared FileChange slices; AHunk and
	// BHunk are HunkChange.Index values (positions in File.Hunks).
	AFile, AHunk, BFile, BHunk int
	// Common is the number of shared changed lines.
	Common int
	// Score is the Dice similarity of the two hunks' net changes.
	Score float64
}

// Compare compares two patches by content (paths detected with strip
// auto-detection, see ChangesFromPatch). A nil patch is an empty one.
func Compare(a, b *Patch) Comparison {
	return CompareChanges(ChangesFromPatch(a, -1), ChangesFromPatch(b, -1))
}

// CompareChanges compares two net changes file by file; use it for changes
// computed from blobs (ChangeFromBlobs) or from several patches
// (ChangesFromPatches). Files are paired by shared changed lines, then by
// path similarity; changed lines without an exact partner in the paired
// file are matched at character level (github.com/sergi/go-diff), so an
// adapted line (warnf vs infof) counts by its similarity.
func CompareChanges(a, b []FileChange) Comparison {
	var c Comparison
	wa, wb := totalWeight(a), totalWeight(b)

	// Pair files greedily: most shared lines first, then best path.
	type cand struct {
		i, j int
		ov   int
		ps   float64
	}
	var cands []cand
	for _, k := range candidateFiles(a, b) {
		i, j := k[0], k[1]
		ov := Overlap(a[i].Lines, b[j].Lines)
		ps := filePathSimilarity(&a[i], &b[j])
		if ov > 0 || ps >= 0.5 {
			cands = append(cands, cand{i, j, ov, ps})
		}
	}
	slices.SortStableFunc(cands, func(x, y cand) int {
		switch {
		case x.ov != y.ov:
			return y.ov - x.ov
		case x.ps > y.ps:
			return -1
		case x.ps < y.ps:
			return 1
		}
		return 0
	})
	pairA := make([]int, len(a))
	pairB := make([]int, len(b))
	for i := range pairA {
		pairA[i] = -1
	}
	for j := range pairB {
		pairB[j] = -1
	}
	var pairs []cand
	for _, k := range cands {
		if pairA[k.i] < 0 && pairB[k.j] < 0 {
			pairA[k.i], pairB[k.j] = k.j, k.i
			pairs = append(pairs, k)
		}
	}

	// Shared lines of paired files, then lines that moved between files
	// (a function moved to another file upstream), then adapted lines.
	resA := make([][]LineCount, len(a))
	resB := make([][]LineCount, len(b))
	for i := range a {
		resA[i] = slices.Clone(a[i].Lines)
	}
	for j := range b {
		resB[j] = slices.Clone(b[j].Lines)
	}
	exactCommon := 0
	fileCommon := make(map[[2]int]float64, len(pairs))
	for _, p := range pairs {
		exactCommon += p.ov
		consume(resA[p.i], resB[p.j])
		fileCommon[[2]int{p.i, p.j}] = float64(p.ov)
	}
	moved := map[[2]int]int{}
	for _, k := range cands {
		if pairA[k.i] == k.j || k.ov == 0 {
			continue
		}
		if n := consume(resA[k.i], resB[k.j]); n > 0 {
			exactCommon += n
			moved[[2]int{k.i, k.j}] += n
		}
	}
	common := float64(exactCommon)
	var sim lineSimilarity
	for _, p := range pairs {
		fuzzy := sim.nearCredit(resA[p.i], resB[p.j])
		common += fuzzy
		fileCommon[[2]int{p.i, p.j}] += fuzzy
	}

	// File matches in A's order, then B's unpaired files.
	for i := range a {
		fm := FileMatch{A: i, B: pairA[i]}
		if j := pairA[i]; j >= 0 {
			fm.PathScore = filePathSimilarity(&a[i], &b[j])
			fm.Common = fileCommon[[2]int{i, j}]
			fm.Score = dice(fm.Common, a[i].Weight(), b[j].Weight())
			c.Hunks = append(c.Hunks, hunkMatches(i, &a[i], j, &b[j])...)
		}
		c.Files = append(c.Files, fm)
	}
	for j := range b {
		if pairB[j] < 0 {
			c.Files = append(c.Files, FileMatch{A: -1, B: j})
		}
	}
	movedKeys := make([][2]int, 0, len(moved))
	for k := range moved {
		movedKeys = append(movedKeys, k)
	}
	slices.SortFunc(movedKeys, func(x, y [2]int) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	for _, k := range movedKeys {
		i, j, n := k[0], k[1], moved[k]
		c.Files = append(c.Files, FileMatch{A: i, B: j, Moved: true,
			PathScore: filePathSimilarity(&a[i], &b[j]), Common: float64(n),
			Score: dice(float64(n), a[i].Weight(), b[j].Weight())})
	}

	if wa > 0 {
		c.InB = min(1, common/float64(wa))
	}
	if wb > 0 {
		c.InA = min(1, common/float64(wb))
	}
	c.Score = dice(common, wa, wb)
	sameNet := exactCommon == wa && exactCommon == wb
	switch {
	case sameHashes(a, b, func(f *FileChange) uint64 { return f.ExactHash }):
		c.Verdict, c.Score, c.InA, c.InB = Identical, 1, 1, 1
	case sameNet && sameHashes(a, b, func(f *FileChange) uint64 { return f.EquivHash }):
		c.Verdict, c.Score, c.InA, c.InB = Equivalent, 1, 1, 1
	case sameNet && wa > 0:
		c.Verdict, c.Score, c.InA, c.InB = Rebased, 1, 1, 1
	case wa == 0 || wb == 0:
		c.Verdict = Unrelated
	default:
		c.Verdict, c.Direction = Grade(c.InB, c.InA, c.Score)
	}
	return c
}

// Grade places a comparison of two changes A and B on the verdict scale
// from its containments, for changes that are not exactly equal: inB is
// the share of A's changed lines found in B, inA the share of B's found in
// A, score their Dice similarity. Both at least RebasedThreshold give
// Rebased; one at least PartialThreshold and the other below give Partial
// (Direction names the side that holds the other); a score of at least
// SimilarThreshold, or either containment at least SimilarContainment,
// gives Similar; anything less is Unrelated. CompareChanges and the
// upstream index grade with it, so that the scale means the same
// everywhere.
func Grade(inB, inA, score float64) (Verdict, Direction) {
	switch {
	case inA >= RebasedThreshold && inB >= RebasedThreshold:
		return Rebased, Neither
	case inA >= PartialThreshold && inB < PartialThreshold:
		return Partial, AContainsB
	case inB >= PartialThreshold && inA < PartialThreshold:
		return Partial, BContainsA
	case score >= SimilarThreshold || max(inA, inB) >= SimilarContainment:
		return Similar, Neither
	}
	return Unrelated, Neither
}

// Caps that keep file pairing near-linear on huge or hostile inputs.
const (
	maxLineFanout = 64  // a line hash in more files of B is not used to find candidates
	maxBaseFanout = 256 // same for a base name
)

// candidateFiles returns the (i, j) file pairs worth comparing: files that
// share a changed line hash or a base name, in (i, j) order, without
// duplicates. Hashes and base names common to very many files are skipped.
func candidateFiles(a, b []FileChange) [][2]int {
	if len(a)*len(b) <= 4096 {
		out := make([][2]int, 0, len(a)*len(b))
		for i := range a {
			for j := range b {
				out = append(out, [2]int{i, j})
			}
		}
		return out
	}
	byLine := map[uint64][]int{}
	byBase := map[string][]int{}
	for j := range b {
		for _, l := range b[j].Lines {
			byLine[l.Hash] = append(byLine[l.Hash], j)
		}
		byBase[baseName(b[j].Path)] = append(byBase[baseName(b[j].Path)], j)
		if b[j].OldPath != "" {
			byBase[baseName(b[j].OldPath)] = append(byBase[baseName(b[j].OldPath)], j)
		}
	}
	var out [][2]int
	seen := make([]int, len(b))
	for i := range a {
		var js []int
		visit := func(list []int, limit int) {
			if len(list) > limit {
				return
			}
			for _, j := range list {
				if seen[j] != i+1 {
					seen[j] = i + 1
					js = append(js, j)
				}
			}
		}
		visit(byBase[baseName(a[i].Path)], maxBaseFanout)
		if a[i].OldPath != "" {
			visit(byBase[baseName(a[i].OldPath)], maxBaseFanout)
		}
		for _, l := range a[i].Lines {
			visit(byLine[l.Hash], maxLineFanout)
		}
		slices.Sort(js)
		for _, j := range js {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

func totalWeight(fs []FileChange) int {
	w := 0
	for i := range fs {
		w += fs[i].Weight()
	}
	return w
}

func dice(common float64, wa, wb int) float64 {
	if wa+wb == 0 {
		return 0
	}
	return min(1, 2*common/float64(wa+wb))
}

// filePathSimilarity is PathSimilarity over the new and old paths of both.
func filePathSimilarity(a, b *FileChange) float64 {
	best := PathSimilarity(a.Path, b.Path)
	if a.OldPath != "" {
		best = max(best, PathSimilarity(a.OldPath, b.Path))
	}
	if b.OldPath != "" {
		best = max(best, PathSimilarity(a.Path, b.OldPath))
	}
	return best
}

// sameHashes reports whether a and b have the same non-empty multiset of
// per-file hashes, none of them unknown (0).
func sameHashes(a, b []FileChange, key func(*FileChange) uint64) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	ka := make([]uint64, len(a))
	kb := make([]uint64, len(b))
	for i := range a {
		ka[i], kb[i] = key(&a[i]), key(&b[i])
		if ka[i] == 0 || kb[i] == 0 {
			return false
		}
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// hunkMatches lists the hunk pairs of two paired files that share changed
// lines.
func hunkMatches(ai int, a *FileChange, bi int, b *FileChange) []HunkMatch {
	type side struct {
		idx   int
		lines []LineCount
	}
	hunks := func(f *FileChange) []side {
		if f.Hunks == nil {
			return []side{{-1, f.Lines}}
		}
		s := make([]side, 0, len(f.Hunks))
		for k := range f.Hunks {
			if len(f.Hunks[k].Lines) > 0 {
				s = append(s, side{f.Hunks[k].Index, f.Hunks[k].Lines})
			}
		}
		return s
	}
	// Candidates share changed lines; pair them one to one by most shared
	// lines first, then keep extra pairs only where the smaller hunk is
	// mostly inside the other (a hunk split or merged).
	xs, ys := hunks(a), hunks(b)
	var cands []HunkMatch
	try := func(x, y side) {
		if ov := Overlap(x.lines, y.lines); ov > 0 {
			cands = append(cands, HunkMatch{ai, x.idx, bi, y.idx, ov, dice(float64(ov), Weight(x.lines), Weight(y.lines))})
		}
	}
	if len(xs)*len(ys) <= 4096 {
		for _, x := range xs {
			for _, y := range ys {
				try(x, y)
			}
		}
	} else {
		// Many hunks: only pairs sharing a not too common line.
		byLine := map[uint64][]int{}
		for k, y := range ys {
			for _, l := range y.lines {
				byLine[l.Hash] = append(byLine[l.Hash], k)
			}
		}
		seen := make([]int, len(ys))
		for n, x := range xs {
			var ks []int
			for _, l := range x.lines {
				if list := byLine[l.Hash]; len(list) <= maxLineFanout {
					for _, k := range list {
						if seen[k] != n+1 {
							seen[k] = n + 1
							ks = append(ks, k)
						}
					}
				}
			}
			slices.Sort(ks)
			for _, k := range ks {
				try(x, ys[k])
			}
		}
	}
	slices.SortStableFunc(cands, func(p, q HunkMatch) int {
		switch {
		case p.Common != q.Common:
			return q.Common - p.Common
		case p.Score > q.Score:
			return -1
		case p.Score < q.Score:
			return 1
		}
		return 0
	})
	usedA := map[int]bool{}
	usedB := map[int]bool{}
	var out []HunkMatch
	for _, h := range cands {
		if !usedA[h.AHunk] && !usedB[h.BHunk] {
			usedA[h.AHunk], usedB[h.BHunk] = true, true
			out = append(out, h)
		}
	}
	weightOf := func(f *FileChange, idx int) int {
		if idx < 0 {
			return f.Weight()
		}
		for k := range f.Hunks {
			if f.Hunks[k].Index == idx {
				return f.Hunks[k].Weight()
			}
		}
		return 0
	}
	// A hunk left without partner joins the hunk that holds most of it
	// (cands is sorted by shared lines, so the first fit is the best).
	extraA := map[int]bool{}
	extraB := map[int]bool{}
	for _, h := range cands {
		switch {
		case !usedA[h.AHunk] && !extraA[h.AHunk]:
			if w := weightOf(a, h.AHunk); w > 0 && float64(h.Common) >= PartialThreshold*float64(w) {
				extraA[h.AHunk] = true
				out = append(out, h)
			}
		case !usedB[h.BHunk] && !extraB[h.BHunk]:
			if w := weightOf(b, h.BHunk); w > 0 && float64(h.Common) >= PartialThreshold*float64(w) {
				extraB[h.BHunk] = true
				out = append(out, h)
			}
		}
	}
	slices.SortFunc(out, func(p, q HunkMatch) int {
		if p.AHunk != q.AHunk {
			return p.AHunk - q.AHunk
		}
		return p.BHunk - q.BHunk
	})
	return out
}

// Limits of the character-level matching of leftover lines per file pair.
const (
	maxNearLines   = 200   // leftover lines considered per side and sign
	maxNearChecks  = 20000 // similarity evaluations per file pair
	maxNearLineLen = 400   // longer lines are not matched at character level
	maxDiffCalls   = 1000  // go-diff runs per comparison (deterministic bound)
	nearDiffBudget = 50 * time.Millisecond
)

// lineSimilarity computes character-level similarity of lines with go-diff.
type lineSimilarity struct {
	dmp   *diffmatchpatch.DiffMatchPatch
	calls int
}

// bound returns an upper bound of similarity(a, b) from the lengths and
// the bag distance (a lower bound of the edit distance), cheaply.
func bound(a, b string) float64 {
	m := max(len(a), len(b))
	if m == 0 {
		return 0
	}
	if 1-float64(abs(len(a)-len(b)))/float64(m) < nearLineSimilarity {
		return 0
	}
	var hist [256]int32
	for i := 0; i < len(a); i++ {
		hist[a[i]]++
	}
	for i := 0; i < len(b); i++ {
		hist[b[i]]--
	}
	pos, neg := 0, 0
	for _, v := range hist {
		if v > 0 {
			pos += int(v)
		} else {
			neg -= int(v)
		}
	}
	// In bytes; for multi-byte runes the rune distance can only be
	// smaller relative to fewer runes, so relax to stay an upper bound.
	ub := 1 - float64(max(pos, neg))/float64(m)
	if !isASCII(a) || !isASCII(b) {
		ub = min(1, ub+0.5)
	}
	return ub
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// similarity returns 1 - Levenshtein(a, b) / max(len(a), len(b)) in runes,
// computed with go-diff; 0 once the per-comparison budget of diff runs is
// spent.
func (s *lineSimilarity) similarity(a, b string) float64 {
	m := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	if m == 0 || s.calls >= maxDiffCalls {
		return 0
	}
	s.calls++
	if s.dmp == nil {
		s.dmp = diffmatchpatch.New()
		// Always set explicitly: the default (1 s) silently degrades.
		s.dmp.DiffTimeout = nearDiffBudget
	}
	d := s.dmp.DiffLevenshtein(s.dmp.DiffMain(a, b, false))
	return max(0, 1-float64(d)/float64(m))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// nearCredit matches the lines of a and b (what is left after exact
// matching; zero counts are skipped) by character similarity and returns the summed similarity of the
// pairs at or above nearLineSimilarity.
func (s *lineSimilarity) nearCredit(a, b []LineCount) float64 {
	type left struct {
		text string
		n    int
	}
	var ra, rb [2][]left // [0] removed, [1] added
	add := func(r *[2][]left, l LineCount, n int) {
		if n == 0 || len(l.Text) == 0 || l.Text[0] == 0 || len(l.Text) > maxNearLineLen {
			return
		}
		k := 0
		if n > 0 {
			k = 1
		} else {
			n = -n
		}
		if len(r[k]) < maxNearLines {
			r[k] = append(r[k], left{normalizedText(l.Text), n})
		}
	}
	for _, l := range a {
		add(&ra, l, l.Count)
	}
	for _, l := range b {
		add(&rb, l, l.Count)
	}
	credit := 0.0
	for k := 0; k < 2; k++ {
		if len(ra[k]) == 0 || len(rb[k]) == 0 || len(ra[k])*len(rb[k]) > maxNearChecks {
			continue
		}
		na := make([]int, len(ra[k]))
		nb := make([]int, len(rb[k]))
		for x := range na {
			na[x] = ra[k][x].n
		}
		for y := range nb {
			nb[y] = rb[k][y].n
		}
		// Greedy by similarity, lazily: candidates in order of their cheap
		// upper bound; a computed pair is taken once no remaining bound
		// can beat it. Same result as computing every pair, far fewer
		// go-diff runs.
		var prs []nearPair
		for x := range ra[k] {
			for y := range rb[k] {
				if ub := bound(ra[k][x].text, rb[k][y].text); ub >= nearLineSimilarity {
					prs = append(prs, nearPair{x, y, ub})
				}
			}
		}
		slices.SortStableFunc(prs, func(p, q nearPair) int {
			switch {
			case p.sim > q.sim:
				return -1
			case p.sim < q.sim:
				return 1
			}
			return 0
		})
		var ready nearHeap
		next := 0
		for {
			nextUB := -1.0
			if next < len(prs) {
				nextUB = prs[next].sim
			}
			if len(ready) > 0 && ready[0].sim >= nextUB {
				p := heap.Pop(&ready).(nearPair)
				if m := min(na[p.x], nb[p.y]); m > 0 {
					credit += float64(m) * p.sim
					na[p.x] -= m
					nb[p.y] -= m
				}
				continue
			}
			if next >= len(prs) {
				break
			}
			p := prs[next]
			next++
			if na[p.x] == 0 || nb[p.y] == 0 {
				continue
			}
			if v := s.similarity(ra[k][p.x].text, rb[k][p.y].text); v >= nearLineSimilarity {
				heap.Push(&ready, nearPair{p.x, p.y, v})
			}
		}
	}
	return credit
}

// consume removes the occurrences a and b share with the same sign from
// both (sorted by Hash; counts may drop to 0) and returns how many.
func consume(a, b []LineCount) int {
	total := 0
	SharedLines(a, b, func(i, j, n int) {
		if a[i].Count < 0 {
			a[i].Count += n
			b[j].Count += n
		} else {
			a[i].Count -= n
			b[j].Count -= n
		}
		total += n
	})
	return total
}

// nearPair is a candidate pair of leftover lines with a similarity (or an
// upper bound of it).
type nearPair struct {
	x, y int
	sim  float64
}

// nearHeap is a max-heap of nearPair by sim.
type nearHeap []nearPair

func (h nearHeap) Len() int           { return len(h) }
func (h nearHeap) Less(i, j int) bool { return h[i].sim > h[j].sim }
func (h nearHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nearHeap) Push(x any)        { *h = append(*h, x.(nearPair)) }
func (h *nearHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
