package upstream

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/gitobj"
)

// tentry is one tracked entry of a tree: its kind (symbolic links and
// submodules are never fingerprinted) and object hash.
type tentry struct {
	kind gitobj.Kind
	hash plumbing.Hash
}

// dirNode is one directory of the trie of tracked upstream paths.
type dirNode struct {
	id    int
	index map[string]int // child name -> position in kids
	kids  []*child
}

// child is one tracked name inside a dirNode: a file we fingerprint, a
// directory we descend into, or both (a path can change kind in history).
type child struct {
	name string
	file int32 // path index when the name itself is tracked, else -1
	dir  *dirNode
}

// pathTrie holds the tracked upstream paths.
type pathTrie struct {
	root  *dirNode
	nodes int
	paths []string // path index -> path
}

func newTrie(paths []string) *pathTrie {
	t := &pathTrie{}
	t.root = t.newNode()
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	for _, p := range sorted {
		if len(t.paths) > 0 && t.paths[len(t.paths)-1] == p {
			continue
		}
		idx := int32(len(t.paths))
		t.paths = append(t.paths, p)
		n := t.root
		parts := strings.Split(p, "/")
		for i, part := range parts {
			c := n.get(part)
			if c == nil {
				c = &child{name: part, file: -1}
				n.index[part] = len(n.kids)
				n.kids = append(n.kids, c)
			}
			if i == len(parts)-1 {
				c.file = idx
				break
			}
			if c.dir == nil {
				c.dir = t.newNode()
			}
			n = c.dir
		}
	}
	return t
}

func (t *pathTrie) newNode() *dirNode {
	n := &dirNode{id: t.nodes, index: map[string]int{}}
	t.nodes++
	return n
}

func (n *dirNode) get(name string) *child {
	if i, ok := n.index[name]; ok {
		return n.kids[i]
	}
	return nil
}

// treeKey identifies a parsed tree: the same tree object seen at two trie
// nodes keeps two entries, each holding only that node's tracked names.
type treeKey struct {
	node int
	hash plumbing.Hash
}

// treeReader reads tree objects and keeps, per (node, tree hash), only the
// entries of the tracked names: small, so the cache can be unbounded.
type treeReader struct {
	repo  *Repo
	cache map[treeKey][]tentry
	reads int
}

func newTreeReader(r *Repo) *treeReader {
	return &treeReader{repo: r, cache: map[treeKey][]tentry{}}
}

// entries returns the tracked entries of tree h at node n (all absent when
// h is the zero hash).
func (tr *treeReader) entries(n *dirNode, h plumbing.Hash) ([]tentry, error) {
	if h.IsZero() {
		return nil, nil
	}
	k := treeKey{n.id, h}
	if e, ok := tr.cache[k]; ok {
		return e, nil
	}
	raw, err := tr.repo.readRaw(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	tr.reads++
	out := make([]tentry, len(n.kids))
	if err := gitobj.ScanTree(raw, func(mode, name []byte, hash plumbing.Hash) bool {
		if i, ok := n.index[string(name)]; ok {
			out[i] = tentry{kind: gitobj.KindOf(mode), hash: hash}
		}
		return true
	}); err != nil {
		return nil, fmt.Errorf("upstream: tree %s: %w", h, err)
	}
	tr.cache[k] = out
	return out, nil
}

// fileChange is one tracked path changed by one commit: old and new blob
// (zero when absent or not a regular file).
type fileChange struct {
	path     int32
	oldPath  int32 // differs from path for a move paired inside one commit
	old, new plumbing.Hash
}

// diffTrees appends to out the tracked paths whose blobs differ between
// the trees oldH and newH, visiting only subtrees whose hashes differ.
func (tr *treeReader) diffTrees(n *dirNode, oldH, newH plumbing.Hash, out []fileChange) ([]fileChange, error) {
	if oldH == newH {
		return out, nil
	}
	oe, err := tr.entries(n, oldH)
	if err != nil {
		return out, err
	}
	ne, err := tr.entries(n, newH)
	if err != nil {
		return out, err
	}
	for i, c := range n.kids {
		var o, w tentry
		if oe != nil {
			o = oe[i]
		}
		if ne != nil {
			w = ne[i]
		}
		if o == w {
			continue
		}
		if c.file >= 0 {
			var ob, nb plumbing.Hash
			if o.kind == gitobj.Blob {
				ob = o.hash
			}
			if w.kind == gitobj.Blob {
				nb = w.hash
			}
			if ob != nb {
				out = append(out, fileChange{path: c.file, oldPath: c.file, old: ob, new: nb})
			}
		}
		if c.dir != nil {
			var ot, nt plumbing.Hash
			if o.kind == gitobj.Tree {
				ot = o.hash
			}
			if w.kind == gitobj.Tree {
				nt = w.hash
			}
			if out, err = tr.diffTrees(c.dir, ot, nt, out); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// pairMoves turns a deletion and an addition of tracked paths with the same
// base name (or the same blob) inside one commit into one change from the
// old blob to the new one, as git's rename detection would show it.
func pairMoves(ch []fileChange, paths []string) []fileChange {
	var adds, dels []int
	for i, c := range ch {
		switch {
		case c.old.IsZero() && !c.new.IsZero():
			adds = append(adds, i)
		case !c.old.IsZero() && c.new.IsZero():
			dels = append(dels, i)
		}
	}
	if len(adds) == 0 || len(dels) == 0 {
		return ch
	}
	drop := map[int]bool{}
	for _, a := range adds {
		best := -1
		for _, d := range dels {
			if drop[d] {
				continue
			}
			if ch[d].old == ch[a].new {
				best = d
				break
			}
			if best < 0 && path.Base(paths[ch[d].path]) == path.Base(paths[ch[a].path]) {
				best = d
			}
		}
		if best >= 0 {
			drop[best] = true
			ch[a].old = ch[best].old
			ch[a].oldPath = ch[best].path
		}
	}
	out := ch[:0]
	for i, c := range ch {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

// listFiles returns every regular-file path in the tree h (recursively).
func (r *Repo) listFiles(h plumbing.Hash, prefix string, out []string, depth int) ([]string, error) {
	if depth > 64 {
		return out, fmt.Errorf("upstream: tree %s: nesting deeper than 64", h)
	}
	raw, err := r.readRaw(plumbing.TreeObject, h)
	if err != nil {
		return out, err
	}
	type sub struct {
		name string
		h    plumbing.Hash
	}
	var subs []sub
	err = gitobj.ScanTree(raw, func(mode, name []byte, hash plumbing.Hash) bool {
		switch gitobj.KindOf(mode) {
		case gitobj.Tree:
			subs = append(subs, sub{prefix + string(name), hash})
		case gitobj.Blob:
			out = append(out, prefix+string(name))
		}
		return true
	})
	if err != nil {
		return out, fmt.Errorf("upstream: tree %s: %w", h, err)
	}
	for _, s := range subs {
		if out, err = r.listFiles(s.h, s.name+"/", out, depth+1); err != nil {
			return out, err
		}
	}
	return out, nil
}

// pairOutside handles tracked files that a commit adds or deletes whole
// while the other side of the move lies outside the tracked paths (a file
// renamed to or from a path no patch names). Without this, the move would
// look like the removal (or addition) of every line of the file and match
// any patch touching it. The commit's trees are compared in full, pruned
// by subtree hash; a tracked deletion whose blob (or, failing that, base
// name) reappears as an untracked addition becomes a change from the old
// blob to the new one, and likewise for additions. Exact renames vanish.
//
// follow, when not nil, is told each outside path paired with a tracked
// path index.
func (r *Repo) pairOutside(ch []fileChange, paths []string, oldT, newT plumbing.Hash, follow func(outside string, tracked int32)) ([]fileChange, error) {
	whole := false
	for _, c := range ch {
		if c.old.IsZero() != c.new.IsZero() {
			whole = true
			break
		}
	}
	if !whole || oldT.IsZero() {
		return ch, nil
	}
	tracked := map[string]bool{}
	for _, c := range ch {
		tracked[paths[c.path]] = true
		tracked[paths[c.oldPath]] = true
	}
	var added, deleted []pathBlob
	if err := r.fullDiff(oldT, newT, "", &added, &deleted, 0); err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return ch, nil
		}
		return ch, err
	}
	byPath := func(a, b pathBlob) int { return strings.Compare(a.path, b.path) }
	slices.SortFunc(added, byPath)
	slices.SortFunc(deleted, byPath)
	sc := newRenameScorer(r)
	used := map[string]bool{}
	find := func(list []pathBlob, c fileChange, blob plumbing.Hash) (plumbing.Hash, bool) {
		hit := -1
		for i, pb := range list {
			if !tracked[pb.path] && !used[pb.path] && pb.blob == blob {
				hit = i
				break
			}
		}
		if hit < 0 {
			base := path.Base(paths[c.path])
			for i, pb := range list {
				if !tracked[pb.path] && !used[pb.path] && path.Base(pb.path) == base {
					hit = i
					break
				}
			}
		}
		if hit < 0 {
			// As git's rename detection: the most similar file, if at
			// least half of its lines are shared.
			best := 0.5
			for i, pb := range list {
				if i >= maxRenameCandidates {
					break
				}
				if tracked[pb.path] || used[pb.path] {
					continue
				}
				if sim := sc.similarity(blob, pb.blob); sim >= best {
					hit, best = i, sim
				}
			}
		}
		if hit < 0 {
			return plumbing.ZeroHash, false
		}
		used[list[hit].path] = true
		if follow != nil {
			follow(list[hit].path, c.path)
		}
		return list[hit].blob, true
	}
	out := ch[:0]
	for _, c := range ch {
		switch {
		case c.new.IsZero() && !c.old.IsZero():
			if b, ok := find(added, c, c.old); ok {
				c.new = b
			}
		case c.old.IsZero() && !c.new.IsZero():
			if b, ok := find(deleted, c, c.new); ok {
				c.old = b
			}
		}
		if c.old != c.new {
			out = append(out, c)
		}
	}
	return out, nil
}

// pathBlob is a file of a tree.
type pathBlob struct {
	path string
	blob plumbing.Hash
}

// fullDiff lists the regular files present only in the new tree (added)
// or only in the old one (deleted), descending only into subtrees whose
// hashes differ.
func (r *Repo) fullDiff(oldT, newT plumbing.Hash, prefix string, added, deleted *[]pathBlob, depth int) error {
	if oldT == newT {
		return nil
	}
	if depth > 64 {
		return fmt.Errorf("upstream: tree %s: nesting deeper than 64", newT)
	}
	type ent struct {
		dir  bool
		hash plumbing.Hash
	}
	read := func(h plumbing.Hash) (map[string]ent, error) {
		m := map[string]ent{}
		if h.IsZero() {
			return m, nil
		}
		raw, err := r.readRaw(plumbing.TreeObject, h)
		if err != nil {
			return nil, err
		}
		err = gitobj.ScanTree(raw, func(mode, name []byte, hash plumbing.Hash) bool {
			switch gitobj.KindOf(mode) {
			case gitobj.Tree:
				m[string(name)] = ent{true, hash}
			case gitobj.Blob:
				m[string(name)] = ent{false, hash}
			}
			return true
		})
		return m, err
	}
	om, err := read(oldT)
	if err != nil {
		return err
	}
	nm, err := read(newT)
	if err != nil {
		return err
	}
	for name, n := range nm {
		o, ok := om[name]
		if ok && o == n {
			continue
		}
		switch {
		case n.dir:
			var ot plumbing.Hash
			if ok && o.dir {
				ot = o.hash
			}
			if err := r.fullDiff(ot, n.hash, prefix+name+"/", added, deleted, depth+1); err != nil {
				return err
			}
		case !ok || o.dir:
			*added = append(*added, pathBlob{prefix + name, n.hash})
		}
	}
	for name, o := range om {
		n, ok := nm[name]
		if ok && n == o {
			continue
		}
		switch {
		case o.dir:
			if !ok || !n.dir {
				if err := r.fullDiff(o.hash, plumbing.ZeroHash, prefix+name+"/", added, deleted, depth+1); err != nil {
					return err
				}
			}
		case !ok || n.dir:
			*deleted = append(*deleted, pathBlob{prefix + name, o.hash})
		}
	}
	return nil
}

// maxRenameCandidates bounds the files compared by content when looking
// for the other side of a rename.
const maxRenameCandidates = 2000
