package provenance

import (
	"fmt"
	"hash/fnv"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// patchFile is one patch file of a package, parsed and fingerprinted for
// matching.
type patchFile struct {
	origin   string
	name     string // file name as the spec names it
	path     string // path inside the source
	number   int    // patch number, -1 when unknown
	order    int    // position in the application plan (or declaration order)
	strip    int    // -p level from the plan; -1 when unknown
	sha256   string
	sha1     string
	size     int64
	parts    []*patchset.Patch
	comment  string                // spec comment block above the declaration
	hunks    []hunkSig             // every hunk of every part, in order
	total    int                   // changed lines (added + removed) as written in the hunks
	diffKey  uint64                // hash of the whole diff (paths and hunk bodies, no @@ numbers, no headers)
	changes  []patchset.FileChange // net change per file section of every part (package patchset)
	partOff  []int                 // changes[partOff[i]:partOff[i+1]] are part i's
	parseErr error
	overlay  bool // a rebuild overlay file (PATCHES/)
	applied  bool // the %prep plan applies it
	declLine int  // line of the Patch tag
}

// hunkSig is one hunk of a patch file.
type hunkSig struct {
	index              int // 1-based over the patch file
	part               int // 1-based part (mbox message) index
	path               string
	section            string
	oldStart, newStart int
	added, removed     int // changed lines as written
	change, hunk       int // the hunk is changes[change].Hunks[hunk]
}

// hunkChange returns the net change of hunk h of pf.
func (pf *patchFile) hunkChange(h hunkSig) *patchset.HunkChange {
	return &pf.changes[h.change].Hunks[h.hunk]
}

// partChanges returns the file changes of part i (0-based).
func (pf *patchFile) partChanges(i int) []patchset.FileChange {
	return pf.changes[pf.partOff[i]:pf.partOff[i+1]]
}

// paths returns the paths pf changes, in order, without duplicates.
func (pf *patchFile) paths() []string {
	var out []string
	for i := range pf.changes {
		if p := pf.changes[i].Path; p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// fingerprint fills the signatures of pf from its parsed parts.
func (pf *patchFile) fingerprint() {
	dk := fnv.New64a()
	idx, change := 0, 0
	for pi, p := range pf.parts {
		pf.partOff = append(pf.partOff, change)
		for _, f := range p.Files {
			if f == nil {
				continue
			}
			ci := change
			change++
			pth := f.Path(pf.strip)
			if pth == "" {
				pth = f.Path(-1)
			}
			if pth == "" {
				continue
			}
			fmt.Fprintf(dk, "F%s\n", pth)
			k := 0
			for _, h := range f.Hunks {
				if h == nil {
					continue
				}
				idx++
				hs := hunkSig{index: idx, part: pi + 1, path: pth, section: h.Section, oldStart: h.OldStart, newStart: h.NewStart, change: ci, hunk: k}
				k++
				dk.Write([]byte("H\n"))
				for _, l := range h.Lines {
					dk.Write([]byte{l.Op})
					dk.Write([]byte(l.Text))
					dk.Write([]byte{'\n'})
					switch l.Op {
					case '+':
						hs.added++
					case '-':
						hs.removed++
					}
				}
				pf.total += hs.added + hs.removed
				pf.hunks = append(pf.hunks, hs)
			}
		}
	}
	pf.partOff = append(pf.partOff, change)
	pf.diffKey = dk.Sum64()
	pf.changes = patchset.ChangesFromPatches(pf.parts, pf.strip)
}

// compareFiles compares a target patch file with an origin patch file with
// patchset.CompareChanges (net change per file, paths seen through
// prefixes and moves, adapted lines counted by similarity) and names the
// result on the graph's verdict scale.
func compareFiles(t, o *patchFile) comparison {
	pc := patchset.CompareChanges(t.changes, o.changes)
	c := comparison{score: pc.Score, coverT: pc.InB, coverO: pc.InA}
	switch pc.Verdict {
	case patchset.Unrelated:
		c.verdict = "unrelated"
		return c
	case patchset.Identical:
		c.verdict = VerdictIdentical
	case patchset.Equivalent:
		c.verdict = VerdictEquivalent
		c.evidence = append(c.evidence, "same diff apart from whitespace and paths")
	case patchset.Rebased:
		c.verdict = VerdictRebased
		c.evidence = append(c.evidence, fmt.Sprintf("same changes on another base (%.0f%% / %.0f%% of changed lines shared)", 100*pc.InB, 100*pc.InA))
	case patchset.Partial:
		c.verdict = VerdictPartial
		// Dice undersells a small patch wholly inside a big one (a split);
		// the mean containment says how much of each side is explained.
		c.score = (pc.InA + pc.InB) / 2
		if pc.Direction == patchset.AContainsB {
			c.evidence = append(c.evidence, fmt.Sprintf("the target holds all of this patch and more (%.0f%% of the target's lines)", 100*pc.InB))
		} else {
			c.evidence = append(c.evidence, fmt.Sprintf("the target carries part of this patch (%.0f%% of its lines)", 100*pc.InA))
		}
	default:
		c.verdict = VerdictSimilar
		c.evidence = append(c.evidence, fmt.Sprintf("%.0f%% of the target's changed lines in common", 100*pc.InB))
	}
	for _, f := range pc.Files {
		if f.A >= 0 && f.B >= 0 && !f.Moved && t.changes[f.A].Path != o.changes[f.B].Path {
			c.evidence = append(c.evidence, fmt.Sprintf("path %s matched %s", t.changes[f.A].Path, o.changes[f.B].Path))
		}
	}
	return c
}

// pathsMeet reports whether two patch paths name the same file, seeing
// through leftover prefixes (pkg-1.0/, a/) and moved directories: equal,
// or one is a suffix of the other at a '/' boundary, or (for moved files)
// the base names are equal.
func pathsMeet(a, b string) (bool, string) {
	if a == b {
		return true, ""
	}
	if strings.HasSuffix(a, "/"+b) || strings.HasSuffix(b, "/"+a) {
		return true, "paths match by suffix"
	}
	if path.Base(a) == path.Base(b) {
		return true, fmt.Sprintf("moved file: %s vs %s", a, b)
	}
	return false, ""
}

// comparison is the result of comparing a target patch file with an origin
// patch file (or commit) by changed-line multisets.
type comparison struct {
	verdict  string
	score    float64
	coverT   float64 // share of the target's changed lines found in the origin
	coverO   float64 // share of the origin's changed lines found in the target
	evidence []string
}

// exactOverlap counts the normalised changed lines t and o share exactly,
// file by file over paths that meet, all lines and added lines alone.
func exactOverlap(t, o *patchFile) (all, added int) {
	for i := range t.changes {
		tf := &t.changes[i]
		best, bestAdd := 0, 0
		for j := range o.changes {
			of := &o.changes[j]
			if ok, _ := pathsMeet(tf.Path, of.Path); ok {
				n, a := 0, 0
				patchset.SharedLines(tf.Lines, of.Lines, func(i, _, k int) {
					n += k
					if tf.Lines[i].Count > 0 {
						a += k
					}
				})
				best, bestAdd = max(best, n), max(bestAdd, a)
			}
		}
		all += best
		added += bestAdd
	}
	return all, added
}

// weight counts the changed lines of pf's net change (lines added in one
// hunk and removed in another cancel).
func (pf *patchFile) weight() int {
	n := 0
	for i := range pf.changes {
		n += pf.changes[i].Weight()
	}
	return n
}

// addedLines counts the added lines of pf's net change.
func (pf *patchFile) addedLines() int {
	n := 0
	for i := range pf.changes {
		n += pf.changes[i].Added
	}
	return n
}

// hunkCover returns the share of the hunk's changed lines found in the
// origin file of a path that meets the hunk's path.
func hunkCover(path string, h *patchset.HunkChange, o *patchFile) float64 {
	w := h.Weight()
	if w == 0 {
		return 0
	}
	best := 0.0
	for i := range o.changes {
		of := &o.changes[i]
		if ok, _ := pathsMeet(path, of.Path); !ok {
			continue
		}
		if r := float64(patchset.Overlap(h.Lines, of.Lines)) / float64(w); r > best {
			best = r
		}
	}
	return best
}

// verdictRank orders verdicts from best to worst.
func verdictRank(v string) int {
	switch v {
	case VerdictIdentical:
		return 0
	case VerdictEquivalent:
		return 1
	case VerdictRebased:
		return 2
	case VerdictPartial:
		return 3
	case VerdictSimilar:
		return 4
	}
	return 9
}

// edgeKindFor maps a verdict of a patch-to-patch match to an edge kind.
func edgeKindFor(verdict string, upstream bool) EdgeKind {
	if upstream {
		if verdict == VerdictIdentical {
			return EdgeIdenticalTo
		}
		return EdgeBackportOf
	}
	if verdict == VerdictIdentical || verdict == VerdictEquivalent {
		return EdgeIdenticalTo
	}
	return EdgeRebasedFrom
}

// candidatesByPath returns the origin patch files that change at least one
// path meeting one of paths, in a stable order.
func candidatesByPath(paths []string, byBase map[string][]*patchFile) []*patchFile {
	seen := map[*patchFile]bool{}
	var out []*patchFile
	for _, p := range paths {
		for _, o := range byBase[path.Base(p)] {
			if seen[o] {
				continue
			}
			for _, op := range o.paths() {
				if ok, _ := pathsMeet(p, op); ok {
					seen[o] = true
					out = append(out, o)
					break
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}
