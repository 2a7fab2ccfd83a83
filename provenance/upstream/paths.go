package upstream

import (
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// pathUniverse is the set of upstream file paths present at the tip or at
// the base of a range, indexed by base name for suffix matching.
type pathUniverse struct {
	atTip, atBase map[string]bool
	dirs          map[string]bool     // directories at the tip or the base ("" is the root)
	byBase        map[string][]string // base name -> paths, sorted
}

func (r *Repo) newUniverse(tip, base plumbing.Hash) (*pathUniverse, error) {
	u := &pathUniverse{atTip: map[string]bool{}, atBase: map[string]bool{}, dirs: map[string]bool{"": true}, byBase: map[string][]string{}}
	add := func(tree plumbing.Hash, set map[string]bool) error {
		if tree.IsZero() {
			return nil
		}
		files, err := r.listFiles(tree, "", nil, 0)
		if err != nil {
			return err
		}
		for _, f := range files {
			set[f] = true
		}
		return nil
	}
	if err := add(tip, u.atTip); err != nil {
		return nil, err
	}
	if err := add(base, u.atBase); err != nil {
		return nil, err
	}
	all := map[string]bool{}
	for p := range u.atTip {
		all[p] = true
	}
	for p := range u.atBase {
		all[p] = true
	}
	for _, p := range sortedKeys(all) {
		b := path.Base(p)
		u.byBase[b] = append(u.byBase[b], p)
		for d := path.Dir(p); d != "." && !u.dirs[d]; d = path.Dir(d) {
			u.dirs[d] = true
		}
	}
	return u, nil
}

// guesses returns, for a patch path that matches no file at the tip or
// the base, the paths the file may have had during the range: every
// suffix of its components whose directory exists at the tip or the base
// (a file added and removed again inside the range, or renamed away).
//
// The whole path comes first when its directory exists at neither end (a
// directory that lived only inside the range): the patch's own path is
// then the best guess there is.
func (u *pathUniverse) guesses(patchPath string) []string {
	pc := cleanPatchPath(patchPath)
	var out []string
	for k := len(pc); k >= 1; k-- {
		suf := pc[len(pc)-k:]
		dir := strings.Join(suf[:len(suf)-1], "/")
		if u.dirs[dir] || k == len(pc) && k > 1 {
			out = append(out, strings.Join(suf, "/"))
		}
	}
	return out
}

// cleanPatchPath turns a path as written in a patch into slash-separated
// components, dropping "./", empty components and a trailing tab-separated
// timestamp; it returns nil for /dev/null.
func cleanPatchPath(p string) []string {
	if i := strings.IndexByte(p, '\t'); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimSpace(p)
	if p == "" || p == "/dev/null" {
		return nil
	}
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." {
			continue
		}
		out = append(out, c)
	}
	return out
}

// commonSuffix returns how many trailing components a and b share.
func commonSuffix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// match maps a patch path to upstream paths (see Index.UpstreamPaths): the
// paths sharing the longest suffix of components with it, preferring a
// path matched whole; plus its guesses when none is matched whole.
func (u *pathUniverse) match(patchPath string) []string {
	pc := cleanPatchPath(patchPath)
	if len(pc) == 0 {
		return nil
	}
	cands := u.byBase[pc[len(pc)-1]]
	bestK, bestWhole := 0, false
	var best []string
	for _, c := range cands {
		cc := strings.Split(c, "/")
		k := commonSuffix(pc, cc)
		whole := k == len(cc)
		if k > bestK || (k == bestK && whole && !bestWhole) {
			bestK, bestWhole, best = k, whole, nil
		}
		if k == bestK && whole == bestWhole {
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return nil
	}
	// A file gone by the tip was moved (or deleted): follow the files of
	// the same name that appeared during the range.
	out := append([]string(nil), best...)
	if !bestWhole {
		// Only part of the directory agrees (test/T-60/hosts against
		// test/T-20/hosts): the file may also have lived under its own
		// path inside the range.
		for _, g := range u.guesses(patchPath) {
			if !contains(out, g) {
				out = append(out, g)
			}
		}
	}
	for _, b := range best {
		if u.atTip[b] || len(u.atBase) == 0 {
			continue
		}
		for _, c := range cands {
			if u.atTip[c] && !u.atBase[c] && !contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// wanted returns the upstream paths to follow for the patch paths: their
// matches, or for a path that matches nothing, its guesses.
func (u *pathUniverse) wanted(paths []string) []string {
	var want []string
	for _, p := range paths {
		m := u.match(p)
		if len(m) == 0 {
			m = u.guesses(p)
		}
		want = append(want, m...)
	}
	return want
}
