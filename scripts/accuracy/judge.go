package main

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance"
)

// attribution is one commit the trace attributes a patch (or one of its
// hunks) to.
type attribution struct {
	Commit  string
	Verdict string
	Score   float64
	Hunk    bool // attributed to a hunk, not to the whole patch
}

// attributionsOf returns the commits the graph links patch name to, by
// content: backport and identity edges from the patch and from its hunks
// (citation edges are not attributions). ok is false when the graph has
// no such patch.
func attributionsOf(g *provenance.Graph, name string) (atts []attribution, ok bool) {
	pid := provenance.NodeID(provenance.KindPatch, g.Target, name)
	if g.Node(pid) == nil {
		return nil, false
	}
	best := map[string]int{}
	add := func(from string, hunk bool) {
		for _, e := range g.Out(from) {
			if e.Kind == provenance.EdgeCites {
				continue
			}
			n := g.Node(e.To)
			if n == nil || n.Kind != provenance.KindCommit {
				continue
			}
			a := attribution{Commit: n.Name, Verdict: e.Verdict, Score: e.Score, Hunk: hunk}
			if i, seen := best[a.Commit]; seen {
				if atts[i].Hunk && !hunk || atts[i].Hunk == hunk && a.Score > atts[i].Score {
					atts[i] = a
				}
				continue
			}
			best[a.Commit] = len(atts)
			atts = append(atts, a)
		}
	}
	add(pid, false)
	for _, e := range g.In(pid, provenance.EdgePartOf) {
		if n := g.Node(e.From); n != nil && n.Kind == provenance.KindHunk {
			add(e.From, true)
		}
	}
	return atts, true
}

// judge decides, for one upstream, whether a reported commit is one a
// patch cites: the cited commit, its copy on another branch (same
// subject, author and author date, or the same patch-id), or, for a cited
// merge, a commit of the branch it merged.
type judge struct {
	git     gitRepo
	ends    []string              // the range's base (if any) and tip
	meta    map[string]commitMeta // every commit looked at, by id
	byKey   map[string][]string   // in-range commits by commitMeta.key
	inRange map[string]bool       // commits of the range
	pids    map[string]string     // patch-id by commit ("" when none)
	changes map[string][]patchset.FileChange
	parsed  map[string][]*patchset.Patch
}

func newJudge(ctx context.Context, g gitRepo, rng string) (*judge, error) {
	ms, err := g.rangeMeta(ctx, rng)
	if err != nil {
		return nil, err
	}
	ends := strings.Split(rng, "..")
	if len(ends) == 2 && ends[0] == "" {
		ends = ends[1:]
	}
	j := &judge{git: g, ends: ends, meta: map[string]commitMeta{}, byKey: map[string][]string{}, inRange: map[string]bool{},
		pids: map[string]string{}, changes: map[string][]patchset.FileChange{}, parsed: map[string][]*patchset.Patch{}}
	for _, m := range ms {
		j.meta[m.ID] = m
		j.inRange[m.ID] = true
		j.byKey[m.key()] = append(j.byKey[m.key()], m.ID)
	}
	return j, nil
}

// load reads the metadata of commits not seen yet.
func (j *judge) load(ctx context.Context, ids []string) error {
	var need []string
	for _, id := range ids {
		if _, ok := j.meta[id]; !ok {
			need = append(need, id)
		}
	}
	ms, err := j.git.meta(ctx, need)
	if err != nil {
		return err
	}
	for id, m := range ms {
		j.meta[id] = m
	}
	return nil
}

// change returns the net change of a commit against its first parent.
func (j *judge) change(ctx context.Context, id string) []patchset.FileChange {
	if c, ok := j.changes[id]; ok {
		return c
	}
	var fc []patchset.FileChange
	if m, ok := j.meta[id]; ok {
		if d, err := j.git.diff(ctx, m); err == nil {
			if ps, err := patchset.ParseBytes(id, d); err == nil {
				fc = patchset.ChangesFromPatches(ps, 1)
				j.parsed[id] = ps
			}
			var pid string
			_ = patchset.PatchIDs(strings.NewReader(string(d)), patchset.PatchIDStable, func(p, _ [20]byte) {
				pid = fmt.Sprintf("%x", p)
			})
			j.pids[id] = pid
		}
	}
	j.changes[id] = fc
	return fc
}

func (j *judge) patchID(ctx context.Context, id string) string {
	j.change(ctx, id)
	return j.pids[id]
}

// same reports whether reported commit r carries the change of cited
// commit c.
func (j *judge) same(ctx context.Context, r, c string) bool {
	if r == c {
		return true
	}
	mr, ok1 := j.meta[r]
	mc, ok2 := j.meta[c]
	if !ok1 || !ok2 {
		return false
	}
	if mr.key() == mc.key() {
		return true
	}
	if len(mr.Parents) < 2 && len(mc.Parents) < 2 {
		if p := j.patchID(ctx, r); p != "" && p == j.patchID(ctx, c) {
			return true
		}
	}
	// A commit that a cited merge brought in.
	if len(mc.Parents) >= 2 && j.git.isAncestor(ctx, r, c) && !j.git.isAncestor(ctx, r, mc.Parents[0]) {
		return true
	}
	return false
}

// duplicate reports whether commit r makes the change of commit c again
// at the same place (an upstream duplicate, or a fix re-done after a
// revert): the same files, the same net lines, anchored either by a
// removed line that is not boilerplate or by the same context lines.
// The same lines inserted elsewhere in a file are not a duplicate.
func (j *judge) duplicate(ctx context.Context, r, c string) bool {
	fr, fc := j.change(ctx, r), j.change(ctx, c)
	if len(fr) == 0 || len(fr) != len(fc) {
		return false
	}
	pathsR, pathsC := map[string]bool{}, map[string]bool{}
	for i := range fr {
		pathsR[fr[i].Path] = true
		pathsC[fc[i].Path] = true
	}
	if !maps.Equal(pathsR, pathsC) {
		return false
	}
	mr, mc := patchset.Merge(fr), patchset.Merge(fc)
	if !slices.EqualFunc(mr, mc, func(x, y patchset.LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
		return false
	}
	for _, l := range mr {
		if l.Count < 0 && !patchset.Boilerplate(l.Text) {
			return true
		}
	}
	return maps.Equal(contextLines(j.parsed[r]), contextLines(j.parsed[c]))
}

// contextLines returns the hashes of the context lines of a diff.
func contextLines(ps []*patchset.Patch) map[uint64]bool {
	m := map[uint64]bool{}
	for _, p := range ps {
		for _, f := range p.Files {
			for _, h := range f.Hunks {
				for _, l := range h.Lines {
					if hash, ok := patchset.LineHash(l.Text); ok && l.Op == ' ' {
						m[hash] = true
					}
				}
			}
		}
	}
	return m
}

// minCarriedLines is the number of added, non-boilerplate lines a commit
// must have before its presence, whole, in a patch that does not cite it
// counts as evidence that the patch carries it.
const minCarriedLines = 4

// carriedWhole reports whether a patch holds at least 90% of a commit's
// changed lines in files of the same names, the commit adding at least
// minCarriedLines evidential lines: an uncited prerequisite the backport
// took along, which the citations cannot confirm or refute.
func (j *judge) carriedWhole(ctx context.Context, r string, parts []*patchset.Patch) bool {
	if len(j.meta[r].Parents) >= 2 {
		return false
	}
	fc := j.change(ctx, r)
	evidential := 0
	for _, l := range patchset.Merge(fc) {
		if patchset.Evidential(l) {
			evidential += l.Count
		}
	}
	if evidential < minCarriedLines {
		return false
	}
	byBase := map[string][]patchset.LineCount{}
	for _, f := range patchset.ChangesFromPatches(parts, -1) {
		b := path.Base(f.Path)
		byBase[b] = append(byBase[b], f.Lines...)
	}
	held, total := 0, 0
	for _, f := range fc {
		w := patchset.Weight(f.Lines)
		total += w
		held += int(patchset.Containment(f.Lines, patchset.Merge([]patchset.FileChange{{Lines: byBase[path.Base(f.Path)]}})) * float64(w))
	}
	return total > 0 && float64(held) >= 0.9*float64(total)
}

// landed returns the in-range commits that carry cited commit c: itself,
// or its copies (same subject, author and date).
func (j *judge) landed(c string) []string {
	if j.inRange[c] {
		return []string{c}
	}
	m, ok := j.meta[c]
	if !ok {
		return nil
	}
	return j.byKey[m.key()]
}

func isDoc(p string) bool { return patchset.ProseFormatOf(p) != patchset.NotProse }

// docShare is the share of a change's lines that are in documentation
// files.
func docShare(fc []patchset.FileChange) float64 {
	doc, all := 0, 0
	for _, f := range fc {
		w := f.Added + f.Removed
		all += w
		if isDoc(f.Path) {
			doc += w
		}
	}
	if all == 0 {
		return 0
	}
	return float64(doc) / float64(all)
}

func removalsOnly(fc []patchset.FileChange) bool {
	add, rem := 0, 0
	for _, f := range fc {
		add += f.Added
		rem += f.Removed
	}
	return rem > 0 && add == 0
}

// baseNames returns the set of file base names a change touches.
func baseNames(fc []patchset.FileChange) map[string]bool {
	m := map[string]bool{}
	for _, f := range fc {
		m[path.Base(f.Path)] = true
		if f.OldPath != "" {
			m[path.Base(f.OldPath)] = true
		}
	}
	return m
}

func meets(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

// coverage returns the share of the patch's changed lines in the commit
// (pc) and of the commit's changed lines in the patch (cc).
func coverage(patch, commit []patchset.FileChange) (pc, cc float64) {
	p, c := patchset.Merge(patch), patchset.Merge(commit)
	return patchset.Containment(p, c), patchset.Containment(c, p)
}

// overlapKind describes the lines a patch and a commit share:
// "removal-only" when they share only removed lines, "boilerplate" when
// every shared line is patchset.Boilerplate, else "".
func overlapKind(patch, commit []patchset.FileChange) string {
	sign := map[uint64]int{}
	for _, l := range patchset.Merge(commit) {
		sign[l.Hash] = l.Count
	}
	added, removed, boiler := 0, 0, 0
	for _, l := range patchset.Merge(patch) {
		n, ok := sign[l.Hash]
		if !ok || (n > 0) != (l.Count > 0) {
			continue
		}
		if l.Count > 0 {
			added++
		} else {
			removed++
		}
		if patchset.Boilerplate(l.Text) {
			boiler++
		}
	}
	switch {
	case added == 0 && removed > 0:
		return "removal-only"
	case added+removed > 0 && boiler == added+removed:
		return "boilerplate"
	}
	return ""
}

// proseOf is the prose fingerprint of every documentation file of ps.
func proseOf(ps []*patchset.Patch) []patchset.LineCount {
	var all []patchset.LineCount
	for _, p := range ps {
		for _, f := range p.Files {
			all = append(all, patchset.ProseFromFile(f)...)
		}
	}
	return patchset.Merge([]patchset.FileChange{{Lines: all}})
}

// carried reports whether a patch carries anything of a commit that
// content could find: a changed line (same sign), a shingle of
// documentation words, or a line renamed consistently (ComparePort), in
// the whole patch or in one part of an mbox (parts may cancel each other
// out). A part without net change (it only moves or re-indents lines)
// counts as carrying it: only its diff can be compared.
func (j *judge) carried(ctx context.Context, id string, parts []*patchset.Patch) bool {
	fc := j.change(ctx, id)
	cm := patchset.Merge(fc)
	for _, p := range parts {
		pc := patchset.ChangesFromPatch(p, -1)
		pm := patchset.Merge(pc)
		if len(p.Files) > 0 && patchset.Weight(pm) == 0 || patchset.Overlap(pm, cm) > 0 {
			return true
		}
		if pp := proseOf([]*patchset.Patch{p}); len(pp) > 0 && patchset.Overlap(pp, proseOf(j.parsed[id])) > 0 {
			return true
		}
		if patchset.ComparePort(pc, fc).Renamed > 0 {
			return true
		}
	}
	return false
}

// bestCoverage returns the coverages (see coverage) of the commit by the
// whole patch or by the one part of it that covers it best.
func bestCoverage(parts []*patchset.Patch, commit []patchset.FileChange) (pc, cc float64) {
	pc, cc = coverage(patchset.ChangesFromPatches(parts, -1), commit)
	if len(parts) < 2 {
		return pc, cc
	}
	for _, p := range parts {
		if a, b := coverage(patchset.ChangesFromPatch(p, -1), commit); b > cc || b == cc && a > pc {
			pc, cc = a, b
		}
	}
	return pc, cc
}

// diagnoseMiss explains why a cited commit was not reported.
func (j *judge) diagnoseMiss(ctx context.Context, c string, parts []*patchset.Patch, groups int, atts []attribution) string {
	patch := patchset.ChangesFromPatches(parts, -1)
	ids := j.landed(c)
	if len(ids) == 0 {
		return "not in range: the cited commit and its copies are outside the indexed range"
	}
	id := ids[0]
	m := j.meta[id]
	fc := j.change(ctx, id)
	pc, cc := bestCoverage(parts, fc)
	cov := fmt.Sprintf("pc=%.2f cc=%.2f", pc, cc)
	var shape string
	switch {
	case patchset.Weight(patchset.Merge(patch)) == 0:
		shape = "no net line change (the patch only moves or re-indents lines)"
	case len(m.Parents) >= 2:
		shape = "merge"
	case groups >= 2:
		shape = fmt.Sprintf("squash (one of %d cited commits)", groups)
	case removalsOnly(fc):
		shape = "removal-only commit"
	case docShare(patch) > 0.5 || docShare(fc) > 0.5:
		pp, cp := proseOf(parts), proseOf(j.parsed[id])
		shape = fmt.Sprintf("prose (words: %.2f of the patch's in the commit, %.2f of the commit's in the patch)",
			patchset.Containment(pp, cp), patchset.Containment(cp, pp))
	case !meets(baseNames(patch), baseNames(fc)):
		shape = "moved-or-renamed (no file in common)"
	case cc >= 0.7 && pc < 0.5:
		shape = "mixed (the patch carries more than the commit)"
	case pc >= 0.7 && cc < 0.5:
		shape = "partial (the patch carries part of the commit)"
	case pc < 0.5 && cc < 0.5:
		shape = "ported or rewritten (little line overlap)"
	default:
		shape = "content matches but not reported"
	}
	if pseudoOnly(patch) {
		shape += "; the patch has only pseudo-lines (empty or binary files, renames, mode changes)"
	}
	if !j.anyPathAtEnds(ctx, patch) {
		shape += "; none of the patch's paths exists at either end of the range"
	}
	if len(atts) > 0 {
		shape += fmt.Sprintf("; reported instead: %s", describe(atts, 3))
	}
	return fmt.Sprintf("%s %s: %s %q", shape, cov, short(id), shorten(m.Subject, 60))
}

// pseudoOnly reports a change whose every line is a pseudo-line.
func pseudoOnly(fc []patchset.FileChange) bool {
	n := 0
	for _, f := range fc {
		for _, l := range f.Lines {
			if len(l.Text) == 0 || l.Text[0] != 0 {
				return false
			}
			n++
		}
	}
	return n > 0
}

// anyPathAtEnds reports whether some path of a change exists at the
// range's base or tip.
func (j *judge) anyPathAtEnds(ctx context.Context, fc []patchset.FileChange) bool {
	var in strings.Builder
	n := 0
	for _, f := range fc {
		for _, e := range j.ends {
			for _, p := range []string{f.Path, f.OldPath} {
				if p != "" {
					in.WriteString(e + ":" + p + "\n")
					n++
				}
			}
		}
	}
	if n == 0 {
		return true
	}
	out, err := j.git.run(ctx, []byte(in.String()), "cat-file", "--batch-check=%(objecttype)")
	return err != nil || strings.Contains(string(out), "blob")
}

// diagnoseWrong explains a reported commit that is none of the cited ones.
func (j *judge) diagnoseWrong(ctx context.Context, a attribution, parts []*patchset.Patch, cited [][]string) string {
	patch := patchset.ChangesFromPatches(parts, -1)
	m := j.meta[a.Commit]
	fc := j.change(ctx, a.Commit)
	pc, cc := bestCoverage(parts, fc)
	var shape string
	switch k := overlapKind(patch, fc); {
	case len(m.Parents) >= 2:
		shape = "merge"
	case j.sameLinesAsCited(ctx, fc, cited):
		shape = "same changed lines as the cited commit (only the context tells them apart)"
	case k != "":
		shape = k
	case cc >= 0.9:
		shape = "uncited but carried (the patch holds the whole commit)"
	case docShare(patch) > 0.5:
		shape = "prose"
	default:
		shape = "similar"
	}
	level := "patch"
	if a.Hunk {
		level = "hunk"
	}
	return fmt.Sprintf("%s pc=%.2f cc=%.2f (%s %s %.2f): %s %q", shape, pc, cc, level, a.Verdict, a.Score, short(a.Commit), shorten(m.Subject, 60))
}

// sameLinesAsCited reports whether a change has the net lines of one of
// the cited commits.
func (j *judge) sameLinesAsCited(ctx context.Context, fc []patchset.FileChange, cited [][]string) bool {
	m := patchset.Merge(fc)
	for _, grp := range cited {
		for _, id := range j.landed(grp[0]) {
			c := patchset.Merge(j.change(ctx, id))
			if len(m) > 0 && slices.EqualFunc(m, c, func(x, y patchset.LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
				return true
			}
		}
	}
	return false
}

func describe(atts []attribution, n int) string {
	var s []string
	for i, a := range atts {
		if i == n {
			s = append(s, fmt.Sprintf("+%d", len(atts)-n))
			break
		}
		s = append(s, short(a.Commit)+"/"+a.Verdict)
	}
	return strings.Join(s, " ")
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
