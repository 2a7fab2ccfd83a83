package tree

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// maxPathLen bounds a path's length, as PATH_MAX does.
const maxPathLen = 4096

// cleanName turns a stored name (a tarball member, a directory entry) into
// a clean relative path. It refuses absolute names, names that climb out
// of the tree through "..", and names with NUL bytes; a leading "./" is
// dropped. It returns "" for the root itself.
func cleanName(name string) (string, error) {
	if len(name) > maxPathLen {
		return "", input.ErrTooLarge
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("NUL byte in name")
	}
	if strings.HasPrefix(name, "/") {
		return "", ErrEscapes
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			// Even a ".." that stays inside ("a/../b") is refused: no
			// archiver writes one, and it is how escapes are hidden.
			return "", ErrEscapes
		}
	}
	p := path.Clean(name)
	if p == "." {
		return "", nil
	}
	return p, nil
}

// skipped reports whether p lies in a directory no tree comparison wants:
// a git directory (a work tree's .git).
func skipped(p string) bool {
	for c := range strings.SplitSeq(p, "/") {
		if c == ".git" {
			return true
		}
	}
	return false
}

// blobID returns git's blob id of data.
func blobID(data []byte) [20]byte {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	var id [20]byte
	h.Sum(id[:0])
	return id
}

// maxLinkHops bounds the links followed to resolve one path (Linux's
// ELOOP limit is 40).
const maxLinkHops = 40

// checkLinks validates the shape and the links of a tree whose entries
// are sorted by path, without touching anything outside it: no entry may
// lie below a file or a link (a member placed through a link reaches
// wherever the link points), and every link must resolve, lexically inside
// the tree, in at most maxLinkHops hops (a loop or a bomb of links does
// not). A link pointing outside the tree, or at nothing, is kept: it is
// never followed. It returns the index of the offending entry and the
// cause.
func checkLinks(es []Entry) (int, error) {
	links := map[string]string{}
	files := make(map[string]bool, len(es))
	for _, e := range es {
		files[e.Path] = true
		if e.IsLink() {
			links[e.Path] = e.Link
		}
	}
	for i, e := range es {
		for d := path.Dir(e.Path); d != "."; d = path.Dir(d) {
			if !files[d] {
				continue
			}
			if _, ok := links[d]; ok {
				return i, fmt.Errorf("%w: lies below the link %s", ErrLink, d)
			}
			return i, fmt.Errorf("%w: lies below the file %s", ErrFormat, d)
		}
	}
	work := maxLinkWork
	for i, e := range es {
		if !e.IsLink() {
			continue
		}
		hops := 0
		if err := resolve(links, e.Path, &hops, &work); err != nil {
			return i, err
		}
	}
	return -1, nil
}

// maxLinkWork bounds the bytes of paths examined while resolving every
// link of a tree, so that many deep links cannot make checkLinks slow.
const maxLinkWork = 64 << 20

// resolve resolves p component by component through links, counting hops
// and the bytes of paths examined (*work is what is left). It stops
// quietly when the path leaves the tree (the link is kept, never followed)
// and fails when the hops or the work run out.
func resolve(links map[string]string, p string, hops *int, work *int) error {
	if len(p) > maxPathLen {
		return fmt.Errorf("%w: resolves to a path longer than %d", ErrLink, maxPathLen)
	}
	if *work -= len(p); *work < 0 {
		return fmt.Errorf("%w: links too many and too deep to resolve", ErrLink)
	}
	comps := strings.Split(p, "/")
	cur := ""
	for i, c := range comps {
		next := c
		if cur != "" {
			next = cur + "/" + c
		}
		target, isLink := links[next]
		if !isLink {
			cur = next
			continue
		}
		*hops++
		if *hops > maxLinkHops {
			return fmt.Errorf("%w: links loop or chain more than %d deep", ErrLink, maxLinkHops)
		}
		if strings.HasPrefix(target, "/") {
			return nil // outside the tree
		}
		dir := path.Dir(next)
		if dir == "." {
			dir = ""
		}
		joined := path.Join(dir, target)
		if joined == ".." || strings.HasPrefix(joined, "../") {
			return nil // outside the tree
		}
		rest := strings.Join(comps[i+1:], "/")
		if joined == "." {
			joined = ""
		}
		full := path.Join(joined, rest)
		if full == "." || full == "" || full == ".." || strings.HasPrefix(full, "../") {
			return nil // the root, or outside the tree
		}
		return resolve(links, full, hops, work)
	}
	return nil
}

// sortEntries sorts es by path.
func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
}
