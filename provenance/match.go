package provenance

import (
	"fmt"
	"hash/fnv"
	"path"
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
	comment  string // spec comment block above the declaration
	files    []fileSig
	hunks    []hunkSig             // every hunk of every part, in order
	total    int                   // changed lines (added + removed)
	diffKey  uint64                // hash of the whole diff (paths and hunk bodies, no @@ numbers, no headers)
	changes  []patchset.FileChange // net change per file (package patchset)
	parseErr error
	overlay  bool // a rebuild overlay file (PATCHES/)
	applied  bool // the %prep plan applies it
	declLine int  // line of the Patch tag
}

// fileSig is the signed multiset of normalised changed lines of one file.
type fileSig struct {
	path  string // after strip
	lines map[uint64]int
	adds  map[uint64]int // the added lines alone
	n     int
	nAdd  int
}

// hunkSig is one hunk of a patch file.
type hunkSig struct {
	index              int // 1-based over the patch file
	part               int // 1-based part (mbox message) index
	path               string
	section            string
	oldStart, newStart int
	keys               []uint64 // changed lines, signed
	added, removed     int
}

// normLine removes whitespace (SP, TAB, CR, LF, VT, FF), as git patch-id does,
// so that whitespace-only changes still meet.
func normLine(s string) string {
	if !strings.ContainsAny(s, " \t\r\n\v\f") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

func lineKey(op byte, text string) uint64 {
	h := fnv.New64a()
	h.Write([]byte{op})
	h.Write([]byte(normLine(text)))
	return h.Sum64()
}

// fingerprint fills the signatures of pf from its parsed parts.
func (pf *patchFile) fingerprint() {
	byPath := map[string]*fileSig{}
	var order []string
	dk := fnv.New64a()
	idx := 0
	for pi, p := range pf.parts {
		for _, f := range p.Files {
			pth := f.Path(pf.strip)
			if pth == "" {
				pth = f.Path(-1)
			}
			if pth == "" || f.IsBinary && len(f.Hunks) == 0 {
				if pth == "" {
					continue
				}
			}
			fmt.Fprintf(dk, "F%s\n", pth)
			fs := byPath[pth]
			if fs == nil {
				fs = &fileSig{path: pth, lines: map[uint64]int{}, adds: map[uint64]int{}}
				byPath[pth] = fs
				order = append(order, pth)
			}
			for _, h := range f.Hunks {
				idx++
				hs := hunkSig{index: idx, part: pi + 1, path: pth, section: h.Section, oldStart: h.OldStart, newStart: h.NewStart}
				dk.Write([]byte("H\n"))
				for _, l := range h.Lines {
					dk.Write([]byte{l.Op})
					dk.Write([]byte(l.Text))
					dk.Write([]byte{'\n'})
					if l.Op != '+' && l.Op != '-' {
						continue
					}
					k := lineKey(l.Op, l.Text)
					hs.keys = append(hs.keys, k)
					if l.Op == '+' {
						hs.added++
						fs.adds[k]++
						fs.nAdd++
					} else {
						hs.removed++
					}
				}
				for _, k := range hs.keys {
					fs.lines[k]++
					fs.n++
					pf.total++
				}
				pf.hunks = append(pf.hunks, hs)
			}
		}
	}
	for _, p := range order {
		fs := byPath[p]
		// Lines added in one hunk and removed in another cancel out, as
		// in a net change; they stay counted in the hunks.
		pf.files = append(pf.files, *fs)
	}
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
	for _, tf := range t.files {
		best, bestAdd := 0, 0
		for _, of := range o.files {
			if ok, _ := pathsMeet(tf.path, of.path); ok {
				best = max(best, overlap(tf.lines, of.lines))
				bestAdd = max(bestAdd, overlap(tf.adds, of.adds))
			}
		}
		all += best
		added += bestAdd
	}
	return all, added
}

// addedLines counts the added lines of pf.
func (pf *patchFile) addedLines() int {
	n := 0
	for _, f := range pf.files {
		n += f.nAdd
	}
	return n
}

func overlap(a, b map[uint64]int) int {
	if len(a) > len(b) {
		a, b = b, a
	}
	n := 0
	for k, x := range a {
		if y := b[k]; y > 0 {
			n += min(x, y)
		}
	}
	return n
}

// hunkCover returns the share of the hunk's changed lines found in the
// origin file of a path that meets the hunk's path.
func hunkCover(h hunkSig, o *patchFile) float64 {
	if len(h.keys) == 0 {
		return 0
	}
	best := 0.0
	for _, of := range o.files {
		if ok, _ := pathsMeet(h.path, of.path); !ok {
			continue
		}
		need := map[uint64]int{}
		for _, k := range h.keys {
			need[k]++
		}
		got := overlap(need, of.lines)
		if r := float64(got) / float64(len(h.keys)); r > best {
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
// path meeting a path of t, in a stable order.
func candidatesByPath(t *patchFile, byBase map[string][]*patchFile) []*patchFile {
	seen := map[*patchFile]bool{}
	var out []*patchFile
	for _, f := range t.files {
		for _, o := range byBase[path.Base(f.path)] {
			if seen[o] {
				continue
			}
			for _, of := range o.files {
				if ok, _ := pathsMeet(f.path, of.path); ok {
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
