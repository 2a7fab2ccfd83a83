package provenance

import (
	"fmt"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// maxInterdiffLines caps the interdiff lines recorded per match.
const maxInterdiffLines = 24

// addInterdiffs records, as evidence of every rebased, partial or similar
// match of a target patch, its interdiff with what it matched: per file,
// the changed lines (after whitespace normalisation, as the matchers see
// them) that only the target patch makes and those only the origin patch
// or upstream commit makes. Identical and equivalent matches have none.
func addInterdiffs(results []*patchResult, tgt *pkgInfo, orgs []*pkgInfo, ups []*upIndex) {
	patches := map[string]*patchFile{}
	for _, pi := range append([]*pkgInfo{tgt}, orgs...) {
		for _, pf := range pi.patches {
			patches[NodeID(KindPatch, pi.name, pf.name)] = pf
		}
	}
	upByName := map[string]*upIndex{}
	for _, u := range ups {
		upByName[u.name] = u
	}
	for _, r := range results {
		if r == nil {
			continue
		}
		t := patches[r.id]
		if t == nil {
			continue
		}
		for i := range r.edges {
			e := &r.edges[i]
			if e.From != r.id || e.Kind == EdgeCites || e.Kind == EdgeNoOrigin {
				continue
			}
			switch e.Verdict {
			case VerdictRebased, VerdictPartial, VerdictSimilar:
			default:
				continue
			}
			var other []patchset.FileChange
			if o := patches[e.To]; o != nil {
				other = o.changes
			} else if kind, origin, commit, ok := splitNodeID(e.To); ok && kind == KindCommit {
				if u := upByName[origin]; u != nil {
					other, _ = u.ix.CommitChanges(commit)
				}
			}
			if other == nil {
				continue
			}
			e.Evidence = append(e.Evidence, interdiff(t.changes, other)...)
		}
	}
}

// splitNodeID splits "kind:origin:name" (see NodeID).
func splitNodeID(id string) (kind NodeKind, origin, name string, ok bool) {
	k, rest, ok1 := strings.Cut(id, ":")
	o, n, ok2 := strings.Cut(rest, ":")
	return NodeKind(k), o, n, ok1 && ok2
}

// interdiff lists, per file, the signed lines only a or only b changes,
// as "interdiff PATH: only in the target: +line" evidence lines (at most
// maxInterdiffLines, then a count of the rest).
func interdiff(a, b []patchset.FileChange) []string {
	var out []string
	more := 0
	add := func(s string) {
		if len(out) < maxInterdiffLines {
			out = append(out, s)
		} else {
			more++
		}
	}
	used := make([]bool, len(b))
	for _, fa := range a {
		j := bestFile(fa.Path, b, used)
		var lb []patchset.LineCount
		pathB := "(no such file in the origin)"
		if j >= 0 {
			used[j], lb, pathB = true, b[j].Lines, b[j].Path
		}
		onlyA, onlyB := lineDiff2(fa.Lines, lb)
		for _, l := range onlyA {
			add(fmt.Sprintf("interdiff %s: only in the target: %s", fa.Path, signed(l)))
		}
		for _, l := range onlyB {
			add(fmt.Sprintf("interdiff %s: only in the origin (%s): %s", fa.Path, pathB, signed(l)))
		}
	}
	for j, fb := range b {
		if used[j] {
			continue
		}
		n := 0
		for _, l := range fb.Lines {
			n += abs(l.Count)
		}
		add(fmt.Sprintf("interdiff %s: only in the origin: %d changed lines in a file the target does not touch", fb.Path, n))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("interdiff: %d more lines", more))
	}
	if len(out) == 0 {
		out = append(out, "interdiff: none (the same changed lines; only context, order or line numbers differ)")
	}
	return out
}

// bestFile picks the unused file of b whose path best matches p.
func bestFile(p string, b []patchset.FileChange, used []bool) int {
	best, bestSim := -1, 0.0
	for j, f := range b {
		if used[j] {
			continue
		}
		if s := patchset.PathSimilarity(p, f.Path); s > bestSim {
			best, bestSim = j, s
		}
	}
	return best
}

// lineDiff2 returns the signed line counts a has beyond b and b beyond a.
func lineDiff2(a, b []patchset.LineCount) (onlyA, onlyB []patchset.LineCount) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].Hash < b[j].Hash:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || a[i].Hash > b[j].Hash:
			onlyB = append(onlyB, b[j])
			j++
		default:
			x, y := a[i].Count, b[j].Count
			if (x > 0) == (y > 0) { // shared occurrences cancel out
				s := min(abs(x), abs(y))
				if x < 0 {
					s = -s
				}
				x, y = x-s, y-s
			}
			if x != 0 {
				onlyA = append(onlyA, patchset.LineCount{Hash: a[i].Hash, Count: x, Text: a[i].Text})
			}
			if y != 0 {
				onlyB = append(onlyB, patchset.LineCount{Hash: b[j].Hash, Count: y, Text: b[j].Text})
			}
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// signed formats a line count as "+text", "-text", "+text (×2)".
func signed(l patchset.LineCount) string {
	sign, n := "+", l.Count
	if n < 0 {
		sign, n = "-", -n
	}
	text := l.Text
	if strings.HasPrefix(text, "\x00") {
		text = "(" + strings.TrimPrefix(text, "\x00") + ")"
	}
	s := sign + shorten(text, 100)
	if n > 1 {
		s += fmt.Sprintf(" (×%d)", n)
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
