package upstream

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// entry kinds in a parsed tree.
const (
	kindAbsent = iota
	kindBlob
	kindTree
	kindOther // submodule (gitlink) or symlink: never fingerprinted
)

// tentry is one tracked entry of a tree: its kind and object hash.
type tentry struct {
	kind uint8
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
	if err := scanTree(raw, func(mode, name []byte, hash []byte) {
		i, ok := n.index[string(name)]
		if !ok {
			return
		}
		var e tentry
		copy(e.hash[:], hash)
		switch {
		case bytes.Equal(mode, []byte("40000")) || bytes.Equal(mode, []byte("040000")):
			e.kind = kindTree
		case bytes.HasPrefix(mode, []byte("100")):
			e.kind = kindBlob
		default:
			e.kind = kindOther
		}
		out[i] = e
	}); err != nil {
		return nil, fmt.Errorf("upstream: tree %s: %w", h, err)
	}
	tr.cache[k] = out
	return out, nil
}

// scanTree calls fn for every entry of a raw tree object.
func scanTree(raw []byte, fn func(mode, name, hash []byte)) error {
	for len(raw) > 0 {
		sp := bytes.IndexByte(raw, ' ')
		if sp < 0 {
			return fmt.Errorf("malformed tree entry (no mode)")
		}
		nul := bytes.IndexByte(raw[sp+1:], 0)
		if nul < 0 || sp+1+nul+1+20 > len(raw) {
			return fmt.Errorf("malformed tree entry (truncated)")
		}
		name := raw[sp+1 : sp+1+nul]
		h := raw[sp+1+nul+1 : sp+1+nul+1+20]
		fn(raw[:sp], name, h)
		raw = raw[sp+1+nul+1+20:]
	}
	return nil
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
			if o.kind == kindBlob {
				ob = o.hash
			}
			if w.kind == kindBlob {
				nb = w.hash
			}
			if ob != nb {
				out = append(out, fileChange{path: c.file, oldPath: c.file, old: ob, new: nb})
			}
		}
		if c.dir != nil {
			var ot, nt plumbing.Hash
			if o.kind == kindTree {
				ot = o.hash
			}
			if w.kind == kindTree {
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
	err = scanTree(raw, func(mode, name, hash []byte) {
		m, err := filemode.New(string(mode))
		if err != nil {
			return
		}
		switch {
		case m == filemode.Dir:
			var s sub
			s.name = prefix + string(name)
			copy(s.h[:], hash)
			subs = append(subs, s)
		case m.IsFile():
			out = append(out, prefix+string(name))
		}
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
