package upstream

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/progress"
)

// Stats describes what an [Index] holds.
type Stats struct {
	Commits       int // commits in the range
	Merges        int // merge commits among them (indexed by first-parent diff)
	Touching      int // commits that change at least one tracked path
	TrackedPaths  int // upstream paths followed
	FollowedPaths int // further paths followed because a tracked file was renamed from or to them
	FileChanges   int // (commit, path) changes fingerprinted
	BlobPairs     int // distinct (old blob, new blob) pairs fingerprinted
	TreesRead     int // tree objects decoded
	Opaque        int // blob pairs not fingerprinted: binary, too big or missing
	MissingObject int // objects absent from the repository (e.g. partial clone)
}

// Index is the content index of an upstream revision range over a set of
// paths, built by [Repo.Index] and queried with [Index.Find]. An Index is
// immutable once built and safe for concurrent use.
type Index struct {
	repo     *Repo
	rangeStr string
	tip      plumbing.Hash
	base     plumbing.Hash // zero for a single revision

	universe *pathUniverse
	paths    []string // tracked upstream paths, by path index
	// hasRecords tells, by path index, whether any commit changes it.
	hasRecords []bool

	commits  []*gitobj.Commit // commits with at least one record
	inRange  map[plumbing.Hash]bool
	records  []record
	byCommit [][]int32 // commit idx -> record ids
	postings map[uint64][]int32
	hexes    []hexRef // touching commits by hex id, sorted
	stats    Stats

	// bySubject maps a normalised subject to the commits of the whole
	// range that have it (touching a tracked path or not), for metadata
	// lookups.
	bySubject map[string][]*gitobj.Commit
}

// hexRef maps a commit's hex id to its index in Index.commits.
type hexRef struct {
	hex string
	ci  int32
}

// record is one fingerprinted file change of one commit.
type record struct {
	commit   int32
	path     int32
	oldPath  int32
	old, new plumbing.Hash
	d        []patchset.LineCount // net change, sorted by hash, no Text
	size     int
}

// pairResult is the fingerprint of one (old blob, new blob) pair.
type pairResult struct {
	old, new plumbing.Hash
	d        []patchset.LineCount
	opaque   bool
	missing  int
}

// Index walks the commits of revRange ("A..B": reachable from B and not
// from A; or a single revision: all its history), follows the upstream
// paths that correspond to paths (patch paths, with or without prefixes
// such as a/ or pkg-1.0/; see [Index.UpstreamPaths]) and fingerprints
// every change a commit makes to them. Merge commits are compared with
// their first parent, so a merge carries the net change its branch brought
// to the first-parent line (the branch's own commits are indexed too).
//
// report, when not nil, is called from the calling goroutine with stages
// "commits" (listing the range), "walk" (comparing trees along the tracked
// paths; Done counts commits), "follow" (the same along paths tracked
// files were renamed from or to, when there are any), "fingerprint"
// (reading blob pairs; Done counts pairs) and "done", in that order. Index
// returns ctx.Err() (wrapped) when ctx is cancelled.
func (r *Repo) Index(ctx context.Context, revRange string, paths []string, report progress.Func) (*Index, error) {
	ix, err := r.newIndex(revRange)
	if err != nil {
		return nil, err
	}
	report.Send(progress.Report{Stage: "commits"})
	list, treeOf, err := ix.listRange(ctx)
	if err != nil {
		return nil, err
	}
	trie, err := ix.choosePaths(paths, treeOf)
	if err != nil {
		return nil, err
	}
	w := newRangeWalk(ctx, ix, list, treeOf, report)
	if err := w.run(trie); err != nil {
		return nil, fmt.Errorf("upstream: index %s: %w", revRange, err)
	}
	ix.build(w.changes, w.pairs)
	report.Send(progress.Report{Stage: "done", Done: int64(len(list)), Total: int64(len(list))})
	return ix, nil
}

// newIndex resolves the ends of revRange into an empty Index.
func (r *Repo) newIndex(revRange string) (*Index, error) {
	baseRev, tipRev, err := parseRange(revRange)
	if err != nil {
		return nil, err
	}
	ix := &Index{repo: r, rangeStr: revRange, inRange: map[plumbing.Hash]bool{}, postings: map[uint64][]int32{}}
	if ix.tip, err = r.resolve(tipRev); err != nil {
		return nil, err
	}
	if baseRev != "" {
		if ix.base, err = r.resolve(baseRev); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// listRange lists the commits of the range (everything reachable from the
// base is excluded), children before parents, and returns them with the
// tree of every commit seen, excluded ones included.
func (ix *Index) listRange(ctx context.Context) ([]*gitobj.Commit, map[plumbing.Hash]plumbing.Hash, error) {
	r := ix.repo
	excluded := map[plumbing.Hash]plumbing.Hash{} // commit -> tree
	if !ix.base.IsZero() {
		if err := r.reach(ctx, ix.base, nil, &ix.stats.MissingObject, func(c *gitobj.Commit) { excluded[c.Hash] = c.Tree }); err != nil {
			return nil, nil, err
		}
	}
	var list []*gitobj.Commit
	treeOf := map[plumbing.Hash]plumbing.Hash{}
	if err := r.reach(ctx, ix.tip, excluded, &ix.stats.MissingObject, func(c *gitobj.Commit) {
		list = append(list, c)
		treeOf[c.Hash] = c.Tree
		ix.inRange[c.Hash] = true
	}); err != nil {
		return nil, nil, err
	}
	for h, t := range excluded {
		treeOf[h] = t
	}
	ix.stats.Commits = len(list)
	for _, c := range list {
		ix.addSubject(c)
	}
	return list, treeOf, nil
}

// choosePaths decides which upstream paths to follow for the patch paths
// and returns their trie.
func (ix *Index) choosePaths(paths []string, treeOf map[plumbing.Hash]plumbing.Hash) (*pathTrie, error) {
	tipC, err := ix.repo.readCommit(ix.tip)
	if err != nil {
		return nil, err
	}
	var baseTree plumbing.Hash
	if !ix.base.IsZero() {
		baseTree = treeOf[ix.base]
	}
	if ix.universe, err = ix.repo.newUniverse(tipC.Tree, baseTree); err != nil {
		return nil, err
	}
	trie := newTrie(ix.universe.wanted(paths))
	ix.paths = trie.paths
	ix.stats.TrackedPaths = len(ix.paths)
	return trie, nil
}

// rangeWalk compares the trees of the range's commits along the tracked
// paths and fingerprints the blob pairs that differ in a worker pool while
// the walk goes on.
type rangeWalk struct {
	ctx    context.Context
	ix     *Index
	list   []*gitobj.Commit
	treeOf map[plumbing.Hash]plumbing.Hash
	report progress.Func

	jobs          chan *pairResult
	fingerprinted atomic.Int64
	pairIDs       map[[2]plumbing.Hash]int32
	pairs         []*pairResult
	changes       []pendingChange
	commitIdx     map[plumbing.Hash]int32
	// aliased holds the paths followed so far, under their own name or
	// under another: a tracked file renamed to or from a path no patch
	// names is followed there too, its changes recorded under the tracked
	// path (like git log --follow).
	aliased map[string]bool
}

// pendingChange is one file change of one commit, waiting for its blob
// pair's fingerprint.
type pendingChange struct {
	commit int32
	ch     fileChange
	pair   int32
}

func newRangeWalk(ctx context.Context, ix *Index, list []*gitobj.Commit, treeOf map[plumbing.Hash]plumbing.Hash, report progress.Func) *rangeWalk {
	w := &rangeWalk{ctx: ctx, ix: ix, list: list, treeOf: treeOf, report: report,
		jobs: make(chan *pairResult, 256), pairIDs: map[[2]plumbing.Hash]int32{},
		commitIdx: map[plumbing.Hash]int32{}, aliased: map[string]bool{}}
	for _, p := range ix.paths {
		w.aliased[p] = true
	}
	return w
}

// run walks the range along trie, then along the paths tracked files were
// renamed from or to, while the pool fingerprints; it returns when every
// pair is fingerprinted.
func (w *rangeWalk) run(trie *pathTrie) error {
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range w.jobs {
				if w.ctx.Err() != nil {
					continue
				}
				w.ix.repo.fingerprintPair(p)
				w.fingerprinted.Add(1)
			}
		}()
	}
	walkErr := func() error {
		defer close(w.jobs)
		identity := make([]int32, len(w.ix.paths))
		for i := range identity {
			identity[i] = int32(i)
		}
		found, err := w.pass(trie, identity, "walk")
		for round := 0; err == nil && len(found) > 0 && round < maxFollowRounds; round++ {
			var names []string
			for p := range found {
				w.aliased[p] = true
				names = append(names, p)
			}
			at := newTrie(names)
			toMain := make([]int32, len(at.paths))
			for i, p := range at.paths {
				toMain[i] = found[p]
			}
			w.ix.stats.FollowedPaths += len(at.paths)
			found, err = w.pass(at, toMain, "follow")
		}
		return err
	}()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	for waiting := true; waiting; {
		w.report.Send(progress.Report{Stage: "fingerprint", Done: int64(w.fingerprinted.Load()), Total: int64(len(w.pairs))})
		select {
		case <-done:
			waiting = false
		case <-tick.C:
		}
	}
	tick.Stop()
	if walkErr == nil {
		walkErr = w.ctx.Err()
	}
	if walkErr != nil {
		return walkErr
	}
	w.report.Send(progress.Report{Stage: "fingerprint", Done: int64(len(w.pairs)), Total: int64(len(w.pairs))})
	return nil
}

// pass walks the range along the paths of trie; toMain maps the trie's
// path indices to ix.paths indices. It returns the new aliases found.
func (w *rangeWalk) pass(trie *pathTrie, toMain []int32, phase string) (map[string]int32, error) {
	ix, r := w.ix, w.ix.repo
	tr := newTreeReader(r)
	defer func() { ix.stats.TreesRead += tr.reads }()
	found := map[string]int32{}
	var buf []fileChange
	for i, c := range w.list {
		if i%256 == 0 {
			if err := w.ctx.Err(); err != nil {
				return nil, err
			}
			w.report.Send(progress.Report{Stage: phase, Done: int64(i), Total: int64(len(w.list))})
		}
		var parentTree plumbing.Hash
		if len(c.Parents) > 0 {
			t, ok := w.treeOf[c.Parents[0]]
			if !ok {
				pc, err := r.readCommit(c.Parents[0])
				if errors.Is(err, plumbing.ErrObjectNotFound) {
					// Shallow boundary: the change is unknown.
					if phase == "walk" {
						ix.stats.MissingObject++
					}
					continue
				}
				if err != nil {
					return nil, err
				}
				t = pc.Tree
				w.treeOf[pc.Hash] = t
			}
			parentTree = t
		}
		if len(c.Parents) > 1 && phase == "walk" {
			ix.stats.Merges++
		}
		var err error
		buf, err = tr.diffTrees(trie.root, parentTree, c.Tree, buf[:0])
		if err != nil {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				ix.stats.MissingObject++
				continue
			}
			return nil, err
		}
		if len(buf) == 0 {
			continue
		}
		buf = pairMoves(buf, trie.paths)
		buf, err = r.pairOutside(buf, trie.paths, parentTree, c.Tree, func(outside string, tracked int32) {
			if !w.aliased[outside] {
				found[outside] = toMain[tracked]
			}
		})
		if err != nil {
			return nil, err
		}
		if len(buf) == 0 {
			continue
		}
		if err := w.record(c, buf, toMain); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// record keeps the file changes of commit c and sends the blob pairs not
// seen yet to the fingerprinting pool.
func (w *rangeWalk) record(c *gitobj.Commit, buf []fileChange, toMain []int32) error {
	ix := w.ix
	ci, ok := w.commitIdx[c.Hash]
	if !ok {
		ci = int32(len(ix.commits))
		w.commitIdx[c.Hash] = ci
		ix.commits = append(ix.commits, c)
	}
	for _, fc := range buf {
		fc.path, fc.oldPath = toMain[fc.path], toMain[fc.oldPath]
		k := [2]plumbing.Hash{fc.old, fc.new}
		id, ok := w.pairIDs[k]
		if !ok {
			id = int32(len(w.pairs))
			w.pairIDs[k] = id
			p := &pairResult{old: fc.old, new: fc.new}
			w.pairs = append(w.pairs, p)
			select {
			case w.jobs <- p:
			case <-w.ctx.Done():
				return w.ctx.Err()
			}
		}
		w.changes = append(w.changes, pendingChange{ci, fc, id})
	}
	return nil
}

// build turns the fingerprinted changes into records and the inverted
// index.
func (ix *Index) build(changes []pendingChange, pairs []*pairResult) {
	ix.stats.Touching = len(ix.commits)
	ix.stats.BlobPairs = len(pairs)
	ix.stats.FileChanges = len(changes)
	for _, p := range pairs {
		if p.opaque {
			ix.stats.Opaque++
		}
		ix.stats.MissingObject += p.missing
	}
	ix.byCommit = make([][]int32, len(ix.commits))
	ix.hasRecords = make([]bool, len(ix.paths))
	for _, pc := range changes {
		d := pairs[pc.pair].d
		if len(d) == 0 {
			continue
		}
		id := int32(len(ix.records))
		ix.records = append(ix.records, record{commit: pc.commit, path: pc.ch.path, oldPath: pc.ch.oldPath, old: pc.ch.old, new: pc.ch.new, d: d, size: patchset.Weight(d)})
		ix.byCommit[pc.commit] = append(ix.byCommit[pc.commit], id)
		ix.hasRecords[pc.ch.path] = true
		ix.hasRecords[pc.ch.oldPath] = true
		for _, e := range d {
			k := postingKey(e.Hash, e.Count)
			ix.postings[k] = append(ix.postings[k], id)
		}
	}
	for i, c := range ix.commits {
		ix.hexes = append(ix.hexes, hexRef{c.Hash.String(), int32(i)})
	}
	sort.Slice(ix.hexes, func(i, j int) bool { return ix.hexes[i].hex < ix.hexes[j].hex })
}

// maxFollowRounds bounds how many times renames are followed further.
const maxFollowRounds = 1

// fingerprintPair reads the two blobs of p and computes their net change.
func (r *Repo) fingerprintPair(p *pairResult) {
	var old, new []byte
	var err error
	if !p.old.IsZero() {
		if old, err = r.readRaw(plumbing.BlobObject, p.old); err != nil {
			p.opaque = true
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				p.missing++
			}
			return
		}
	}
	if !p.new.IsZero() {
		if new, err = r.readRaw(plumbing.BlobObject, p.new); err != nil {
			p.opaque = true
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				p.missing++
			}
			return
		}
	}
	if patchset.IsBinary(old) || patchset.IsBinary(new) {
		p.opaque = true
		return
	}
	p.d = patchset.NetChange(old, new)
}

// reach visits every commit reachable from start that is not in stop,
// children before parents along first parents where possible.
//
// Parents missing from the repository (a shallow clone) are skipped and
// counted in *missing.
func (r *Repo) reach(ctx context.Context, start plumbing.Hash, stop map[plumbing.Hash]plumbing.Hash, missing *int, visit func(*gitobj.Commit)) error {
	seen := map[plumbing.Hash]bool{start: true}
	stack := []plumbing.Hash{start}
	for n := 0; len(stack) > 0; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("upstream: listing commits: %w", err)
			}
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := stop[h]; ok {
			continue
		}
		c, err := r.readCommit(h)
		if err != nil {
			if h != start && errors.Is(err, plumbing.ErrObjectNotFound) {
				// Beyond a shallow clone's boundary.
				if missing != nil {
					*missing++
				}
				continue
			}
			return err
		}
		visit(c)
		// Push later parents first so the first parent is visited next.
		for i := len(c.Parents) - 1; i >= 0; i-- {
			p := c.Parents[i]
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return nil
}

// Stats returns counts describing the index.
func (ix *Index) Stats() Stats { return ix.stats }

// Range returns the revision range the index was built for.
func (ix *Index) Range() string { return ix.rangeStr }

// Paths returns the upstream paths the index follows, sorted.
func (ix *Index) Paths() []string { return append([]string(nil), ix.paths...) }

// UpstreamPaths returns the upstream paths a patch path maps to: the paths
// present at the tip or the base of the range that share the longest
// suffix of path components with it (so a/lib/x.c and pkg-1.0/lib/x.c both
// map to lib/x.c), preferring paths matched whole; when such a path no
// longer exists at the tip, the paths with the same base name that
// appeared during the range are added (the file was moved).
//
// A patch path that matches no file at the tip or the base is looked for
// under each of its suffixes whose directory exists (a file that existed
// only inside the range); the longest such path that some commit of the
// range changes is returned.
func (ix *Index) UpstreamPaths(patchPath string) []string {
	if m := ix.universe.match(patchPath); len(m) > 0 {
		return m
	}
	for _, g := range ix.universe.guesses(patchPath) {
		if i, ok := slices.BinarySearch(ix.paths, g); ok && ix.hasRecords[i] {
			return []string{g}
		}
	}
	return nil
}

// InRange reports whether the commit (full hex sha) is part of the
// indexed range.
func (ix *Index) InRange(sha string) bool {
	return ix.inRange[plumbing.NewHash(sha)]
}

// sortedKeys returns the keys of m sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
