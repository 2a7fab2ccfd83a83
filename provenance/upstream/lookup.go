package upstream

import (
	"fmt"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/patchset"
)

// Low-level, read-only access to an Index, for callers that do their own
// attribution (a tree diff covered by many commits): the candidates of a
// change, each commit's own change, and the rarity weights Find scores
// with.

// CommitRef is a commit that shares changed lines with a change.
type CommitRef struct {
	// Commit is the commit's full lower-case hex id.
	Commit string
	// Shared counts the changed-line occurrences the commit changes the
	// same way (same normalised text and direction) on the upstream paths
	// the change's files map to; Evidential counts those that are
	// evidence (see patchset.Evidential).
	Shared, Evidential int
	// Weighted is Shared with every line weighted by its rarity in the
	// index (see Index.Weight).
	Weighted float64
}

// Candidates returns every commit of the index that shares at least one
// changed line, with the same sign, with changes on an upstream path the
// change's file maps to (see UpstreamPaths), by decreasing Weighted share,
// then by commit order in the range. Unlike Find it neither bounds nor
// judges the list.
func (ix *Index) Candidates(changes []patchset.FileChange) []CommitRef {
	files := ix.queryFiles(Query{Changes: changes})
	type acc struct {
		shared, evid int
		w            float64
	}
	byCommit := map[int32]*acc{}
	for _, f := range files {
		for _, l := range f.fc.Lines {
			key := postingKey(l.Hash, l.Count)
			w := ix.keyWeight(key)
			ev := patchset.Evidential(l)
			for _, rid := range ix.postings[key] {
				r := &ix.records[rid]
				if !f.mapped[r.path] && !f.mapped[r.oldPath] {
					continue
				}
				n := min(abs(l.Count), abs(patchset.CountOf(r.d, l.Hash)))
				if n == 0 {
					continue
				}
				a := byCommit[r.commit]
				if a == nil {
					a = &acc{}
					byCommit[r.commit] = a
				}
				a.shared += n
				a.w += w * float64(n)
				if ev {
					a.evid += n
				}
			}
		}
	}
	ids := make([]int32, 0, len(byCommit))
	for ci := range byCommit {
		ids = append(ids, ci)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := byCommit[ids[i]], byCommit[ids[j]]
		if a.w != b.w {
			return a.w > b.w
		}
		return ids[i] < ids[j]
	})
	out := make([]CommitRef, len(ids))
	for k, ci := range ids {
		a := byCommit[ci]
		out[k] = CommitRef{Commit: ix.commits[ci].Hash.String(), Shared: a.shared, Evidential: a.evid, Weighted: a.w}
	}
	return out
}

// CommitInfo describes a commit of the index.
type CommitInfo struct {
	// Commit is the full lower-case hex id.
	Commit string
	// Subject is the first line of the message; Author and Email the
	// author; Date the author date.
	Subject, Author, Email string
	Date                   time.Time
	// Parents are the parents' ids, first parent first; Merge is set for
	// more than one. A merge is indexed by its first-parent diff, which
	// repeats the changes of the branch it merged.
	Parents []string
	Merge   bool
}

// CommitInfo returns what the index knows of a commit that changes an
// indexed path (full or unambiguous abbreviated id); ok is false for any
// other commit.
func (ix *Index) CommitInfo(commit string) (info CommitInfo, ok bool) {
	ci := ix.commitByPrefix(commit)
	if ci < 0 {
		return CommitInfo{}, false
	}
	return ix.info(ci), true
}

func (ix *Index) info(ci int32) CommitInfo {
	c := ix.commits[ci]
	info := CommitInfo{Commit: c.Hash.String(), Subject: c.Subject, Author: c.Author.Name, Email: c.Author.Email,
		Date: c.Author.Time(), Merge: len(c.Parents) > 1}
	for _, p := range c.Parents {
		info.Parents = append(info.Parents, p.String())
	}
	return info
}

// CommitChanges returns the net change a commit of the index makes to
// each indexed upstream path (its first-parent diff for a merge), computed
// from the blobs with patchset.ChangeFromBlobs, so with Text; OldPath is
// set when the change is a rename the index followed. An unknown commit
// gives nil and no error; an unreadable blob an error.
func (ix *Index) CommitChanges(commit string) ([]patchset.FileChange, error) {
	ci := ix.commitByPrefix(commit)
	if ci < 0 {
		return nil, nil
	}
	var out []patchset.FileChange
	for _, rid := range ix.byCommit[ci] {
		r := &ix.records[rid]
		old, err := ix.blob(r.old)
		if err != nil {
			return nil, err
		}
		new, err := ix.blob(r.new)
		if err != nil {
			return nil, err
		}
		fc := patchset.ChangeFromBlobs(ix.paths[r.path], old, new)
		if r.oldPath != r.path {
			fc.OldPath = ix.paths[r.oldPath]
		}
		out = append(out, fc)
	}
	return out, nil
}

// blob reads a blob; nil for the zero hash (the file is absent).
func (ix *Index) blob(h plumbing.Hash) ([]byte, error) {
	if h.IsZero() {
		return nil, nil
	}
	data, err := ix.repo.readRaw(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("upstream: blob %s: %w", h, err)
	}
	return data, nil
}

// Weight returns the rarity weight Find gives a changed line: lines that
// many indexed file changes add (or remove) the same way, such as "}" or
// "break;", weigh less than distinctive ones (log(2 + N/(1+df)) over the N
// indexed file changes, df of which carry the line with the same sign).
func (ix *Index) Weight(l patchset.LineCount) float64 {
	return ix.keyWeight(postingKey(l.Hash, l.Count))
}
