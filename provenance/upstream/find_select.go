package upstream

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/patchset"
)

// Limits and rules of the explanation (see Index.Find).
const (
	// maxGathered bounds the candidates scored exactly, best first by
	// their evidential shared weight.
	maxGathered = 96
	// maxExplain bounds the commits of one explanation (a squash).
	maxExplain = 64
	// mixedShare is the share of the change a commit must add, and of its
	// own change it must show, to join as a part of a mixed backport.
	mixedShare = 0.25
	// minEvidence is the evidential weight a commit must add, in units of
	// one line found in no other indexed change: one distinctive line, or
	// a few less rare ones.
	minEvidence = 1.0
	// metaEvidence is minEvidence for a commit with the change's subject,
	// author and date (metadata corroborates a weaker content match).
	metaEvidence = 0.5
	// metaDateSlack is how far apart two author dates may be and still
	// agree (time zones written differently, a rounding).
	metaDateSlack = 26 * time.Hour
)

// qline is one changed line of the query: its rarity weight and whether
// it is evidence.
type qline struct {
	hash uint64
	w    float64
	evid bool
}

// finder is the state of one Find.
type finder struct {
	ix     *Index
	q      Query
	files  []qfile
	opts   FindOptions
	total  float64 // weighted size of the change
	etotal float64 // weighted size of its evidential lines
	unit   float64 // weight of a line no other indexed change has
	lines  map[[2]uint64]qline
	cands  []*scored
	byID   map[int32]*scored
	chosen []*scored
	equiv  map[int32]int32                // equivalent -> chosen commit
	meta   *scored                        // the metadata-only match, when content has none
	old    map[int32][]patchset.LineCount // record -> lines of its old blob
}

func (ix *Index) newFinder(q Query, files []qfile, total float64, opts FindOptions) *finder {
	f := &finder{ix: ix, q: q, files: files, opts: opts, total: total, lines: map[[2]uint64]qline{},
		byID: map[int32]*scored{}, equiv: map[int32]int32{}, old: map[int32][]patchset.LineCount{}}
	f.unit = math.Log(2 + float64(len(ix.records))/2)
	for fi, qf := range files {
		for _, l := range qf.fc.Lines {
			k := [2]uint64{uint64(fi), postingKey(l.Hash, l.Count)}
			ql := qline{hash: l.Hash, w: ix.weight(l.Hash, l.Count), evid: patchset.Evidential(l)}
			f.lines[k] = ql
			if ql.evid {
				f.etotal += ql.w * float64(abs(l.Count))
			}
		}
	}
	return f
}

// scoreOf scores commit ci against the change (memoised).
func (f *finder) scoreOf(ci int32) *scored {
	if s, ok := f.byID[ci]; ok {
		return s
	}
	s := f.ix.score(ci, f.files, f.total)
	if f.etotal > 0 {
		s.epc = min(1, s.eov/f.etotal)
	}
	s.meta = f.metaOf(s.c)
	f.byID[ci] = s
	return s
}

// gather collects the candidates through the inverted index: commits
// changing a mapped path that share lines with the change, ranked by the
// weight of the evidential lines they share (of all lines when the change
// has no evidential line), plus the commits with the change's metadata.
func (f *finder) gather() {
	ix := f.ix
	gen := map[int32]float64{}
	for _, qf := range f.files {
		for _, l := range qf.fc.Lines {
			if f.etotal > 0 && !patchset.Evidential(l) {
				continue
			}
			post := ix.postings[postingKey(l.Hash, l.Count)]
			if len(post) > maxPostings {
				continue
			}
			w := ix.weight(l.Hash, l.Count)
			for _, rid := range post {
				r := &ix.records[rid]
				if qf.mapped[r.path] || qf.mapped[r.oldPath] {
					gen[r.commit] += w
				}
			}
		}
	}
	ids := make([]int32, 0, len(gen))
	for ci := range gen {
		ids = append(ids, ci)
	}
	sort.Slice(ids, func(i, j int) bool {
		if gen[ids[i]] != gen[ids[j]] {
			return gen[ids[i]] > gen[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) > maxGathered {
		ids = ids[:maxGathered]
	}
	for _, ci := range ids {
		f.cands = append(f.cands, f.scoreOf(ci))
	}
	f.gatherMeta()
}

// gatherMeta adds the commits of the range with the change's subject: a
// commit touching a tracked path is scored like any other, one touching
// none (a file the index does not follow) can only be similar by
// metadata.
func (f *finder) gatherMeta() {
	for _, c := range f.ix.byMeta(f.q) {
		ci := f.ix.commitByPrefix(c.Hash.String())
		if ci >= 0 {
			if s := f.scoreOf(ci); !slices.Contains(f.cands, s) {
				f.cands = append(f.cands, s)
			}
			continue
		}
		f.cands = append(f.cands, &scored{commit: -1, c: c, merge: len(c.Parents) > 1, meta: f.metaOf(c),
			matchedSet: map[[2]uint64]int{}, fileRec: filled32(len(f.files), -1), files: make([]FileEvidence, len(f.files))})
	}
}

// filled32 returns n copies of v.
func filled32(n int, v int32) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// explain chooses the commits that explain the change: greedily, the
// candidate adding the most evidential weight not yet explained, as long
// as one qualifies (see accept); merges only for what the others leave.
// Then it finds the equivalents of the chosen commits, and when nothing
// was chosen, a metadata-only match.
func (f *finder) explain() {
	covered := map[[2]uint64]int{}
	explained := 0.0
	for _, merges := range []bool{false, true} {
		for len(f.chosen) < maxExplain {
			best, bestG := (*scored)(nil), gain{}
			for _, c := range f.cands {
				if c.merge != merges || slices.Contains(f.chosen, c) || f.equiv[c.commit] != 0 {
					continue
				}
				if merges && f.explainedElsewhere(c, covered) {
					continue
				}
				g := f.gainOf(c, covered)
				if !f.accept(c, g, explained) {
					continue
				}
				if best == nil || f.better(c, g, best, bestG) {
					best, bestG = c, g
				}
			}
			if best == nil {
				break
			}
			f.chosen = append(f.chosen, best)
			explained += bestG.all
			for k, n := range best.matchedSet {
				covered[k] = max(covered[k], n)
			}
			f.findEquivalents(best)
		}
	}
	if len(f.chosen) == 0 {
		f.meta = f.metadataOnly()
	}
}

// gain is what a candidate adds to the explanation so far.
type gain struct {
	all, evid float64 // weighted, all lines and evidential ones
}

func (f *finder) gainOf(c *scored, covered map[[2]uint64]int) gain {
	var g gain
	for k, n := range c.matchedSet {
		extra := n - covered[k]
		if extra <= 0 {
			continue
		}
		ql := f.lines[k]
		g.all += ql.w * float64(extra)
		if ql.evid {
			g.evid += ql.w * float64(extra)
		}
	}
	return g
}

// accept decides whether candidate c may join the explanation with gain
// g, given the weight already explained: on evidence, and with a share
// that means something.
//
//   - It explains most of the change (MinCoverage): any evidential line
//     will do, since most of both changes agree.
//   - Its own change is (nearly) all in the change (a squash member, a
//     commit the patch holds whole), or it holds a fair part of what is
//     left to explain, at least the share a rebase may leave aside
//     (1-RebasedThreshold), and shows a fair part of its own change (a
//     mixed backport): it must add minEvidence of evidence, since a small
//     commit can agree with a large patch by chance.
//
// Lines a change only removes are never enough: a change without any
// evidential line is explained only by the same change (both coverages
// at least RebasedThreshold).
func (f *finder) accept(c *scored, g gain, explained float64) bool {
	if g.all <= 0 {
		return false
	}
	if f.etotal == 0 {
		return c.pc >= patchset.RebasedThreshold && c.cc >= patchset.RebasedThreshold
	}
	if g.evid <= 0 {
		return false
	}
	share := g.all / f.total
	switch {
	case share >= patchset.PartialThreshold:
		return true // nearly all of the change: a partial backport of a larger commit
	case share >= f.opts.MinCoverage && c.cc >= mixedShare:
		return true // most of the change, and a fair part of the commit
	case share >= f.opts.MinCoverage:
		return false // most of the change, but as a sliver of a large commit (a reformat, a refactor)
	}
	need := minEvidence
	if c.meta.all() {
		need = metaEvidence
	}
	if g.evid < need*f.unit {
		return false
	}
	history, gone := f.history(c)
	if c.cc >= patchset.PartialThreshold {
		// Its change is (nearly) all here: a squash member, unless the
		// lines are ones upstream had removed again by the time of a
		// newer chosen commit (a prerequisite the backport re-creates).
		return gone < patchset.SimilarContainment
	}
	left := f.total - explained
	if c.cc < mixedShare && !c.meta.all() || g.all < mixedShare*left || g.all < (1-patchset.RebasedThreshold)*f.total {
		return false
	}
	// A mixed backport: both hold a fair part of each other. But for code
	// a newer chosen commit touched, the backport carries that commit's
	// version of it: an older commit on the same file is its history (its
	// lines kept as context, rewritten or removed since), not a second
	// origin, unless the change holds it nearly whole (above).
	return history < patchset.SimilarContainment
}

// history measures how much of the evidential weight c explains lies in
// files that a newer chosen commit also explains (history), and how much
// is gone from such a file by that commit's time: absent from its old
// blob (gone).
func (f *finder) history(c *scored) (history, gone float64) {
	var all, hist, gw float64
	when := f.ix.commits[c.commit].Author.When
	for k, n := range c.matchedSet {
		ql := f.lines[k]
		if !ql.evid || n <= 0 {
			continue
		}
		w := ql.w * float64(n)
		all += w
		fi := int(k[0])
		for _, b := range f.chosen {
			if f.ix.commits[b.commit].Author.When <= when || b.fileRec[fi] < 0 {
				continue
			}
			hist += w
			if patchset.CountOf(f.oldLines(b.fileRec[fi]), ql.hash) == 0 {
				gw += w
			}
			break
		}
	}
	if all == 0 {
		return 0, 0
	}
	return hist / all, gw / all
}

// oldLines returns the lines of record rid's old blob (memoised).
func (f *finder) oldLines(rid int32) []patchset.LineCount {
	if l, ok := f.old[rid]; ok {
		return l
	}
	var out []patchset.LineCount
	if data, err := f.ix.blob(f.ix.records[rid].old); err == nil && data != nil {
		out = patchset.BlobLines(data)
	}
	f.old[rid] = out
	return out
}

// better orders two qualifying candidates: more evidential gain, then the
// one with the change's metadata, then the higher score, then the older.
func (f *finder) better(c *scored, g gain, b *scored, bg gain) bool {
	if math.Abs(g.evid-bg.evid) > 1e-9*max(g.evid, bg.evid) {
		return g.evid > bg.evid
	}
	if c.meta.score() != b.meta.score() {
		return c.meta.score() > b.meta.score()
	}
	if c.score != b.score {
		return c.score > b.score
	}
	return f.ix.commits[c.commit].Author.When < f.ix.commits[b.commit].Author.When
}

// explainedElsewhere reports whether every evidential line merge c would
// add is changed the same way by a non-merge candidate: the merge only
// repeats its branch.
func (f *finder) explainedElsewhere(c *scored, covered map[[2]uint64]int) bool {
	for k, n := range c.matchedSet {
		if n-covered[k] <= 0 || !f.lines[k].evid {
			continue
		}
		found := false
		for _, o := range f.cands {
			if !o.merge && o.matchedSet[k] > 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// findEquivalents records the candidates that carry the same change as
// chosen commit c: nearly the same lines of the change, and nearly the
// same share of their own change in it.
func (f *finder) findEquivalents(c *scored) {
	for _, d := range f.cands {
		if d == c || slices.Contains(f.chosen, d) || f.equiv[d.commit] != 0 || d.merge != c.merge {
			continue
		}
		if sameExplanation(c, d) && math.Abs(c.cc-d.cc) <= 1-patchset.RebasedThreshold {
			f.equiv[d.commit] = c.commit + 1 // 0 means none
		}
	}
}

// sameExplanation reports whether a and b explain nearly the same lines:
// each holds at least RebasedThreshold of what the other explains.
func sameExplanation(a, b *scored) bool {
	common, na, nb := 0, 0, 0
	for k, n := range a.matchedSet {
		na += n
		common += min(n, b.matchedSet[k])
	}
	for _, n := range b.matchedSet {
		nb += n
	}
	if na == 0 || nb == 0 {
		return false
	}
	return float64(common) >= patchset.RebasedThreshold*float64(na) && float64(common) >= patchset.RebasedThreshold*float64(nb)
}

// report turns the explanation into candidates: the chosen commits (oldest
// first when several), each followed by its equivalents; or the
// metadata-only match.
func (f *finder) report() []Candidate {
	ix := f.ix
	var out []Candidate
	if len(f.chosen) == 0 {
		if f.meta != nil {
			c := ix.candidate(f.meta, patchset.Similar, false)
			c.Evidence.ByMetadata = true
			out = append(out, c)
		}
		return out
	}
	set := len(f.chosen) > 1
	chosen := slices.Clone(f.chosen)
	if set {
		sort.SliceStable(chosen, func(i, j int) bool {
			return ix.commits[chosen[i].commit].Author.When < ix.commits[chosen[j].commit].Author.When
		})
	}
	for _, c := range chosen {
		v := patchset.Partial
		if !set {
			v = verdictFor(c)
			if v == patchset.Rebased && ix.sameDiff(c, f.files) {
				v = patchset.Equivalent
			}
		}
		out = append(out, ix.candidate(c, v, set))
		for _, d := range f.cands {
			if f.equiv[d.commit] == c.commit+1 {
				e := ix.candidate(d, v, set)
				e.Evidence.EquivalentTo = ix.commits[c.commit].Hash.String()
				out = append(out, e)
			}
		}
	}
	return out
}

// metadataOnly returns the candidate with the change's subject, author
// and date when content explains nothing, or nil.
func (f *finder) metadataOnly() *scored {
	var best *scored
	for _, c := range f.cands {
		if c.meta.all() && (best == nil || c.score > best.score) {
			best = c
		}
	}
	return best
}

// metaMatch says which of a query's metadata a commit shares.
type metaMatch struct {
	subject, author, date bool
}

func (m metaMatch) all() bool  { return m.subject && m.author && m.date }
func (m metaMatch) score() int { return btoi(m.subject) + btoi(m.author) + btoi(m.date) }

// fields names the fields that agree.
func (m metaMatch) fields() []string {
	var out []string
	if m.subject {
		out = append(out, "subject")
	}
	if m.author {
		out = append(out, "author")
	}
	if m.date {
		out = append(out, "date")
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// metaOf compares commit c with the query's metadata.
func (f *finder) metaOf(c *gitobj.Commit) metaMatch {
	var m metaMatch
	if f.q.Subject != "" {
		m.subject = normSubject(c.Subject) == normSubject(f.q.Subject)
	}
	if f.q.Author != "" || f.q.Email != "" {
		m.author = f.q.Email != "" && strings.EqualFold(c.Author.Email, f.q.Email) ||
			f.q.Author != "" && strings.EqualFold(strings.TrimSpace(c.Author.Name), strings.TrimSpace(f.q.Author))
	}
	if !f.q.Date.IsZero() {
		d := c.Author.Time().Sub(f.q.Date)
		m.date = d <= metaDateSlack && d >= -metaDateSlack
	}
	return m
}

// normSubject folds a subject for comparison: case, runs of spaces and a
// leading "[PATCH ...]" or "Backport:" style tag aside.
func normSubject(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "[") {
		i := strings.IndexByte(s, ']')
		if i < 0 {
			break
		}
		s = strings.TrimSpace(s[i+1:])
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// addSubject records commit c of the range for metadata lookups.
func (ix *Index) addSubject(c *gitobj.Commit) {
	if ix.bySubject == nil {
		ix.bySubject = map[string][]*gitobj.Commit{}
	}
	k := normSubject(c.Subject)
	ix.bySubject[k] = append(ix.bySubject[k], c)
}

// byMeta returns the commits of the range whose subject is the query's
// (the candidates metadata may corroborate), at most a few.
func (ix *Index) byMeta(q Query) []*gitobj.Commit {
	if q.Subject == "" {
		return nil
	}
	list := ix.bySubject[normSubject(q.Subject)]
	if len(list) > 8 {
		return nil // a common subject ("Update NEWS") says nothing
	}
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b *gitobj.Commit) int { return strings.Compare(a.Hash.String(), b.Hash.String()) })
	return list
}
