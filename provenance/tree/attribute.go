package tree

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// Origin is one family of candidates that may explain a tree's changes:
// the patch files of one packaging source, or the commits of one upstream
// history. Candidates of one origin compete for lines (a line is
// explained once per origin); origins do not compete (a line may come
// from a patch file and from the upstream commit that patch backports).
type Origin struct {
	// Name is the origin's name ("rhel", "curl").
	Name string
	// Upstream is set for a history of commits, unset for patch files.
	Upstream bool
	// Candidates are the origin's changes that share changed lines with
	// the tree diff (for an upstream, those its index returns).
	Candidates []Candidate
	// Weight weighs a changed line (an upstream index's rarity weight);
	// nil weighs evidential lines 1 and the others (braces, lone
	// keywords) 0.2.
	Weight func(patchset.LineCount) float64
}

// Candidate is one change of an origin: a patch file or a commit.
type Candidate struct {
	// ID is the commit id or the patch file's name.
	ID string
	// Subject is the commit's subject or the patch's.
	Subject string
	// Changes is its net change per file. Paths are matched to the tree's
	// changed paths whole, else by the longest common suffix of
	// components (patchset.PathSimilarity), so prefixes do not matter.
	Changes []patchset.FileChange
	// Merge marks a merge commit, whose first-parent change repeats the
	// commits of its branch: merges are never chosen.
	Merge bool
	// Order breaks ties between equal candidates: lower first (the older
	// commit, the earlier patch).
	Order int
}

// AttributeOptions tune [Attribute]. The zero value is usable.
type AttributeOptions struct {
	// MinCoverage is the share of a candidate's own changed lines the
	// tree must carry (lines that later changes rewrote excused) for the
	// candidate to explain any line; 0 means 0.5 (a commit half applied
	// still counts).
	MinCoverage float64
}

// Attribution is the result of [Attribute]: every changed line of a tree
// diff with the origins that explain it, grouped into changes.
type Attribution struct {
	// Files counts the changed files; Lines the changed lines (added plus
	// removed, blank lines included); Attributed the lines at least one
	// origin explains.
	Files, Lines, Attributed int
	// Changes are runs of changed lines of one hunk explained by the same
	// origins, in file and line order. A change without origins is the
	// tree's own.
	Changes []Change
	// Chosen lists, per origin name, the candidates that explain lines,
	// best first.
	Chosen map[string][]Chosen
}

// Change is a run of changed lines of one file explained alike.
type Change struct {
	// File is the tree path; Line the first target line of the change
	// (for a removal, the target line the removed lines preceded); Lines
	// the changed lines (added plus removed) of the run.
	File  string
	Line  int
	Lines int
	// Added and Removed split Lines.
	Added, Removed int
	// Hunk is the index of the hunk in the file's diff.
	Hunk int
	// Origins explain the run, one per origin at most, in the order of
	// the origins given to Attribute.
	Origins []ChangeOrigin
}

// Own reports whether no origin explains the change.
func (c *Change) Own() bool { return len(c.Origins) == 0 }

// ChangeOrigin is one origin's explanation of a change.
type ChangeOrigin struct {
	// Origin is the origin's name; Upstream tells a commit from a patch
	// file.
	Origin   string
	Upstream bool
	// ID is the commit id or the patch file's name.
	ID string
	// Verdict and Score are the candidate's, see Chosen.
	Verdict patchset.Verdict
	Score   float64
}

// Chosen is a candidate that explains lines of the tree.
type Chosen struct {
	// ID and Subject are the candidate's.
	ID, Subject string
	// Verdict is Equivalent when the tree carries every changed line of
	// the candidate, Rebased when it carries at least
	// patchset.RebasedThreshold of them (lines a later change rewrote
	// excused), and Partial otherwise (a commit half applied).
	Verdict patchset.Verdict
	// Score is Coverage, the share (weighted) of the candidate's changed
	// lines the tree carries, excused lines left out; RawCoverage counts
	// them.
	Score, Coverage, RawCoverage float64
	// Lines counts the candidate's changed lines; Found those the tree
	// carries; Excused those missing because another candidate of the
	// origin changes them back (a later commit rewrote them); Explained
	// the tree lines attributed to it (each tree line goes to one
	// candidate per origin).
	Lines, Found, Excused, Explained int
	// Files are the tree files it explains lines of.
	Files []string
	// Equivalents are other candidates that carry the same lines (a
	// stable-branch copy, a re-landed commit); they explain nothing more.
	Equivalents []string
}

// Evidence describes c for people.
func (c *Chosen) Evidence() []string {
	ev := []string{fmt.Sprintf("the tree carries %d of its %d changed lines (coverage %.2f)", c.Found, c.Lines, c.Coverage)}
	if c.Excused > 0 {
		ev = append(ev, fmt.Sprintf("%d missing lines excused: another change of the origin rewrites them", c.Excused))
	}
	ev = append(ev, fmt.Sprintf("explains %d changed lines in %s", c.Explained, strings.Join(c.Files, ", ")))
	if len(c.Equivalents) > 0 {
		ev = append(ev, "equivalent: "+strings.Join(c.Equivalents, ", "))
	}
	return ev
}

// instance is one changed line of the tree diff.
type instance struct {
	file, hunk int
	idx        int // index in the hunk's Lines
	op         byte
	key        lineKey
	line       patchset.LineCount // Hash, Count ±1, Text
}

// lineKey identifies a changed line on a file: path index, hash, sign.
type lineKey struct {
	file int
	hash uint64
	add  bool
}

// Attribute attributes every changed line of res to the origins' candidates
// that explain it, or to nobody. For each origin it solves a greedy
// weighted set cover: a candidate may explain lines only when the tree
// carries at least opts.MinCoverage of its own changed lines (missing
// lines that another candidate of the origin changes back are excused:
// a later commit rewrote them) and at least one shared line is evidential
// (an added line with a letter or digit: removal-only and boilerplate
// overlaps are never enough); then the candidate explaining most of the
// still unexplained lines (weighted) is taken, its lines assigned in the
// hunks where it explains most, and so on until no candidate explains an
// evidential line more. Lines left are the tree's own. Candidates
// carrying the same lines as a chosen one are reported as its
// Equivalents.
func Attribute(ctx context.Context, res *Result, origins []Origin, opts AttributeOptions) (*Attribution, error) {
	if opts.MinCoverage <= 0 {
		opts.MinCoverage = 0.5
	}
	a := &Attribution{Chosen: map[string][]Chosen{}}
	t := newTreeLines(res)
	a.Files, a.Lines = len(res.Files), t.lines
	// assign[o][i] is the position in Chosen[o] of the candidate
	// explaining instance i (-1: none).
	assign := make([][]int, len(origins))
	for oi := range origins {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		assign[oi], a.Chosen[origins[oi].Name] = t.cover(ctx, &origins[oi], opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.Changes, a.Attributed = t.changes(origins, assign, a.Chosen)
	return a, nil
}

// treeLines indexes the changed lines of a diff.
type treeLines struct {
	res   *Result
	paths []string
	byKey map[lineKey][]int // instances by key, in diff order
	inst  []instance
	lines int // changed lines, blank ones included
}

func newTreeLines(res *Result) *treeLines {
	t := &treeLines{res: res, byKey: map[lineKey][]int{}}
	for fi, f := range res.Files {
		t.paths = append(t.paths, f.Path(1))
		if len(f.Hunks) == 0 {
			// A binary file, a rename or a mode change: its pseudo-line.
			for _, fc := range patchset.ChangesFromPatch(&patchset.Patch{Files: []*patchset.File{f}}, 1) {
				for _, l := range fc.Lines {
					k := lineKey{fi, l.Hash, l.Count > 0}
					t.byKey[k] = append(t.byKey[k], len(t.inst))
					t.inst = append(t.inst, instance{file: fi, hunk: -1, idx: -1, key: k, line: patchset.LineCount{Hash: l.Hash, Count: 1, Text: l.Text}})
				}
			}
			continue
		}
		for hi, h := range f.Hunks {
			for li, l := range h.Lines {
				if l.Op == ' ' {
					continue
				}
				t.lines++
				hash, ok := patchset.LineHash(l.Text)
				if !ok {
					continue // a blank line: it follows its neighbours
				}
				sign := 1
				if l.Op == '-' {
					sign = -1
				}
				k := lineKey{fi, hash, l.Op == '+'}
				t.byKey[k] = append(t.byKey[k], len(t.inst))
				t.inst = append(t.inst, instance{file: fi, hunk: hi, idx: li, op: l.Op, key: k,
					line: patchset.LineCount{Hash: hash, Count: sign, Text: strings.TrimSpace(l.Text)}})
			}
		}
	}
	return t
}

// cand is a candidate prepared for one cover.
type cand struct {
	c        *Candidate
	keys     []candKey
	lines    int     // changed lines (sum of |count|)
	weight   float64 // total weight
	found    int
	foundW   float64
	excused  int
	excusedW float64
	ok       bool // eligible
	chosen   int  // position among chosen, -1
}

// candKey is one distinct changed line of a candidate on a tree file.
type candKey struct {
	key   lineKey // file -1: a file the tree does not change
	count int     // |count|
	w     float64
	evid  bool
}

// evidential reports whether a changed line is evidence on its own: an
// added line with a letter or digit.
func evidential(l patchset.LineCount) bool { return l.Count > 0 && !l.Trivial() }

func defaultWeight(l patchset.LineCount) float64 {
	if l.Trivial() {
		return 0.2
	}
	return 1
}

// fileOf maps a candidate's path to a tree file index, or -1; exact
// holds the tree paths and memoizes the answers.
func (t *treeLines) fileOf(p string, exact map[string]int) int {
	if i, ok := exact[p]; ok {
		return i
	}
	i := t.similarFile(p)
	exact[p] = i
	return i
}

// similarFile returns the tree file whose path best shares p's last
// components, or -1.
func (t *treeLines) similarFile(p string) int {
	best, bestS := -1, 0.0
	for i, tp := range t.paths {
		if s := patchset.PathSimilarity(p, tp); s > bestS {
			best, bestS = i, s
		}
	}
	// A suffix of at least the file name and its directory, or the whole
	// shorter path.
	if bestS >= 0.5 {
		return best
	}
	return -1
}

// cover solves one origin's cover; it returns, for each instance, the
// position of the chosen candidate explaining it (-1: none), and the
// chosen candidates.
func (t *treeLines) cover(ctx context.Context, o *Origin, opts AttributeOptions) ([]int, []Chosen) {
	weight := o.Weight
	if weight == nil {
		weight = defaultWeight
	}
	exact := make(map[string]int, len(t.paths))
	for i, p := range t.paths {
		exact[p] = i
	}
	// Prepare candidates: their lines keyed on tree files.
	cs := make([]*cand, len(o.Candidates))
	carriers := map[lineKey]int{} // how many candidates change a line so
	others := map[string]int{}    // paths the tree does not change -> file id < 0
	for ci := range o.Candidates {
		c := &o.Candidates[ci]
		pc := &cand{c: c, chosen: -1}
		agg := map[lineKey]*candKey{}
		for _, fc := range c.Changes {
			fi := t.fileOf(fc.Path, exact)
			if fi < 0 && fc.OldPath != "" {
				fi = t.fileOf(fc.OldPath, exact)
			}
			for _, l := range fc.Lines {
				if fi < 0 {
					if _, ok := others[fc.Path]; !ok {
						others[fc.Path] = -1 - len(others)
					}
					fi = others[fc.Path]
				}
				k := lineKey{fi, l.Hash, l.Count > 0}
				n := max(l.Count, -l.Count)
				if ck, ok := agg[k]; ok {
					ck.count += n
					continue
				}
				agg[k] = &candKey{key: k, count: n, w: weight(l), evid: evidential(l)}
			}
		}
		for _, ck := range agg {
			pc.keys = append(pc.keys, *ck)
			carriers[ck.key]++
		}
		slices.SortFunc(pc.keys, func(a, b candKey) int {
			if a.key.file != b.key.file {
				return a.key.file - b.key.file
			}
			if a.key.hash != b.key.hash {
				if a.key.hash < b.key.hash {
					return -1
				}
				return 1
			}
			if a.key.add == b.key.add {
				return 0
			}
			if a.key.add {
				return 1
			}
			return -1
		})
		cs[ci] = pc
	}
	// Coverage and eligibility.
	for _, pc := range cs {
		evidShared := false
		for _, ck := range pc.keys {
			pc.lines += ck.count
			pc.weight += ck.w * float64(ck.count)
			have := 0
			if ck.key.file >= 0 {
				have = len(t.byKey[ck.key])
			}
			f := min(have, ck.count)
			pc.found += f
			pc.foundW += ck.w * float64(f)
			if f > 0 && ck.evid {
				evidShared = true
			}
			if miss := ck.count - f; miss > 0 {
				opp := ck.key
				opp.add = !opp.add
				if carriers[opp] > 0 {
					pc.excused += miss
					pc.excusedW += ck.w * float64(miss)
				}
			}
		}
		pc.ok = !pc.c.Merge && evidShared && pc.coverage() >= opts.MinCoverage && pc.rawCoverage() >= opts.MinCoverage/2
	}

	// Greedy cover with lazy gains.
	remaining := make([]int, len(t.inst)) // 1 while unexplained
	for i := range remaining {
		remaining[i] = 1
	}
	left := map[lineKey]int{}
	for k, is := range t.byKey {
		left[k] = len(is)
	}
	gain := func(pc *cand) (float64, bool) {
		g, evid := 0.0, false
		for _, ck := range pc.keys {
			if ck.key.file < 0 {
				continue
			}
			if n := min(left[ck.key], ck.count); n > 0 {
				g += ck.w * float64(n)
				evid = evid || ck.evid
			}
		}
		return g, evid
	}
	h := &candHeap{}
	for ci, pc := range cs {
		if !pc.ok {
			continue
		}
		if g, ev := gain(pc); ev {
			heap.Push(h, heapItem{ci: ci, gain: g, cov: pc.coverage(), order: pc.c.Order})
		}
	}
	assign := make([]int, len(t.inst))
	for i := range assign {
		assign[i] = -1
	}
	var chosen []int
	for n := 0; h.Len() > 0; n++ {
		if n%256 == 0 && ctx.Err() != nil {
			break
		}
		top := heap.Pop(h).(heapItem)
		g, ev := gain(cs[top.ci])
		if !ev || g <= 0 {
			continue
		}
		if h.Len() > 0 && g < (*h)[0].gain {
			top.gain = g
			heap.Push(h, top)
			continue
		}
		ci := top.ci
		t.take(cs[ci], ci, left, assign)
		cs[ci].chosen = len(chosen)
		chosen = append(chosen, ci)
	}

	// Report, with equivalents: unchosen eligible candidates carrying
	// exactly a chosen one's lines on the tree.
	out := make([]Chosen, len(chosen))
	sig := map[string]int{} // line signature -> chosen position
	for pos, ci := range chosen {
		pc := cs[ci]
		out[pos] = pc.report(t, assign, ci)
		sig[pc.signature()] = pos
	}
	for _, pc := range cs {
		if pc.ok && pc.chosen < 0 {
			if pos, ok := sig[pc.signature()]; ok {
				out[pos].Equivalents = append(out[pos].Equivalents, pc.c.ID)
			}
		}
	}
	for i, ci := range assign {
		if ci >= 0 {
			assign[i] = cs[ci].chosen
		}
	}
	return assign, out
}

func (pc *cand) coverage() float64 {
	d := pc.weight - pc.excusedW
	if d <= 0 {
		return 0
	}
	return min(1, pc.foundW/d)
}

func (pc *cand) rawCoverage() float64 {
	if pc.weight <= 0 {
		return 0
	}
	return pc.foundW / pc.weight
}

// signature names the lines a candidate carries (for equivalents).
func (pc *cand) signature() string {
	var b strings.Builder
	for _, ck := range pc.keys {
		fmt.Fprintf(&b, "%d:%x:%v:%d;", ck.key.file, ck.key.hash, ck.key.add, ck.count)
	}
	return b.String()
}

// take assigns to candidate ci the unexplained instances of its lines,
// preferring the hunks where it explains most.
func (t *treeLines) take(pc *cand, ci int, left map[lineKey]int, assign []int) {
	affinity := map[[2]int]int{} // (file, hunk) -> unexplained instances of its lines
	for _, ck := range pc.keys {
		if ck.key.file < 0 {
			continue
		}
		for _, i := range t.byKey[ck.key] {
			if assign[i] < 0 {
				in := &t.inst[i]
				affinity[[2]int{in.file, in.hunk}]++
			}
		}
	}
	for _, ck := range pc.keys {
		if ck.key.file < 0 || left[ck.key] == 0 {
			continue
		}
		var free []int
		for _, i := range t.byKey[ck.key] {
			if assign[i] < 0 {
				free = append(free, i)
			}
		}
		sort.SliceStable(free, func(a, b int) bool {
			ia, ib := &t.inst[free[a]], &t.inst[free[b]]
			return affinity[[2]int{ia.file, ia.hunk}] > affinity[[2]int{ib.file, ib.hunk}]
		})
		n := min(ck.count, len(free))
		for _, i := range free[:n] {
			assign[i] = ci
		}
		left[ck.key] -= n
	}
}

// report summarises a chosen candidate.
func (pc *cand) report(t *treeLines, assign []int, ci int) Chosen {
	ch := Chosen{ID: pc.c.ID, Subject: pc.c.Subject, Coverage: pc.coverage(), RawCoverage: pc.rawCoverage(),
		Lines: pc.lines, Found: pc.found, Excused: pc.excused}
	ch.Score = ch.Coverage
	switch {
	case pc.found == pc.lines:
		ch.Verdict = patchset.Equivalent
	case ch.Coverage >= patchset.RebasedThreshold:
		ch.Verdict = patchset.Rebased
	default:
		ch.Verdict = patchset.Partial
	}
	files := map[int]bool{}
	for i, a := range assign {
		if a == ci {
			ch.Explained++
			files[t.inst[i].file] = true
		}
	}
	for f := range files {
		ch.Files = append(ch.Files, t.paths[f])
	}
	sort.Strings(ch.Files)
	return ch
}

// heapItem is a candidate with its last computed gain.
type heapItem struct {
	ci    int
	gain  float64
	cov   float64
	order int
}

type candHeap []heapItem

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.gain != b.gain {
		return a.gain > b.gain
	}
	if a.cov != b.cov {
		return a.cov > b.cov
	}
	if a.order != b.order {
		return a.order < b.order
	}
	return a.ci < b.ci
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(heapItem)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// changes groups the changed lines of each hunk into runs explained alike.
func (t *treeLines) changes(origins []Origin, assign [][]int, chosen map[string][]Chosen) ([]Change, int) {
	// Instance of each hunk line.
	type pos struct{ file, hunk, idx int }
	at := make(map[pos]int, len(t.inst))
	for i, in := range t.inst {
		at[pos{in.file, in.hunk, in.idx}] = i
	}
	originsOf := func(i int) []ChangeOrigin {
		var out []ChangeOrigin
		for oi, o := range origins {
			pos := assign[oi][i]
			if pos < 0 {
				continue
			}
			c := chosen[o.Name][pos]
			out = append(out, ChangeOrigin{Origin: o.Name, Upstream: o.Upstream, ID: c.ID, Verdict: c.Verdict, Score: c.Score})
		}
		return out
	}
	same := func(a, b []ChangeOrigin) bool {
		return slices.EqualFunc(a, b, func(x, y ChangeOrigin) bool { return x.Origin == y.Origin && x.ID == y.ID })
	}
	var out []Change
	attributed := 0
	for fi, f := range t.res.Files {
		path := t.paths[fi]
		if len(f.Hunks) == 0 {
			c := Change{File: path, Hunk: -1}
			if i, ok := at[pos{fi, -1, -1}]; ok {
				c.Origins = originsOf(i)
			}
			out = append(out, c)
			continue
		}
		for hi, h := range f.Hunks {
			newLine := h.NewStart
			if h.NewLines == 0 {
				newLine++
			}
			// Origins of each changed line; a blank line (not
			// fingerprinted) takes those of the line before it in its
			// block of changes, or else of the line after.
			origs := make([][]ChangeOrigin, len(h.Lines))
			known := make([]bool, len(h.Lines))
			for li, l := range h.Lines {
				if l.Op == ' ' {
					continue
				}
				if i, ok := at[pos{fi, hi, li}]; ok {
					origs[li], known[li] = originsOf(i), true
				}
			}
			for li := range h.Lines {
				if h.Lines[li].Op != ' ' && !known[li] && li > 0 && h.Lines[li-1].Op != ' ' && known[li-1] {
					origs[li], known[li] = origs[li-1], true
				}
			}
			for li := len(h.Lines) - 1; li >= 0; li-- {
				if h.Lines[li].Op != ' ' && !known[li] && li+1 < len(h.Lines) && h.Lines[li+1].Op != ' ' && known[li+1] {
					origs[li], known[li] = origs[li+1], true
				}
			}
			cur := -1
			for li, l := range h.Lines {
				if l.Op == ' ' {
					cur = -1
					newLine++
					continue
				}
				if cur < 0 || !same(out[cur].Origins, origs[li]) {
					out = append(out, Change{File: path, Line: newLine, Hunk: hi, Origins: origs[li]})
					cur = len(out) - 1
				}
				c := &out[cur]
				c.Lines++
				if l.Op == '+' {
					c.Added++
					newLine++
				} else {
					c.Removed++
				}
				if len(origs[li]) > 0 {
					attributed++
				}
			}
		}
	}
	return out, attributed
}
