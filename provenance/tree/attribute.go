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
	// nil weighs boilerplate (patchset.Boilerplate: braces, lone keywords,
	// includes) 0.2 and other lines 1.
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
	// MaxRejected bounds, per origin, the candidates reported in
	// Attribution.Rejected (0: none).
	MaxRejected int
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
	// Rejected lists, per origin name, the candidates that share
	// evidential lines with the tree but may not explain any, most
	// shared first (at most AttributeOptions.MaxRejected): near misses,
	// for people reviewing the tree's own changes.
	Rejected map[string][]Rejected
}

// Rejected is a candidate that shares lines with the tree but explains
// none.
type Rejected struct {
	// ID and Subject are the candidate's.
	ID, Subject string
	// Coverage, Lines, Found and Excused are as in Chosen.
	Coverage              float64
	Lines, Found, Excused int
	// Reason says why it explains nothing.
	Reason string
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
	// Rewritten is set when the candidate's added lines are missing
	// because chosen candidates changed them again (a fix of a fix): the
	// tree carries only the rest of it, and the verdict is Partial.
	Rewritten bool
}

// Evidence describes c for people.
func (c *Chosen) Evidence() []string {
	ev := []string{fmt.Sprintf("the tree carries %d of its %d changed lines (coverage %.2f)", c.Found, c.Lines, c.Coverage)}
	if c.Excused > 0 {
		ev = append(ev, fmt.Sprintf("%d missing lines excused: another change of the origin rewrites them", c.Excused))
	}
	ev = append(ev, fmt.Sprintf("explains %d changed lines in %s", c.Explained, strings.Join(c.Files, ", ")))
	if c.Rewritten {
		ev = append(ev, "its added lines were changed again by later changes the tree carries")
	}
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
// (patchset.Evidential: removal-only and boilerplate overlaps are never
// enough); then the candidate explaining most of the
// still unexplained lines (weighted) is taken, its lines assigned in the
// hunks where it explains most, and so on until no candidate explains an
// evidential line more. Lines left are the tree's own. Candidates
// carrying the same lines as a chosen one are reported as its
// Equivalents.
func Attribute(ctx context.Context, res *Result, origins []Origin, opts AttributeOptions) (*Attribution, error) {
	if opts.MinCoverage <= 0 {
		opts.MinCoverage = 0.5
	}
	a := &Attribution{Chosen: map[string][]Chosen{}, Rejected: map[string][]Rejected{}}
	t := newTreeLines(res)
	a.Files, a.Lines = len(res.Files), t.lines
	// assign[o][i] is the position in Chosen[o] of the candidate
	// explaining instance i (-1: none).
	assign := make([][]int, len(origins))
	for oi := range origins {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := origins[oi].Name
		assign[oi], a.Chosen[name], a.Rejected[name] = t.cover(ctx, &origins[oi], opts)
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
		// A line removed and added again on the same file (re-indented,
		// moved) cancels in the file's net change, as in every
		// fingerprint: such pairs are no instances but follow their
		// neighbours, like blank lines.
		plus, minus := map[uint64]int{}, map[uint64]int{}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if hash, ok := patchset.LineHash(l.Text); ok && l.Op != ' ' {
					if l.Op == '+' {
						plus[hash]++
					} else {
						minus[hash]++
					}
				}
			}
		}
		for h, n := range plus {
			plus[h] = min(n, minus[h]) // pairs to cancel
		}
		for h := range minus {
			minus[h] = plus[h]
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
				if l.Op == '+' && plus[hash] > 0 {
					plus[hash]--
					continue
				}
				if l.Op == '-' && minus[hash] > 0 {
					minus[hash]--
					continue
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
	// evidAdds and evidFound count the evidential added lines (excused
	// ones left out) and those the tree carries; unique counts the found
	// evidential lines no other group of candidates carries.
	evidAdds, evidFound, unique int
	// wholeFile is set when the tree carries one of the candidate's files
	// whole: at least wholeFileLines evidential lines, and
	// patchset.RebasedThreshold of its weight.
	wholeFile bool
	group     int    // equivalence group: candidates with the same lines
	ok        bool   // eligible
	implied   bool   // chosen because chosen ones rewrote its lines
	why       string // why not eligible
	chosen    int    // position among chosen, -1
}

// candKey is one distinct changed line of a candidate on a tree file.
type candKey struct {
	key   lineKey // file -1: a file the tree does not change
	count int     // |count|
	w     float64
	evid  bool
}

func defaultWeight(patchset.LineCount) float64 { return 1 }

// lineWeight is a line's weight in coverages: the origin's weight, a fifth
// for boilerplate (braces, includes, lone keywords), half for a removed
// line (removing a line says less than adding one: any rewrite of it
// removes it too).
func lineWeight(weight func(patchset.LineCount) float64, l patchset.LineCount) float64 {
	w := weight(l)
	if patchset.Boilerplate(l.Text) {
		w *= 0.2
	}
	if l.Count < 0 {
		w *= 0.5
	}
	return w
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
// position of the chosen candidate explaining it (-1: none), the chosen
// candidates and the rejected ones.
func (t *treeLines) cover(ctx context.Context, o *Origin, opts AttributeOptions) ([]int, []Chosen, []Rejected) {
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
				agg[k] = &candKey{key: k, count: n, w: lineWeight(weight, l), evid: patchset.Evidential(l)}
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
	// Equivalence groups: candidates with the same lines.
	groupOf := map[string]int{}
	for _, pc := range cs {
		sig := pc.signature()
		g, ok := groupOf[sig]
		if !ok {
			g = len(groupOf)
			groupOf[sig] = g
		}
		pc.group = g
	}
	// Coverage, then eligibility in two passes: the found evidential lines
	// that make a candidate's own evidence are those no other eligible
	// group carries.
	for _, pc := range cs {
		pc.measure(t, carriers)
		pc.ok, pc.why = pc.eligible(opts.MinCoverage)
	}
	groupCarriers := map[lineKey]int{}
	seenGroup := map[int]bool{}
	for _, pc := range cs {
		if pc.ok && !seenGroup[pc.group] {
			seenGroup[pc.group] = true
			for _, ck := range pc.keys {
				groupCarriers[ck.key]++
			}
		}
	}
	for _, pc := range cs {
		if !pc.ok {
			continue
		}
		for _, ck := range pc.keys {
			if ck.evid && ck.key.file >= 0 && len(t.byKey[ck.key]) > 0 && groupCarriers[ck.key] == 1 {
				pc.unique++
			}
		}
		if pc.unique == 0 {
			pc.ok, pc.why = false, "every line the tree carries is carried by other candidates too"
		}
	}

	// Greedy cover with lazy gains.
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
	if ctx.Err() == nil {
		chosen = t.implied(cs, chosen, left, assign)
		chosen = t.removals(cs, chosen, left, assign)
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
	return assign, out, rejected(cs, opts.MaxRejected)
}

// rejected lists the ineligible candidates with found evidential lines,
// most found first, at most max.
func rejected(cs []*cand, max int) []Rejected {
	if max <= 0 {
		return nil
	}
	var rs []*cand
	for _, pc := range cs {
		if !pc.ok && pc.evidFound > 0 {
			rs = append(rs, pc)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].foundW > rs[j].foundW })
	var out []Rejected
	for _, pc := range rs[:min(max, len(rs))] {
		out = append(out, Rejected{ID: pc.c.ID, Subject: pc.c.Subject, Coverage: pc.coverage(),
			Lines: pc.lines, Found: pc.found, Excused: pc.excused, Reason: pc.why})
	}
	return out
}

// measure counts the candidate's lines the tree carries, and those it
// lacks because another candidate changes them back (carriers counts the
// candidates changing each line).
func (pc *cand) measure(t *treeLines, carriers map[lineKey]int) {
	type fileAcc struct {
		w, found, excused float64
		evid              int
	}
	files := map[int]*fileAcc{}
	defer func() {
		for _, f := range files {
			if f.evid >= wholeFileLines && f.found >= patchset.RebasedThreshold*(f.w-f.excused) {
				pc.wholeFile = true
			}
		}
	}()
	for _, ck := range pc.keys {
		fa := files[ck.key.file]
		if fa == nil {
			fa = &fileAcc{}
			files[ck.key.file] = fa
		}
		pc.lines += ck.count
		pc.weight += ck.w * float64(ck.count)
		have := 0
		if ck.key.file >= 0 {
			have = len(t.byKey[ck.key])
		}
		f := min(have, ck.count)
		pc.found += f
		pc.foundW += ck.w * float64(f)
		miss := ck.count - f
		excused := 0
		if miss > 0 && carriers[ck.key.opposite()] > 0 {
			excused = miss
			pc.excused += miss
			pc.excusedW += ck.w * float64(miss)
		}
		if ck.evid {
			pc.evidAdds += ck.count - excused
			pc.evidFound += f
			fa.evid += f
		}
		fa.w += ck.w * float64(ck.count)
		fa.found += ck.w * float64(f)
		fa.excused += ck.w * float64(excused)
	}
}

// wholeFileLines is the number of evidential lines a file of a candidate
// must have in the tree for the file alone to count as evidence (a
// backport of one file of a larger commit).
const wholeFileLines = 5

// opposite is the same line changed the other way.
func (k lineKey) opposite() lineKey {
	k.add = !k.add
	return k
}

// eligible tells whether a candidate may explain lines: not a merge, the
// tree carrying enough of its lines and of its evidential added lines (or
// one of its files whole and half that share of its lines: a backport of
// part of a commit), and no more lines excused than found. (Attribute also wants a found
// evidential line that no other eligible candidate but its equivalents
// carries.)
func (pc *cand) eligible(minCov float64) (bool, string) {
	cov := pc.coverage()
	part := pc.wholeFile && cov >= minCov/2
	switch {
	case pc.c.Merge:
		return false, "a merge commit"
	case pc.evidFound == 0:
		return false, "no evidential line in the tree (only removed lines or boilerplate)"
	case !part && cov < minCov:
		return false, fmt.Sprintf("coverage %.2f below %.2f", cov, minCov)
	case !part && float64(pc.evidFound) < 0.8*minCov*float64(pc.evidAdds):
		return false, fmt.Sprintf("%d of its %d evidential added lines in the tree", pc.evidFound, pc.evidAdds)
	case pc.excusedW > pc.foundW:
		return false, "more of its lines excused (changed back by others) than found"
	}
	return true, ""
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

// implied chooses the candidates whose added lines the chosen ones
// changed back: a backport later rewritten by another backport leaves in
// the tree only the lines it removed, yet the later one, which is there,
// removes lines that only it added. A candidate is implied when every
// line it adds and the tree lacks is removed by a chosen candidate, at
// least one of them evidential and added by no other group, every other
// line it changes is in the tree, and the tree carries some of them
// unexplained (those it is given).
func (t *treeLines) implied(cs []*cand, chosen []int, left map[lineKey]int, assign []int) []int {
	removedByChosen := map[lineKey]bool{}
	for _, ci := range chosen {
		for _, ck := range cs[ci].keys {
			if !ck.key.add {
				removedByChosen[ck.key] = true
			}
		}
	}
	adders := map[lineKey]map[int]bool{} // added line -> groups adding it
	for _, pc := range cs {
		for _, ck := range pc.keys {
			if ck.key.add {
				if adders[ck.key] == nil {
					adders[ck.key] = map[int]bool{}
				}
				adders[ck.key][pc.group] = true
			}
		}
	}
	for ci, pc := range cs {
		if pc.chosen >= 0 || pc.c.Merge {
			continue
		}
		chain, free := false, 0
		ok := true
		for _, ck := range pc.keys {
			have := 0
			if ck.key.file >= 0 {
				have = len(t.byKey[ck.key])
			}
			if have >= ck.count {
				free += min(left[ck.key], ck.count)
				continue
			}
			if !ck.key.add || !removedByChosen[ck.key.opposite()] {
				ok = false
				break
			}
			if ck.evid && len(adders[ck.key]) == 1 {
				chain = true
			}
		}
		if !ok || !chain || free == 0 {
			continue
		}
		t.take(pc, ci, left, assign)
		pc.chosen, pc.implied = len(chosen), true
		chosen = append(chosen, ci)
	}
	return chosen
}

// removals chooses the candidates that only remove lines, when the tree
// removes every one of them, at least one is not boilerplate, no other
// group removes it, and no chosen candidate explains those removals.
// Removed lines alone are never evidence against other candidates; a
// change that is nothing but that removal is.
func (t *treeLines) removals(cs []*cand, chosen []int, left map[lineKey]int, assign []int) []int {
	removers := map[lineKey]map[int]bool{}
	for _, pc := range cs {
		for _, ck := range pc.keys {
			if !ck.key.add {
				if removers[ck.key] == nil {
					removers[ck.key] = map[int]bool{}
				}
				removers[ck.key][pc.group] = true
			}
		}
	}
	for ci, pc := range cs {
		if pc.chosen >= 0 || pc.c.Merge || len(pc.keys) == 0 {
			continue
		}
		ok, distinct := true, false
		for _, ck := range pc.keys {
			if ck.key.add || ck.key.file < 0 || left[ck.key] < ck.count {
				ok = false
				break
			}
			if !patchset.Boilerplate(t.inst[t.byKey[ck.key][0]].line.Text) && len(removers[ck.key]) == 1 {
				distinct = true
			}
		}
		if !ok || !distinct {
			continue
		}
		t.take(pc, ci, left, assign)
		pc.chosen = len(chosen)
		chosen = append(chosen, ci)
	}
	return chosen
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
	if pc.implied {
		ch.Verdict, ch.Rewritten = patchset.Partial, true
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

// follow gives the changed lines without origins of their own those of
// the nearest line that has some: within blocks of changes when inBlock,
// else anywhere in the hunk.
func follow(lines []patchset.Line, origs [][]ChangeOrigin, known []bool, inBlock bool) {
	near := make([]int, len(lines)) // distance to the source, or -1
	src := make([]int, len(lines))
	for i := range near {
		near[i], src[i] = -1, -1
	}
	sweep := func(from, to, step int) {
		last := -1
		for li := from; li != to; li += step {
			switch {
			case lines[li].Op == ' ':
				if inBlock {
					last = -1
				}
				continue
			case known[li]:
				last = li
				continue
			}
			if last >= 0 {
				if d := (li - last) * step; near[li] < 0 || d < near[li] {
					near[li], src[li] = d, last
				}
			}
		}
	}
	sweep(0, len(lines), 1)
	sweep(len(lines)-1, -1, -1)
	for li := range lines {
		if src[li] >= 0 {
			origs[li], known[li] = origs[src[li]], true
		}
	}
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
			// Origins of each changed line. A line that is no instance
			// (blank, or cancelled by its re-indented copy) takes those of
			// the nearest instance in its block of changes (the line
			// before it first), or else of the nearest in the hunk.
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
			follow(h.Lines, origs, known, true)
			follow(h.Lines, origs, known, false)
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
