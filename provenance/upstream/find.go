package upstream

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/patchset"
)

// FindOptions tunes [Index.Find]. The zero value is usable.
type FindOptions struct {
	// MinCoverage is the share (0..1, weighted, see Candidate.PatchCoverage)
	// of the patch's changed lines a commit must carry to be reported
	// alone; 0 means DefaultMinCoverage.
	MinCoverage float64
	// Max bounds the number of candidates returned; 0 means 5.
	Max int
}

// DefaultMinCoverage is the confidence threshold used when
// FindOptions.MinCoverage is zero: below it, no commit is attributed.
const DefaultMinCoverage = patchset.SimilarContainment

// Candidate is an upstream commit that a patch may backport.
type Candidate struct {
	// Commit is the full lower-case hex id of the upstream commit.
	Commit string
	// Subject is the first line of the commit message.
	Subject string
	// Author is the commit's author name.
	Author string
	// Date is the author date.
	Date time.Time
	// Verdict grades the relation by content, on patchset's scale
	// (patchset.Grade of the two coverages): Equivalent (the same changed
	// lines, and every hunk of the patch found as is, context included,
	// in the commit's blobs), Rebased (each side holds nearly all of the
	// other), Partial (one side holds nearly all of the other: a partial
	// backport, or a member of a squashed set, see Evidence.InSet),
	// Similar (a fair part in common, or metadata only, see
	// Evidence.ByMetadata), and Unrelated (only for a cited commit the
	// content does not explain).
	Verdict patchset.Verdict
	// Score in [0,1] ranks candidates: mostly PatchCoverage, with
	// CommitCoverage breaking near ties.
	Score float64
	// EvidenceCoverage is PatchCoverage counting evidential lines only
	// (see patchset.Evidential).
	EvidenceCoverage float64
	// PatchCoverage is the share of the patch's changed lines that the
	// commit changes the same way (lines weighted by rarity in the index,
	// so that "}" counts less than a distinctive line).
	PatchCoverage float64
	// CommitCoverage is the share of the commit's changed lines, on the
	// indexed upstream paths, that the patch changes the same way (changes
	// to paths the index does not follow are not seen).
	CommitCoverage float64
	// Evidence says which files and hunks matched and what hints said.
	Evidence Evidence
}

// Evidence details a Candidate.
type Evidence struct {
	// Files has one entry per file section of the patch that has text
	// hunks.
	Files []FileEvidence
	// InSet is set when the patch appears to squash several commits and
	// this one is part of the set that together covers it.
	InSet bool
	// Cited is set when a hint in the patch (Upstream-commit:, cherry
	// picked from, From <sha> ...) names this commit; CitedBy is that hint.
	Cited   bool
	CitedBy string
	// HintAgrees is set when the patch cites this commit and the content
	// confirms it (the verdict is not Unrelated and, when several
	// candidates exist, this one is among the accepted ones).
	HintAgrees bool
	// CitedCopy is set when the cited commit (CitedBy) lies outside the
	// range and this commit is the copy of it that landed in the range:
	// same author, author date and subject (a rebased pull request).
	CitedCopy bool
	// EquivalentTo is set when this commit carries the same change as the
	// chosen commit it names (a copy on another branch, a duplicate): both
	// are right.
	EquivalentTo string
	// ByMetadata is set when no content explains the patch and this
	// commit has its subject, author and date: similar by metadata only.
	// Metadata says which fields agreed ("subject", "author", "date"),
	// for any candidate.
	ByMetadata bool
	Metadata   []string
	// Merge is set for a merge commit (reported only when it carries
	// lines no commit of its branch does).
	Merge bool
}

// FileEvidence is the match of one file of the patch.
type FileEvidence struct {
	// Change is the file's index in Query.Changes.
	Change int
	// PatchPath is the file's path in the query (FileChange.Path: the
	// patch's new name, or old name for a deletion, normalised).
	PatchPath string
	// UpstreamPath is the commit's file it matched best ("" when none).
	UpstreamPath string
	// Lines and Matched count the file's changed lines (after cancelling
	// and dropping blank ones) and those the commit changes the same way.
	Lines, Matched int
	// Hunks and HunksMatched count the file's hunks and those whose
	// changed lines are all found in the commit.
	Hunks, HunksMatched int
	// HunkCoverage is, per hunk of the file (in FileChange.Hunks order),
	// the share of its changed lines the commit changes the same way.
	HunkCoverage []float64
}

// qfile is one file of a query, mapped to the indexed paths.
type qfile struct {
	change int // index in Query.Changes
	fc     *patchset.FileChange
	mapped map[int32]bool // tracked upstream path indices
}

// queryFiles maps the files of q that carry lines of text (binary files,
// pure renames and mode changes cannot be found in the index).
func (ix *Index) queryFiles(q Query) []qfile {
	var out []qfile
	for i := range q.Changes {
		fc := &q.Changes[i]
		if fc.IsBinary || len(fc.Lines) == 0 || len(fc.Lines[0].Text) > 0 && fc.Lines[0].Text[0] == 0 && len(fc.Lines) == 1 {
			continue
		}
		f := qfile{change: i, fc: fc, mapped: map[int32]bool{}}
		for _, n := range []string{fc.Path, fc.OldPath} {
			if n == "" {
				continue
			}
			for _, u := range ix.UpstreamPaths(n) {
				if i, ok := slices.BinarySearch(ix.paths, u); ok {
					f.mapped[int32(i)] = true
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// weight is the rarity weight of a posting key: lines changed by many
// records ("}", "break;") weigh less than distinctive ones.
func (ix *Index) weight(h uint64, n int) float64 {
	return ix.keyWeight(postingKey(h, n))
}

// keyWeight is weight by posting key.
func (ix *Index) keyWeight(k uint64) float64 {
	df := len(ix.postings[k])
	return math.Log(2 + float64(len(ix.records))/float64(1+df))
}

// maxPostings bounds the posting lists used to collect candidates; longer
// lists (very common lines) still count when candidates are scored.
const maxPostings = 4000

// scored is a candidate commit with its exact measures.
type scored struct {
	commit  int32          // index in Index.commits; -1 for a commit touching no tracked path
	c       *gitobj.Commit // the commit
	overlap float64        // weighted shared lines, all of them
	eov     float64        // weighted shared evidential lines
	pc, cc  float64        // patch and commit coverage (weighted, all lines)
	epc     float64        // patch coverage by evidential lines
	score   float64
	files   []FileEvidence
	fileRec []int32 // per patch file: the record it matched, or -1
	// matchedSet holds the shared count of every (patch file, posting
	// key): what the commit explains of the patch, for the set cover.
	matchedSet map[[2]uint64]int
	merge      bool
	meta       metaMatch
}

// Find returns the upstream commits of the index that the change q most
// likely comes from, best first, by content:
//
//   - The explanation: the smallest set of commits that together carry
//     the change, chosen greedily by the share of the change each adds
//     (lines weighted by rarity). A commit joins only on evidence
//     (patchset.Evidential: added lines that are not boilerplate; lines
//     the change only removes count only when both sides are the same
//     change) and only when its share means something: it explains most
//     of the change (at least MinCoverage), or its own change is nearly
//     all in q (a member of a squash, a commit the patch holds whole), or
//     both hold a fair part of each other (a mixed backport). One commit
//     gets its verdict from the two coverages (patchset.Grade); several
//     are Partial and flagged Evidence.InSet. Merge commits, whose
//     first-parent diff repeats their branch, are considered only for
//     what no other commit explains.
//   - Equivalents: a commit that carries the same change as a chosen one
//     (a stable-branch copy, an upstream duplicate) is reported right
//     after it, with its verdict and Evidence.EquivalentTo set.
//   - Metadata (q's subject, author, date) never makes a match: it breaks
//     ties, lets a commit with the same subject, author and date join the
//     explanation on weaker evidence, and, when content explains nothing,
//     names that commit Similar with Evidence.ByMetadata.
//   - Cited commits: a commit a hint names is always reported, after the
//     rest, Unrelated when the content does not explain it.
//
// An empty result means no match.
func (ix *Index) Find(q Query, opts FindOptions) []Candidate {
	if opts.MinCoverage <= 0 {
		opts.MinCoverage = DefaultMinCoverage
	}
	if opts.Max <= 0 {
		opts.Max = 5
	}
	files := ix.queryFiles(q)
	total := ix.totalWeight(files)
	hints := citedIDs(q.Hints)
	f := ix.newFinder(q, files, total, opts)
	if total == 0 {
		// Nothing indexable (an empty new file, a binary, a pure rename):
		// only the metadata can name a commit.
		f.gatherMeta()
		f.meta = f.metadataOnly()
		return ix.cite(f.report(), hints, f)
	}
	f.gather()
	f.explain()
	out := f.report()
	return ix.cite(out, hints, f)
}

// cite marks the candidates that the hints name and appends the cited
// commits that content did not choose (Unrelated).
func (ix *Index) cite(out []Candidate, hints []string, f *finder) []Candidate {
	used := map[string]bool{}
	for _, c := range out {
		used[c.Commit] = true
	}
	for _, h := range hints {
		ci := ix.commitByPrefix(h)
		copyOf := false
		if ci < 0 {
			ci = ix.landedCopy(h)
			copyOf = ci >= 0
		}
		for i := range out {
			if (ci >= 0 && out[i].Commit == ix.commits[ci].Hash.String()) || strings.HasPrefix(out[i].Commit, h) {
				out[i].Evidence.Cited = true
				out[i].Evidence.CitedBy = h
				out[i].Evidence.CitedCopy = copyOf
				out[i].Evidence.HintAgrees = out[i].Verdict != patchset.Unrelated
			}
		}
		if ci < 0 || used[ix.commits[ci].Hash.String()] {
			continue
		}
		c := ix.candidate(f.scoreOf(ci), patchset.Unrelated, false)
		c.Evidence.Cited = true
		c.Evidence.CitedBy = h
		c.Evidence.CitedCopy = copyOf
		used[c.Commit] = true
		out = append(out, c)
	}
	return out
}

// verdictFor grades a lone accepted candidate on patchset's scale, from
// its patch and commit coverages.
func verdictFor(s *scored) patchset.Verdict {
	v, _ := patchset.Grade(s.pc, s.cc, 2*s.pc*s.cc/max(s.pc+s.cc, 1e-9))
	if v == patchset.Unrelated {
		return patchset.Similar // accepted on evidence: never unrelated
	}
	return v
}

// sameDiff reports whether the commit makes exactly the patch's changes
// (every changed line matched both ways) with every hunk found as is, at
// its stated lines and with its context, in the commit's blobs
// (whitespace aside): the same diff, not only the same changed lines.
func (ix *Index) sameDiff(s *scored, files []qfile) bool {
	if len(files) == 0 || len(files) != len(ix.byCommit[s.commit]) {
		return false
	}
	for fi, f := range files {
		fe := s.files[fi]
		rid := s.fileRec[fi]
		if rid < 0 || fe.Matched != fe.Lines || ix.records[rid].size != fe.Lines {
			return false
		}
		r := &ix.records[rid]
		oldLines, err := ix.blobLines(r.old)
		if err != nil {
			return false
		}
		newLines, err := ix.blobLines(r.new)
		if err != nil {
			return false
		}
		if f.fc.Hunks == nil {
			return false // no hunks to place (a change from blobs)
		}
		for k := range f.fc.Hunks {
			if h := &f.fc.Hunks[k]; !h.Fits('-', oldLines) || !h.Fits('+', newLines) {
				return false
			}
		}
	}
	return true
}

// blobLines returns the line hashes of a blob, blank lines included (see
// patchset.FileLines); nil for the zero hash.
func (ix *Index) blobLines(h plumbing.Hash) ([]uint64, error) {
	data, err := ix.blob(h)
	if err != nil || data == nil {
		return nil, err
	}
	return patchset.FileLines(data), nil
}

// totalWeight is the weighted size of the query's files.
func (ix *Index) totalWeight(files []qfile) float64 {
	var total float64
	for _, f := range files {
		for _, e := range f.fc.Lines {
			total += ix.weight(e.Hash, e.Count) * float64(abs(e.Count))
		}
	}
	return total
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// score measures commit ci against the patch files. Each file of the
// patch is compared with the commit's change to the upstream paths it maps
// to; a file with nothing in common there is compared with the commit's
// other changes too (code that lives in another file upstream). A line of
// the commit is never counted for two files of the patch.
func (ix *Index) score(ci int32, files []qfile, total float64) *scored {
	s := &scored{commit: ci, c: ix.commits[ci], matchedSet: map[[2]uint64]int{}, merge: len(ix.commits[ci].Parents) > 1}
	type useKey struct {
		rid int32
		k   uint64
	}
	used := map[useKey]int{}
	counted := map[int32]bool{}
	var ctotal float64
	countRecord := func(rid int32) {
		if counted[rid] {
			return
		}
		counted[rid] = true
		for _, e := range ix.records[rid].d {
			ctotal += ix.weight(e.Hash, e.Count) * float64(abs(e.Count))
		}
	}
	// shared returns the weighted overlap of d with record rid, minus what
	// other files already took.
	shared := func(d []patchset.LineCount, rid int32, take func(l patchset.LineCount, n int)) float64 {
		var w float64
		patchset.SharedLines(d, ix.records[rid].d, func(i, _, n int) {
			l := d[i]
			k := postingKey(l.Hash, l.Count)
			m := n - used[useKey{rid, k}]
			if m <= 0 {
				return
			}
			w += ix.weight(l.Hash, l.Count) * float64(m)
			if take != nil {
				take(l, m)
			}
		})
		return w
	}
	recs := ix.byCommit[ci]
	for _, rid := range recs {
		countRecord(rid)
	}
	pick := func(f *qfile, anyPath bool) (int32, float64) {
		best, bestW := int32(-1), 0.0
		for _, rid := range recs {
			r := &ix.records[rid]
			mapped := f.mapped[r.path] || f.mapped[r.oldPath]
			if mapped == anyPath {
				continue
			}
			if w := shared(f.fc.Lines, rid, nil); w > bestW {
				best, bestW = rid, w
			}
		}
		return best, bestW
	}
	s.files = make([]FileEvidence, len(files))
	s.fileRec = make([]int32, len(files))
	for i := range s.fileRec {
		s.fileRec[i] = -1
	}
	for pass := 0; pass < 2; pass++ {
		for fi := range files {
			f := &files[fi]
			fe := &s.files[fi]
			if pass == 0 {
				*fe = FileEvidence{Change: f.change, PatchPath: f.fc.Path, Lines: patchset.Weight(f.fc.Lines), Hunks: len(f.fc.Hunks)}
			} else if fe.Matched > 0 {
				continue
			}
			rid, w := pick(f, pass == 1)
			if rid < 0 {
				continue
			}
			countRecord(rid)
			r := &ix.records[rid]
			fe.UpstreamPath = ix.paths[r.path]
			s.fileRec[fi] = rid
			var got []patchset.LineCount
			shared(f.fc.Lines, rid, func(l patchset.LineCount, n int) {
				k := postingKey(l.Hash, l.Count)
				fe.Matched += n
				s.matchedSet[[2]uint64{uint64(fi), k}] = n
				if l.Count < 0 {
					n = -n
				}
				got = append(got, patchset.LineCount{Hash: l.Hash, Count: n})
				used[useKey{rid, k}] += abs(n)
				if patchset.Evidential(l) {
					s.eov += ix.weight(l.Hash, l.Count) * float64(abs(n))
				}
			})
			fe.HunkCoverage = make([]float64, len(f.fc.Hunks))
			for k, h := range f.fc.Hunks {
				if len(h.Lines) == 0 {
					continue
				}
				m := patchset.Overlap(h.Lines, got)
				fe.HunkCoverage[k] = float64(m) / float64(h.Weight())
				if m == h.Weight() {
					fe.HunksMatched++
				}
			}
			s.overlap += w
		}
	}
	if total > 0 {
		s.pc = min(1, s.overlap/total)
	}
	if ctotal > 0 {
		s.cc = min(1, s.overlap/ctotal)
	}
	s.score = 0.85*s.pc + 0.15*s.cc
	return s
}

// candidate turns a scored commit into a Candidate.
func (ix *Index) candidate(s *scored, v patchset.Verdict, inSet bool) Candidate {
	c := s.c
	return Candidate{
		Commit:           c.Hash.String(),
		Subject:          c.Subject,
		Author:           c.Author.Name,
		Date:             c.Author.Time(),
		Verdict:          v,
		Score:            s.score,
		PatchCoverage:    s.pc,
		CommitCoverage:   s.cc,
		EvidenceCoverage: s.epc,
		Evidence:         Evidence{Files: s.files, InSet: inSet, Merge: s.merge, Metadata: s.meta.fields()},
	}
}

// commitByPrefix returns the index of the touching commit whose id starts
// with the hex prefix h, or -1 (also when ambiguous).
func (ix *Index) commitByPrefix(h string) int32 {
	h = strings.ToLower(h)
	i := sort.Search(len(ix.hexes), func(i int) bool { return ix.hexes[i].hex >= h })
	if i >= len(ix.hexes) || !strings.HasPrefix(ix.hexes[i].hex, h) {
		return -1
	}
	if i+1 < len(ix.hexes) && strings.HasPrefix(ix.hexes[i+1].hex, h) {
		return -1
	}
	return ix.hexes[i].ci
}

// landedCopy returns the touching commit that is the in-range copy of the
// out-of-range commit named by the hex prefix h (same author, author time
// and subject), or -1.
func (ix *Index) landedCopy(h string) int32 {
	if len(h) < 7 || !isHex(h) {
		return -1
	}
	hash, err := ix.repo.resolve(h)
	if err != nil || ix.inRange[hash] {
		return -1
	}
	c, err := ix.repo.readCommit(hash)
	if err != nil {
		return -1
	}
	found := int32(-1)
	for i, x := range ix.commits {
		if x.Author.When == c.Author.When && x.Subject == c.Subject && x.Author.Name == c.Author.Name && x.Author.Email == c.Author.Email {
			if found >= 0 {
				return -1 // ambiguous
			}
			found = int32(i)
		}
	}
	return found
}

// Landed returns the full id of the commit of the range that carries the
// change of commit sha (a full or abbreviated hex id): sha itself when it
// is in the range, otherwise the commit of the range that changes an
// indexed path and has the same author, author date and subject (the copy
// of a pull-request commit that landed). ok is false when there is none.
func (ix *Index) Landed(sha string) (full string, ok bool) {
	if ci := ix.commitByPrefix(sha); ci >= 0 {
		return ix.commits[ci].Hash.String(), true
	}
	if hash, err := ix.repo.resolve(sha); err == nil && ix.inRange[hash] {
		return hash.String(), true
	}
	if ci := ix.landedCopy(sha); ci >= 0 {
		return ix.commits[ci].Hash.String(), true
	}
	return "", false
}
