package provenance

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

// upIndex is an indexed upstream history.
type upIndex struct {
	name string
	ix   *upstream.Index
	rng  string
}

// patchResult collects what matching found for one target patch, to be
// added to the graph in a deterministic order.
type patchResult struct {
	id          string
	nodes       []Node
	edges       []Edge
	identicalIn map[string]bool // origins holding an identical patch
}

func (r *patchResult) apply(g *Graph) {
	if r == nil {
		return
	}
	for _, n := range r.nodes {
		g.AddNode(n)
	}
	for _, e := range r.edges {
		g.AddEdge(e)
	}
}

// originMatch is the best match of a target patch in one packaging origin.
type originMatch struct {
	o    *pkgInfo
	pf   *patchFile
	cmp  comparison
	also []*patchFile // further origin patches the target contains (squash)
}

// matchPatch attributes one target patch to packaging origins and upstream
// histories.
func matchPatch(tgt *pkgInfo, t *patchFile, orgs []*pkgInfo, ups []*upIndex, opts Options) *patchResult {
	r := &patchResult{id: NodeID(KindPatch, tgt.name, t.name), identicalIn: map[string]bool{}}
	matchedAny := false
	bestRank := 9
	bestScore := 0.0 // score of the best-ranked match
	note := func(verdict string, score float64) {
		switch r := verdictRank(verdict); {
		case r < bestRank:
			bestRank, bestScore = r, score
		case r == bestRank:
			bestScore = max(bestScore, score)
		}
	}
	commits := map[string]bool{} // upstream commits matched by the whole patch

	// Packaging origins.
	for _, o := range orgs {
		om, ok := bestInOrigin(t, o, opts.MinScore)
		if !ok {
			continue
		}
		matchedAny = true
		note(om.cmp.verdict, om.cmp.score)
		if om.cmp.verdict == VerdictIdentical {
			r.identicalIn[o.name] = true
		}
		to := NodeID(KindPatch, o.name, om.pf.name)
		r.edges = append(r.edges, Edge{From: r.id, To: to, Kind: edgeKindFor(om.cmp.verdict, false),
			Verdict: om.cmp.verdict, Score: om.cmp.score, Evidence: om.cmp.evidence})
		for _, a := range om.also {
			c := compareFiles(t, a)
			r.edges = append(r.edges, Edge{From: r.id, To: NodeID(KindPatch, o.name, a.name), Kind: EdgeRebasedFrom,
				Verdict: VerdictPartial, Score: c.score,
				Evidence: []string{fmt.Sprintf("target carries %.0f%% of this origin patch too (squash)", 100*c.coverO)}})
		}
	}

	// Upstream histories, part by part.
	found := map[string]upstream.Candidate{} // commit -> best candidate
	var partCands [][]upCand                 // by part: what Find chose
	for range t.parts {
		partCands = append(partCands, nil)
	}
	for _, u := range ups {
		for pi, p := range t.parts {
			if len(p.Files) == 0 {
				continue
			}
			q := upstream.HeaderQuery(p)
			q.Changes = t.partChanges(pi)
			for _, c := range u.ix.Find(q, upstream.FindOptions{}) {
				key := u.name + "\x00" + c.Commit
				if old, ok := found[key]; !ok || c.Score > old.Score {
					found[key] = c
				}
				if c.Verdict == patchset.Unrelated {
					continue // only there because a hint cites it
				}
				partCands[pi] = append(partCands[pi], upCand{u, c})
				verdict := upVerdict(c.Verdict)
				matchedAny = true
				note(verdict, c.Score)
				commits[u.name+"\x00"+c.Commit] = true
				cid := NodeID(KindCommit, u.name, c.Commit)
				r.nodes = append(r.nodes, commitNode(u.name, c))
				ev := candidateEvidence(c)
				if len(t.parts) > 1 {
					ev = append([]string{fmt.Sprintf("part %d of %d of the mbox", pi+1, len(t.parts))}, ev...)
				}
				r.edges = append(r.edges, Edge{From: r.id, To: cid, Kind: edgeKindFor(verdict, true),
					Verdict: verdict, Score: c.Score, Evidence: ev})
				r.edges = append(r.edges, Edge{From: cid, To: NodeID(KindOrigin, "", u.name), Kind: EdgePartOf,
					Verdict: VerdictApplied, Score: 1, Evidence: []string{"in range " + u.rng}})
			}
		}
	}

	// Hints: cites edges, confirmed or contradicted by content.
	for _, h := range extractHints(t) {
		if h.issue != "" {
			iid := NodeID(KindIssue, "", h.issue)
			r.nodes = append(r.nodes, Node{ID: iid, Kind: KindIssue, Name: h.issue})
			r.edges = append(r.edges, Edge{From: r.id, To: iid, Kind: EdgeCites, Verdict: VerdictUnverified, Score: 0.5,
				Evidence: []string{h.where + ": " + h.text}})
			continue
		}
		r.addCite(h, ups, found)
	}
	// A From/commit line that content confirms is a citation too.
	for _, id := range headerCommits(t.parts) {
		for _, u := range ups {
			if c, ok := found[u.name+"\x00"+id]; ok && c.Verdict != patchset.Unrelated {
				r.edges = append(r.edges, Edge{From: r.id, To: NodeID(KindCommit, u.name, id), Kind: EdgeCites,
					Verdict: VerdictConfirmed, Score: c.Score, Evidence: []string{"From line names this commit; content matches"}})
			}
		}
	}

	// Hunk by hunk, when no one whole-patch match explains the patch: the
	// best is partial or similar, or a loose rebase, or the patch squashes
	// several upstream commits.
	wholeExplained := bestRank <= verdictRank(VerdictEquivalent) ||
		bestRank == verdictRank(VerdictRebased) && bestScore >= patchset.RebasedThreshold && len(commits) <= 1
	if matchedAny && !wholeExplained && len(t.hunks) > 1 {
		r.hunkLevel(t, tgt.pkgID, orgs, partCands)
	}
	if !matchedAny {
		ev := []string{fmt.Sprintf("no match in %d packaging origin(s) and %d upstream(s)", len(orgs), len(ups))}
		if t.overlay {
			ev = append(ev, "rebuild overlay file "+t.path)
		}
		if c := strings.TrimSpace(t.comment); c != "" {
			ev = append(ev, "spec comment: "+shorten(strings.ReplaceAll(c, "\n", " "), 120))
		}
		if t.parseErr != nil {
			ev = append(ev, "unparsable: "+shorten(t.parseErr.Error(), 200))
		}
		r.edges = append(r.edges, Edge{From: r.id, To: tgt.pkgID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1, Evidence: ev})
	}
	return r
}

func (r *patchResult) addCite(h hint, ups []*upIndex, found map[string]upstream.Candidate) {
	for _, u := range ups {
		for key, c := range found {
			if !strings.HasPrefix(key, u.name+"\x00") || !strings.HasPrefix(c.Commit, h.commit) {
				continue
			}
			cid := NodeID(KindCommit, u.name, c.Commit)
			r.nodes = append(r.nodes, commitNode(u.name, c))
			if c.Verdict == patchset.Unrelated {
				r.edges = append(r.edges, Edge{From: r.id, To: cid, Kind: EdgeCites, Verdict: VerdictContradicted, Score: c.Score,
					Evidence: []string{h.where + ": " + h.text, "content does not match the cited commit"}})
			} else {
				r.edges = append(r.edges, Edge{From: r.id, To: cid, Kind: EdgeCites, Verdict: VerdictConfirmed, Score: c.Score,
					Evidence: []string{h.where + ": " + h.text, "content matches: " + upVerdict(c.Verdict)}})
			}
			return
		}
	}
	// Not found by content in any upstream.
	origin := ""
	if len(ups) == 1 {
		origin = ups[0].name
	}
	ev := []string{h.where + ": " + h.text}
	verdict := VerdictUnverified
	for _, u := range ups {
		if len(h.commit) == 40 && u.ix.InRange(h.commit) {
			origin = u.name
			verdict = VerdictContradicted
			ev = append(ev, "the commit is in "+u.name+" "+u.rng+" but its content does not match")
		}
	}
	if verdict == VerdictUnverified {
		if len(ups) == 0 {
			ev = append(ev, "no upstream history given")
		} else {
			ev = append(ev, "not found by content in the indexed upstream range(s)")
		}
	}
	cid := NodeID(KindCommit, origin, h.commit)
	r.nodes = append(r.nodes, Node{ID: cid, Kind: KindCommit, Origin: origin, Name: h.commit})
	r.edges = append(r.edges, Edge{From: r.id, To: cid, Kind: EdgeCites, Verdict: verdict, Score: 0, Evidence: ev})
}

// hunkCoverage returns the share of hunk k of the part's file change ci
// that candidate c carries.
func hunkCoverage(c upstream.Candidate, ci, k int) float64 {
	for _, fe := range c.Evidence.Files {
		if fe.Change == ci && k < len(fe.HunkCoverage) {
			return fe.HunkCoverage[k]
		}
	}
	return 0
}

func commitNode(origin string, c upstream.Candidate) Node {
	attrs := map[string]string{"subject": shorten(c.Subject, 200), "author": c.Author}
	if !c.Date.IsZero() {
		attrs["date"] = c.Date.UTC().Format("2006-01-02T15:04:05Z")
	}
	return Node{Kind: KindCommit, Origin: origin, Name: c.Commit, ID: NodeID(KindCommit, origin, c.Commit), Attrs: attrs}
}

// upVerdict names a patchset verdict on the graph's scale.
func upVerdict(v patchset.Verdict) string {
	if v == patchset.Unrelated {
		return "unrelated"
	}
	return v.String()
}

func candidateEvidence(c upstream.Candidate) []string {
	ev := []string{fmt.Sprintf("%s %q", shortSHA(c.Commit), shorten(c.Subject, 80)),
		fmt.Sprintf("patch coverage %.2f, commit coverage %.2f", c.PatchCoverage, c.CommitCoverage)}
	for _, f := range c.Evidence.Files {
		if f.UpstreamPath == "" {
			ev = append(ev, fmt.Sprintf("%s: no upstream match", f.PatchPath))
			continue
		}
		s := fmt.Sprintf("%s: %d/%d lines, %d/%d hunks", f.PatchPath, f.Matched, f.Lines, f.HunksMatched, f.Hunks)
		if f.UpstreamPath != f.PatchPath && !strings.HasSuffix(f.PatchPath, "/"+f.UpstreamPath) {
			s += " (upstream " + f.UpstreamPath + ")"
		}
		ev = append(ev, s)
	}
	if c.Evidence.InSet {
		ev = append(ev, "one of several commits the patch squashes")
	}
	if c.Evidence.EquivalentTo != "" {
		ev = append(ev, "carries the same change as "+shortSHA(c.Evidence.EquivalentTo)+" (equivalent)")
	}
	if c.Evidence.ByMetadata {
		ev = append(ev, "similar by metadata only: same subject, author and date; the content does not show it")
	} else if len(c.Evidence.Metadata) > 0 {
		ev = append(ev, "metadata agrees: "+strings.Join(c.Evidence.Metadata, ", "))
	}
	if c.Evidence.Merge {
		ev = append(ev, "a merge commit carrying lines no commit of its branch does")
	}
	if c.Evidence.Cited {
		ev = append(ev, "cited: "+shorten(c.Evidence.CitedBy, 100))
	}
	return ev
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// bestInOrigin finds the origin patch that best explains t.
func bestInOrigin(t *patchFile, o *pkgInfo, minScore float64) (originMatch, bool) {
	pick := func(list []*patchFile) *patchFile {
		for _, c := range list {
			if c.name == t.name {
				return c
			}
		}
		return list[0]
	}
	if t.sha256 != "" {
		if list := o.byHash[t.sha256]; len(list) > 0 {
			pf := pick(list)
			ev := []string{"byte-identical (sha256 " + t.sha256[:min(12, len(t.sha256))] + ")"}
			if pf.name != t.name {
				ev = append(ev, "renamed: "+pf.name+" → "+t.name)
			}
			if pf.number != t.number && pf.number >= 0 && t.number >= 0 {
				ev = append(ev, "renumbered: Patch"+strconv.Itoa(pf.number)+" → Patch"+strconv.Itoa(t.number))
			}
			return originMatch{o: o, pf: pf, cmp: comparison{verdict: VerdictIdentical, score: 1, evidence: ev}}, true
		}
	}
	if t.total > 0 {
		if list := o.byDiff[t.diffKey]; len(list) > 0 {
			pf := pick(list)
			ev := []string{"same diff, headers differ"}
			if pf.name != t.name {
				ev = append(ev, "renamed: "+pf.name+" → "+t.name)
			}
			return originMatch{o: o, pf: pf, cmp: comparison{verdict: VerdictIdentical, score: 0.99, evidence: ev}}, true
		}
	}
	var best originMatch
	found := false
	cands := candidatesByPath(t.paths(), o.byBase)
	for _, c := range cands {
		// Lines that are only alike (two debrandings of one line) are
		// not an origin: some changed lines must be shared exactly. This
		// cheap test also spares the full comparison of unrelated patches.
		ov, ovAdd := exactOverlap(t, c)
		if ov == 0 {
			continue
		}
		cmp := compareFiles(t, c)
		if cmp.verdict == "unrelated" || cmp.score < minScore {
			continue
		}
		if cmp.verdict != VerdictIdentical && cmp.verdict != VerdictEquivalent {
			if float64(ov) < patchset.SimilarThreshold*float64(min(t.weight(), c.weight())) {
				continue
			}
			// The same lines removed and replaced differently (two
			// debrandings) are not an origin either: added lines must
			// be shared when the target adds any.
			if ta, ca := t.addedLines(), c.addedLines(); ta > 0 && ca > 0 && float64(ovAdd) < patchset.SimilarThreshold*float64(min(ta, ca)) {
				continue
			}
		}
		if c.name == t.name {
			cmp.evidence = append(cmp.evidence, "same file name")
			cmp.score = min(1, cmp.score+0.02)
		}
		if !found || better(cmp, best.cmp) {
			best = originMatch{o: o, pf: c, cmp: cmp}
			found = true
		}
	}
	if !found {
		return best, false
	}
	// A target patch that squashes several origin patches.
	if best.cmp.coverT < patchset.RebasedThreshold {
		for _, c := range cands {
			if c == best.pf {
				continue
			}
			if ov, _ := exactOverlap(t, c); ov == 0 {
				continue
			}
			if cmp := compareFiles(t, c); cmp.coverO >= patchset.RebasedThreshold && cmp.coverT < patchset.RebasedThreshold {
				best.also = append(best.also, c)
			}
		}
	}
	return best, true
}

func better(a, b comparison) bool {
	if ra, rb := verdictRank(a.verdict), verdictRank(b.verdict); ra != rb {
		// A partial match wins over a similar one only with a higher score.
		if ra == verdictRank(VerdictPartial) || rb == verdictRank(VerdictPartial) {
			return a.score > b.score
		}
		return ra < rb
	}
	return a.score > b.score
}

// upCand is an upstream commit Find chose for a part of a target patch.
type upCand struct {
	u *upIndex
	c upstream.Candidate
}

// hunkLevel attributes each hunk of t separately: to the origin patches
// that contain its changed lines, and to the upstream commits chosen for
// its part that carry them (never to a commit the part as a whole does
// not come from). Hunks nothing explains are the rebuild's own.
func (r *patchResult) hunkLevel(t *patchFile, pkgID string, orgs []*pkgInfo, partCands [][]upCand) {
	for _, h := range t.hunks {
		name := t.name + "#" + strconv.Itoa(h.index)
		hid := NodeID(KindHunk, t.origin, name)
		attrs := map[string]string{"path": h.path, "part": strconv.Itoa(h.part), "added": strconv.Itoa(h.added),
			"removed": strconv.Itoa(h.removed), "old-start": strconv.Itoa(h.oldStart), "new-start": strconv.Itoa(h.newStart)}
		if h.section != "" {
			attrs["section"] = shorten(h.section, 100)
		}
		r.nodes = append(r.nodes, Node{ID: hid, Kind: KindHunk, Origin: t.origin, Name: name, Attrs: attrs})
		r.edges = append(r.edges, Edge{From: hid, To: r.id, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
		hc := t.hunkChange(h)
		if len(hc.Lines) == 0 {
			continue
		}
		attributed := false
		for _, o := range orgs {
			var bestPF *patchFile
			best := 0.0
			for _, c := range candidatesByPath([]string{h.path}, o.byBase) {
				if cov := hunkCover(h.path, hc, c); cov > best {
					best, bestPF = cov, c
				}
			}
			if bestPF != nil && best >= patchset.PartialThreshold {
				kind, verdict := EdgeIdenticalTo, VerdictIdentical
				if best < 1 {
					kind, verdict = EdgeRebasedFrom, VerdictRebased
				}
				r.edges = append(r.edges, Edge{From: hid, To: NodeID(KindPatch, o.name, bestPF.name), Kind: kind, Verdict: verdict,
					Score: best, Evidence: []string{fmt.Sprintf("%.0f%% of the hunk's changed lines are in %s", 100*best, bestPF.name)}})
				attributed = true
			}
		}
		for _, uc := range partCands[h.part-1] {
			cov := hunkCoverage(uc.c, h.change-t.partOff[h.part-1], h.hunk)
			if cov < patchset.PartialThreshold {
				continue
			}
			verdict := VerdictPartial
			if cov >= patchset.RebasedThreshold {
				verdict = VerdictRebased
			}
			cid := NodeID(KindCommit, uc.u.name, uc.c.Commit)
			r.edges = append(r.edges, Edge{From: hid, To: cid, Kind: edgeKindFor(verdict, true), Verdict: verdict, Score: cov,
				Evidence: []string{fmt.Sprintf("%.0f%% of the hunk's changed lines are in %s %q", 100*cov, shortSHA(uc.c.Commit), shorten(uc.c.Subject, 80))}})
			attributed = true
		}
		if !attributed {
			r.edges = append(r.edges, Edge{From: hid, To: pkgID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1,
				Evidence: []string{"no origin patch or upstream commit carries this hunk"}})
		}
	}
}
