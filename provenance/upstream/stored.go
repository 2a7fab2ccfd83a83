package upstream

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/store"
)

// IndexStored is [Repo.Index] over a persistent index: it first brings st
// up to date with the revision sets revs (see [Repo.Update] and
// [Repo.RevSet]; several sets, e.g. a mainline range and stable branches,
// make one index), then loads from st only the changes to the upstream
// paths that paths map to, so memory is bound by what the query needs,
// never by the history's size.
//
// Paths are mapped as [Index.UpstreamPaths] says, against the tree of the
// first set's first tip and of its first stop. A tracked file renamed from
// or to a path no patch names is followed there too (one level), its
// changes recorded under the tracked path.
func (r *Repo) IndexStored(ctx context.Context, st store.Index, revs []string, paths []string, opts UpdateOptions) (*Index, UpdateStats, error) {
	ust, sets, commits, err := r.update(ctx, st, revs, opts)
	if err != nil {
		return nil, ust, err
	}
	ix := &Index{repo: r, rangeStr: strings.Join(revs, " "), inRange: map[plumbing.Hash]bool{}, postings: map[uint64][]int32{}}
	meta := make(map[plumbing.Hash]store.Commit, len(commits))
	for _, c := range commits {
		h := plumbing.Hash(c.ID)
		ix.inRange[h] = true
		meta[h] = c
	}
	ix.stats.Commits = len(ix.inRange)
	ix.tip = sets[0].Tips[0]
	if len(sets[0].Stops) > 0 {
		ix.base = sets[0].Stops[0]
	}

	// The paths to track, as Repo.Index chooses them.
	tipC, err := r.readCommit(ix.tip)
	if err != nil {
		return nil, ust, err
	}
	var baseTree plumbing.Hash
	if !ix.base.IsZero() {
		bc, err := r.readCommit(ix.base)
		if err != nil {
			return nil, ust, err
		}
		baseTree = bc.Tree
	}
	if ix.universe, err = r.newUniverse(tipC.Tree, baseTree); err != nil {
		return nil, ust, err
	}
	want := ix.universe.wanted(paths)
	slices.Sort(want)
	ix.paths = slices.Compact(want)
	ix.stats.TrackedPaths = len(ix.paths)
	pathIdx := map[string]int32{}
	for i, p := range ix.paths {
		pathIdx[p] = int32(i)
	}

	// Load the changes of the range on those paths, then on the paths
	// they were renamed from or to.
	var changes []pendingChange
	var pairs []*pairResult
	commitIdx := map[plumbing.Hash]int32{}
	type key struct {
		commit store.ID
		path   string
	}
	loaded := map[key]bool{}
	followed := map[string]int32{} // path followed -> tracked path it stands for
	load := func(query []string, follow map[string]int32) error {
		return st.Changes(ctx, query, func(ch *store.Change) error {
			h := plumbing.Hash(ch.Commit)
			if !ix.inRange[h] || loaded[key{ch.Commit, ch.Path}] {
				return nil
			}
			loaded[key{ch.Commit, ch.Path}] = true
			old := ch.OldPath
			if old == "" {
				old = ch.Path
			}
			pi, okP := pathIdx[ch.Path]
			oi, okO := pathIdx[old]
			switch {
			case okP && !okO:
				oi = pi
				if follow != nil {
					follow[old] = pi
				}
			case okO && !okP:
				pi = oi
				if follow != nil {
					follow[ch.Path] = oi
				}
			case !okP && !okO:
				// Found along a followed path: record it under the
				// tracked path it stands for.
				t, ok := followed[ch.Path]
				if !ok {
					t, ok = followed[old]
				}
				if !ok {
					return nil
				}
				pi, oi = t, t
			}
			ci, ok := commitIdx[h]
			if !ok {
				ci = int32(len(ix.commits))
				commitIdx[h] = ci
				ix.commits = append(ix.commits, commitOf(meta[h]))
			}
			p := &pairResult{old: plumbing.Hash(ch.Old), new: plumbing.Hash(ch.New), opaque: ch.Opaque}
			if len(ch.Lines) > 0 {
				p.d = make([]patchset.LineCount, len(ch.Lines))
				for i, l := range ch.Lines {
					p.d[i] = patchset.LineCount{Hash: l.Hash, Count: int(l.Count)}
				}
			}
			changes = append(changes, pendingChange{commit: ci, ch: fileChange{path: pi, oldPath: oi, old: p.old, new: p.new}, pair: int32(len(pairs))})
			pairs = append(pairs, p)
			return nil
		})
	}
	follow := map[string]int32{}
	if err := load(ix.paths, follow); err != nil {
		return nil, ust, fmt.Errorf("upstream: loading the index: %w", err)
	}
	var extra []string
	for p, t := range follow {
		if _, tracked := pathIdx[p]; !tracked {
			followed[p] = t
			extra = append(extra, p)
		}
	}
	slices.Sort(extra)
	ix.stats.FollowedPaths = len(extra)
	if len(extra) > 0 {
		if err := load(extra, nil); err != nil {
			return nil, ust, fmt.Errorf("upstream: loading the index: %w", err)
		}
	}
	for _, c := range meta {
		if len(c.Parents) > 1 {
			ix.stats.Merges++
		}
		ix.addSubject(commitOf(c))
	}
	ix.build(changes, pairs)
	return ix, ust, nil
}

// commitOf turns a stored commit into the form the index keeps.
func commitOf(c store.Commit) *gitobj.Commit {
	g := &gitobj.Commit{Hash: plumbing.Hash(c.ID), Subject: c.Subject,
		Author: gitobj.Signature{Name: c.Author, Email: c.Email, When: c.When, Zone: c.TZ}}
	for _, p := range c.Parents {
		g.Parents = append(g.Parents, plumbing.Hash(p))
	}
	return g
}
