package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/provenance/store"
)

// FingerprintName names the line fingerprint this package stores in a
// persistent index: patchset.NetChange's line hashes (patchset.LineHash,
// versioned by patchset.FingerprintVersion), with the whitespace rule of
// SP, TAB, CR, LF, VT and FF. An index filled with another fingerprint is
// refused or rebuilt (see store.IndexComponent).
const FingerprintName = "patchset.NetChange/" + patchset.FingerprintVersion + "/sp-tab-cr-lf-vt-ff"

// UpdateOptions tunes [Repo.Update].
type UpdateOptions struct {
	// Progress, when not nil, is called from the calling goroutine with
	// the stages "graph" (reading commits not yet stored; Done counts
	// them, Total is 0), "fingerprint" (Done counts the commits
	// fingerprinted out of Total) and "done".
	Progress progress.Func
	// Workers bounds the goroutines fingerprinting commits; 0 means
	// runtime.GOMAXPROCS.
	Workers int
}

// UpdateStats says what [Repo.Update] did.
type UpdateStats struct {
	Range   int // commits in the revision sets
	Read    int // commits read from git because the store lacked them
	Indexed int // commits fingerprinted and stored now
	Reused  int // commits of the revision sets already indexed
	Changes int // (commit, path) changes stored
	Opaque  int // changes not fingerprinted (binary, too big, missing)
	Missing int // objects absent from the repository (shallow or partial clone)
}

// Update makes the persistent index ix hold every commit of the revision
// sets revs (see [Repo.RevSet]) with its changes, reading from git only
// what ix does not hold yet. Changes are recorded per (commit, path) for
// every file a commit changes compared with its first parent, whatever
// patches will be traced later, with renames paired as git does (same
// blob, then same base name, then at least half of the lines), so any later
// range, branch or target reuses them.
//
// Update writes in transactions (the graph parents first, then batches of
// commits with their changes), so it may run beside other processes
// indexing into the same store, and a killed Update loses at most its
// unfinished batch.
func (r *Repo) Update(ctx context.Context, ix store.Index, revs []string, opts UpdateOptions) (UpdateStats, error) {
	st, _, _, err := r.update(ctx, ix, revs, opts)
	return st, err
}

// update is Update; it also returns the revision sets and their commits
// (as stored before this update indexed them).
func (r *Repo) update(ctx context.Context, ix store.Index, revs []string, opts UpdateOptions) (UpdateStats, []RevSet, []store.Commit, error) {
	var st UpdateStats
	report := opts.Progress
	var sets []RevSet
	var starts []plumbing.Hash
	for _, spec := range revs {
		s, err := r.RevSet(spec)
		if err != nil {
			return st, nil, nil, err
		}
		sets = append(sets, s)
		starts = append(starts, s.Tips...)
		starts = append(starts, s.Stops...)
	}
	read, missing, err := r.storeGraph(ctx, ix, starts, report)
	st.Read, st.Missing = read, missing
	if err != nil {
		return st, nil, nil, err
	}
	var todo, all []store.Commit
	seen := map[store.ID]bool{}
	for _, s := range sets {
		cs, err := ix.Reachable(ctx, toIDs(s.Tips), toIDs(s.Stops))
		if err != nil {
			return st, nil, nil, err
		}
		for _, c := range cs {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			all = append(all, c)
			st.Range++
			if c.Indexed {
				st.Reused++
			} else {
				todo = append(todo, c)
			}
		}
	}
	// Newest first: consecutive commits share pack deltas.
	slices.SortFunc(todo, func(a, b store.Commit) int {
		switch {
		case a.When > b.When:
			return -1
		case a.When < b.When:
			return 1
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	if err := r.indexCommits(ctx, ix, todo, opts, report, &st); err != nil {
		return st, nil, nil, err
	}
	report.Send(progress.Report{Stage: "done", Done: int64(st.Range), Total: int64(st.Range)})
	return st, sets, all, nil
}

// RevSet is a set of commits named by a revision-set spec: those reachable
// from any of Tips and from none of Stops.
type RevSet struct {
	Spec        string
	Tips, Stops []plumbing.Hash
}

// RevSet resolves a revision-set spec:
//
//	REV       every commit reachable from REV (a branch, tag, id, HEAD~2 ...)
//	A..B      reachable from B and not from A
//	A..*      reachable from any branch or tag and not from A: every branch
//	          and tag since A
//	*         every commit of every branch and tag
//
// Branches are refs/heads and refs/remotes; annotated tags are peeled to
// their commit, and tags of other objects are ignored.
func (r *Repo) RevSet(spec string) (RevSet, error) {
	s := RevSet{Spec: spec}
	base, tip, err := parseRange(spec)
	if err != nil {
		return s, err
	}
	if strings.TrimSpace(tip) == "*" {
		if s.Tips, err = r.allTips(); err != nil {
			return s, err
		}
		if len(s.Tips) == 0 {
			return s, fmt.Errorf("%w: %q: the repository has no branch or tag", ErrBadRange, spec)
		}
	} else {
		h, err := r.resolveRef(tip)
		if err != nil {
			return s, err
		}
		s.Tips = []plumbing.Hash{h}
	}
	if base != "" {
		h, err := r.resolveRef(base)
		if err != nil {
			return s, err
		}
		s.Stops = []plumbing.Hash{h}
	}
	return s, nil
}

// resolveRef resolves a revision, reading a branch or tag name straight
// from the references and peeling it with the object reader; other
// revisions (ids, HEAD~2, ...) go through [Repo.resolve]. go-git's own
// revision parser loads an offset index of every packed object (70 MB for
// curl) to read one commit.
func (r *Repo) resolveRef(rev string) (plumbing.Hash, error) {
	rev = strings.TrimSpace(rev)
	var ref *plumbing.Reference
	r.objects.Locked(func() {
		for _, name := range []plumbing.ReferenceName{plumbing.ReferenceName(rev), plumbing.NewTagReferenceName(rev),
			plumbing.NewBranchReferenceName(rev), plumbing.NewRemoteReferenceName("origin", rev)} {
			if x, err := r.repo.Reference(name, true); err == nil {
				ref = x
				return
			}
		}
	})
	if ref != nil && ref.Type() == plumbing.HashReference {
		if h, ok, err := r.peel(ref.Hash()); err == nil && ok {
			return h, nil
		}
	}
	return r.resolve(rev)
}

// allTips returns the commits of every branch, remote branch and tag,
// without duplicates.
func (r *Repo) allTips() ([]plumbing.Hash, error) {
	var hashes []plumbing.Hash
	var err error
	r.objects.Locked(func() {
		refs, rerr := r.repo.References()
		if rerr != nil {
			err = rerr
			return
		}
		err = refs.ForEach(func(ref *plumbing.Reference) error {
			n := ref.Name()
			if ref.Type() == plumbing.HashReference && (n.IsBranch() || n.IsRemote() || n.IsTag()) {
				hashes = append(hashes, ref.Hash())
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("upstream: listing references: %w", err)
	}
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.Hash
	for _, h := range hashes {
		c, ok, err := r.peel(h)
		if err != nil {
			return nil, err
		}
		if ok && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// peel follows annotated tags from h to a commit; ok is false when h
// leads to another kind of object.
func (r *Repo) peel(h plumbing.Hash) (plumbing.Hash, bool, error) {
	for range 16 {
		if _, err := r.readRaw(plumbing.CommitObject, h); err == nil {
			return h, true, nil
		} else if !errors.Is(err, gitobj.ErrWrongType) {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				return h, false, nil
			}
			return h, false, err
		}
		raw, err := r.readRaw(plumbing.TagObject, h)
		if err != nil {
			return h, false, nil // a tree or a blob
		}
		obj, _, _ := bytes.Cut(raw, []byte("\n"))
		hex, ok := bytes.CutPrefix(obj, []byte("object "))
		if !ok || len(hex) != 40 || !isHex(string(hex)) {
			return h, false, fmt.Errorf("upstream: tag %s: malformed object line", h)
		}
		h = plumbing.NewHash(string(hex))
	}
	return h, false, fmt.Errorf("upstream: tag %s: tags nested too deep", h)
}

func toIDs(hs []plumbing.Hash) []store.ID {
	out := make([]store.ID, len(hs))
	for i, h := range hs {
		out[i] = store.ID(h)
	}
	return out
}

// storeGraph stores every commit reachable from starts that ix lacks,
// parents first. It walks git from starts and stops at stored commits
// (whose ancestors are stored too). Stored-ness is asked in batches while
// the walk goes on, so a walk may read up to one batch of commits past the
// first stored one; those are dropped.
func (r *Repo) storeGraph(ctx context.Context, ix store.Index, starts []plumbing.Hash, report progress.Func) (read, missing int, err error) {
	known, err := ix.Known(ctx, toIDs(starts))
	if err != nil {
		return 0, 0, err
	}
	stored := map[plumbing.Hash]bool{} // known to be in ix
	seen := map[plumbing.Hash]bool{}
	var stack []plumbing.Hash
	for _, h := range starts {
		if _, ok := known[store.ID(h)]; ok {
			stored[h] = true
		} else if !seen[h] {
			seen[h] = true
			stack = append(stack, h)
		}
	}
	isStart := map[plumbing.Hash]bool{}
	for _, h := range starts {
		isStart[h] = true
	}
	fresh := map[plumbing.Hash]*gitobj.Commit{}
	var unchecked []plumbing.Hash
	batch := 16
	check := func() error {
		if len(unchecked) == 0 {
			return nil
		}
		k, err := ix.Known(ctx, toIDs(unchecked))
		if err != nil {
			return err
		}
		for id := range k {
			h := plumbing.Hash(id)
			stored[h] = true
			if c := fresh[h]; c != nil {
				delete(fresh, h)
				for _, p := range c.Parents {
					stored[p] = true
				}
			}
		}
		unchecked = unchecked[:0]
		batch = min(batch*2, 4096)
		return nil
	}
	for len(stack) > 0 || len(unchecked) > 0 {
		if len(stack) == 0 || len(unchecked) >= batch {
			if err := check(); err != nil {
				return read, missing, err
			}
			if err := ctx.Err(); err != nil {
				return read, missing, err
			}
			report.Send(progress.Report{Stage: "graph", Done: int64(read)})
			continue
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if stored[h] {
			continue
		}
		c, err := r.readCommit(h)
		if err != nil {
			if !isStart[h] && errors.Is(err, plumbing.ErrObjectNotFound) {
				missing++ // beyond a shallow clone's boundary
				continue
			}
			return read, missing, err
		}
		read++
		fresh[h] = c
		unchecked = append(unchecked, h)
		for i := len(c.Parents) - 1; i >= 0; i-- {
			if p := c.Parents[i]; !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	// Parents first: a commit is written only once its parents are.
	order := make([]*gitobj.Commit, 0, len(fresh))
	pending := map[plumbing.Hash]int{} // fresh commit -> fresh parents not yet ordered
	children := map[plumbing.Hash][]plumbing.Hash{}
	for h, c := range fresh {
		n := 0
		for _, p := range c.Parents {
			if fresh[p] != nil {
				n++
				children[p] = append(children[p], h)
			}
		}
		pending[h] = n
		if n == 0 {
			order = append(order, c)
		}
	}
	for i := 0; i < len(order); i++ {
		for _, ch := range children[order[i].Hash] {
			if pending[ch]--; pending[ch] == 0 {
				order = append(order, fresh[ch])
			}
		}
	}
	const chunk = 2000
	for lo := 0; lo < len(order); lo += chunk {
		var cs []store.Commit
		for _, c := range order[lo:min(len(order), lo+chunk)] {
			cs = append(cs, store.Commit{ID: store.ID(c.Hash), Parents: toIDs(c.Parents), Author: c.Author.Name, Email: c.Author.Email,
				When: c.Author.When, TZ: c.Author.Zone, Subject: c.Subject})
		}
		if err := ix.PutCommits(ctx, cs); err != nil {
			return read, missing, err
		}
	}
	return read, missing, nil
}

// commitChanges is what one commit changed, ready to store.
type commitChanges struct {
	id      store.ID
	changes []store.Change
	opaque  int
	missing int
	err     error
}

// maxBatchCommits and maxBatchLines bound one write transaction.
const (
	maxBatchCommits = 512
	maxBatchLines   = 1 << 18
)

// indexCommits fingerprints the changes of todo and stores them in
// batches.
func (r *Repo) indexCommits(ctx context.Context, ix store.Index, todo []store.Commit, opts UpdateOptions, report progress.Func, st *UpdateStats) error {
	if len(todo) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan store.Commit)
	results := make(chan commitChanges, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				res := r.changesOf(c)
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, c := range todo {
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var ids []store.ID
	var changes []store.Change
	lines := 0
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		if err := ix.PutChanges(ctx, ids, changes); err != nil {
			return err
		}
		st.Indexed += len(ids)
		st.Changes += len(changes)
		ids, changes, lines = ids[:0], nil, 0
		return nil
	}
	done := 0
	report.Send(progress.Report{Stage: "fingerprint", Total: int64(len(todo))})
	for res := range results {
		if res.err != nil {
			return fmt.Errorf("upstream: indexing %s: %w", plumbing.Hash(res.id), res.err)
		}
		done++
		st.Opaque += res.opaque
		st.Missing += res.missing
		ids = append(ids, res.id)
		changes = append(changes, res.changes...)
		for _, c := range res.changes {
			lines += len(c.Lines)
		}
		if len(ids) >= maxBatchCommits || lines >= maxBatchLines {
			if err := flush(); err != nil {
				return err
			}
		}
		if done%64 == 0 {
			report.Send(progress.Report{Stage: "fingerprint", Done: int64(done), Total: int64(len(todo))})
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	report.Send(progress.Report{Stage: "fingerprint", Done: int64(done), Total: int64(len(todo))})
	return nil
}

// changesOf computes what commit c changed compared with its first
// parent.
func (r *Repo) changesOf(c store.Commit) commitChanges {
	res := commitChanges{id: c.ID}
	ci, err := r.readCommit(plumbing.Hash(c.ID))
	if err != nil {
		res.err = err
		return res
	}
	var parentTree plumbing.Hash
	if len(ci.Parents) > 0 {
		pc, err := r.readCommit(ci.Parents[0])
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			res.missing++ // shallow boundary: the change is unknown
			return res
		}
		if err != nil {
			res.err = err
			return res
		}
		parentTree = pc.Tree
	}
	var diffs []fileDiff
	if err := r.treeDiff(parentTree, ci.Tree, "", &diffs, 0); err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			res.missing++
			return res
		}
		res.err = err
		return res
	}
	diffs = r.pairRenames(diffs)
	for _, d := range diffs {
		ch := store.Change{Commit: c.ID, Path: d.path, Old: store.ID(d.old), New: store.ID(d.new)}
		if d.oldPath != d.path {
			ch.OldPath = d.oldPath
		}
		if d.old != d.new {
			p := &pairResult{old: d.old, new: d.new}
			r.fingerprintPair(p)
			res.missing += p.missing
			switch {
			case p.opaque:
				ch.Opaque = true
				res.opaque++
			case len(p.d) == 0 && ch.OldPath == "":
				continue // whitespace only: nothing to match
			}
			ch.Lines = make([]store.Line, len(p.d))
			for i, e := range p.d {
				ch.Lines[i] = store.Line{Hash: e.Hash, Count: int32(e.Count)}
			}
		}
		res.changes = append(res.changes, ch)
	}
	return res
}

// fileDiff is one regular file that differs between two trees.
type fileDiff struct {
	path, oldPath string
	old, new      plumbing.Hash // zero when absent
}

// tentryNamed is a tree entry with its name.
type tentryNamed struct {
	name string
	tentry
}

// readEntries parses the tree h (nil for the zero hash).
func (r *Repo) readEntries(h plumbing.Hash) ([]tentryNamed, error) {
	if h.IsZero() {
		return nil, nil
	}
	raw, err := r.readRaw(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	var out []tentryNamed
	err = gitobj.ScanTree(raw, func(mode, name []byte, hash plumbing.Hash) bool {
		out = append(out, tentryNamed{name: string(name), tentry: tentry{kind: gitobj.KindOf(mode), hash: hash}})
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("upstream: tree %s: %w", h, err)
	}
	return out, nil
}

// treeDiff appends to out every regular file whose blob differs between
// the trees oldT and newT (zero: empty), descending only into subtrees
// whose hashes differ. A path that changes kind (file to directory,
// symlink to file) is a deletion and an addition.
func (r *Repo) treeDiff(oldT, newT plumbing.Hash, prefix string, out *[]fileDiff, depth int) error {
	if oldT == newT {
		return nil
	}
	if depth > 64 {
		return fmt.Errorf("upstream: tree %s: nesting deeper than 64", newT)
	}
	oe, err := r.readEntries(oldT)
	if err != nil {
		return err
	}
	ne, err := r.readEntries(newT)
	if err != nil {
		return err
	}
	byName := make(map[string]tentry, len(oe))
	for _, e := range oe {
		byName[e.name] = e.tentry
	}
	sideOf := func(e tentry, kind gitobj.Kind) plumbing.Hash {
		if e.kind == kind {
			return e.hash
		}
		return plumbing.ZeroHash
	}
	visit := func(name string, o, n tentry) error {
		if o == n {
			return nil
		}
		p := prefix + name
		if ob, nb := sideOf(o, gitobj.Blob), sideOf(n, gitobj.Blob); ob != nb {
			*out = append(*out, fileDiff{path: p, oldPath: p, old: ob, new: nb})
		}
		if ot, nt := sideOf(o, gitobj.Tree), sideOf(n, gitobj.Tree); ot != nt {
			return r.treeDiff(ot, nt, p+"/", out, depth+1)
		}
		return nil
	}
	for _, n := range ne {
		o := byName[n.name]
		delete(byName, n.name)
		if err := visit(n.name, o, n.tentry); err != nil {
			return err
		}
	}
	for _, o := range oe {
		if _, ok := byName[o.name]; ok {
			if err := visit(o.name, o.tentry, tentry{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxRenamePairs bounds the (added, deleted) pairs compared by content
// when pairing renames in one commit.
const maxRenamePairs = 4096

// pairRenames turns a deleted and an added file of one commit into one
// change from the old blob to the new one, as git's rename detection would:
// first files with the same blob (exact renames, kept as changes without
// lines so that a path can be followed), then files with the same base
// name, then the most similar file sharing at least half of its lines.
func (r *Repo) pairRenames(diffs []fileDiff) []fileDiff {
	var adds, dels []int
	for i, d := range diffs {
		switch {
		case d.old.IsZero() && !d.new.IsZero():
			adds = append(adds, i)
		case !d.old.IsZero() && d.new.IsZero():
			dels = append(dels, i)
		}
	}
	if len(adds) == 0 || len(dels) == 0 {
		return diffs
	}
	used := map[int]bool{}
	pair := func(a, d int) {
		used[a], used[d] = true, true
		diffs[a].old, diffs[a].oldPath = diffs[d].old, diffs[d].path
	}
	try := func(match func(a, d int) bool) {
		for _, a := range adds {
			if used[a] {
				continue
			}
			for _, d := range dels {
				if !used[d] && match(a, d) {
					pair(a, d)
					break
				}
			}
		}
	}
	try(func(a, d int) bool { return diffs[a].new == diffs[d].old })
	try(func(a, d int) bool { return path.Base(diffs[a].path) == path.Base(diffs[d].path) })
	if len(adds)*len(dels) <= maxRenamePairs {
		sc := newRenameScorer(r)
		for _, a := range adds {
			if used[a] {
				continue
			}
			best, bestSim := -1, 0.5
			for _, d := range dels {
				if used[d] {
					continue
				}
				if sim := sc.similarity(diffs[a].new, diffs[d].old); sim >= bestSim {
					best, bestSim = d, sim
				}
			}
			if best >= 0 {
				pair(a, best)
			}
		}
	}
	out := diffs[:0]
	for i, d := range diffs {
		if used[i] && d.new.IsZero() {
			continue // the deleted side of a pair
		}
		out = append(out, d)
	}
	return out
}

// renameScorer compares files by content as git's rename detection does:
// the share of lines two blobs have in common. Each blob's lines are read
// once.
type renameScorer struct {
	r     *Repo
	cache map[plumbing.Hash]blobLines
}

// blobLines is a blob's line multiset and its size.
type blobLines struct {
	lines []patchset.LineCount
	n     int
}

func newRenameScorer(r *Repo) *renameScorer {
	return &renameScorer{r: r, cache: map[plumbing.Hash]blobLines{}}
}

// linesOf returns the lines of blob h (none for a binary or unreadable
// blob).
func (s *renameScorer) linesOf(h plumbing.Hash) blobLines {
	if l, ok := s.cache[h]; ok {
		return l
	}
	var l blobLines
	if data, err := s.r.readRaw(plumbing.BlobObject, h); err == nil && !patchset.IsBinary(data) {
		l.lines = patchset.BlobLines(data)
		l.n = patchset.Weight(l.lines)
	}
	s.cache[h] = l
	return l
}

// similarity is the share of lines blobs a and b have in common, relative
// to the larger one; 0 when either has no lines.
func (s *renameScorer) similarity(a, b plumbing.Hash) float64 {
	x, y := s.linesOf(a), s.linesOf(b)
	if x.n == 0 || y.n == 0 {
		return 0
	}
	return float64(patchset.Overlap(x.lines, y.lines)) / float64(max(x.n, y.n))
}
