package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrBadRange is returned (wrapped) by [Repo.Index] when the revision range
// cannot be parsed or resolved.
var ErrBadRange = errors.New("upstream: bad revision range")

// objectCacheSize bounds go-git's decoded-object cache. Delta chains in a
// pack share bases, so a generous cache avoids re-inflating them.
const objectCacheSize = 256 * cache.MiByte

// maxBlobSize caps how much of one blob is read for fingerprinting; bigger
// blobs (generated files, binaries) are treated as opaque.
const maxBlobSize = 8 << 20

// Repo is an upstream git repository opened for provenance queries.
//
// A Repo is safe for concurrent use: every access to the underlying go-git
// storage (which is not goroutine-safe) is serialised by an internal lock,
// while the CPU-heavy work on the objects read runs in parallel.
type Repo struct {
	repo   *git.Repository
	st     storage.Storer
	mu     sync.Mutex // guards st
	closer io.Closer
	packs  *packSet // direct pack reader; nil for non-filesystem storage
}

// Open opens the git repository at gitdir, which may be a bare repository
// (the git directory itself) or a work tree holding a .git directory.
// Objects are read through a filesystem storage that keeps pack file
// descriptors open and caches decoded objects.
func Open(gitdir string) (*Repo, error) {
	dir := gitdir
	if fi, err := os.Stat(filepath.Join(gitdir, ".git")); err == nil && fi.IsDir() {
		dir = filepath.Join(gitdir, ".git")
	}
	if fi, err := os.Stat(filepath.Join(dir, "objects")); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("upstream: open %s: not a git directory (no objects/)", gitdir)
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(objectCacheSize),
		filesystem.Options{KeepDescriptors: true})
	r, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("upstream: open %s: %w", gitdir, err)
	}
	ps, err := openPacks(dir, packCacheSize)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("upstream: open %s: %w", gitdir, err)
	}
	return &Repo{repo: r, st: st, closer: st, packs: ps}, nil
}

// packCacheSize bounds the cache of objects resolved from pack deltas.
const packCacheSize = 384 << 20

// FromRepository wraps an already opened go-git repository (for example one
// built in memory). The caller keeps ownership of its storage.
func FromRepository(r *git.Repository) *Repo {
	return &Repo{repo: r, st: r.Storer}
}

// Close releases the pack file descriptors held by a Repo from [Open].
func (r *Repo) Close() error {
	if r.packs != nil {
		r.packs.close()
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// resolve turns a revision (tag, branch, sha, HEAD~2 ...) into a commit hash.
func (r *Repo) resolve(rev string) (plumbing.Hash, error) {
	if len(rev) == 40 && isHex(rev) {
		// A full id: read it directly (go-git would scan every ref first).
		c, err := r.readCommit(plumbing.NewHash(strings.ToLower(rev)))
		if err == nil {
			return c.hash, nil
		}
		if !errors.Is(err, errWrongType) {
			return plumbing.ZeroHash, fmt.Errorf("%w: %q: %w", ErrBadRange, rev, err)
		}
		// An annotated tag: let go-git peel it.
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: %q: %w", ErrBadRange, rev, err)
	}
	// Peel annotated tags to their commit.
	c, err := object.GetCommit(r.st, *h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: %q is not a commit: %w", ErrBadRange, rev, err)
	}
	return c.Hash, nil
}

// parseRange splits "A..B" into (A, B) and "B" into ("", B).
func parseRange(rng string) (base, tip string, err error) {
	rng = strings.TrimSpace(rng)
	if rng == "" {
		return "", "", fmt.Errorf("%w: empty", ErrBadRange)
	}
	if strings.Contains(rng, "...") {
		return "", "", fmt.Errorf("%w: %q: symmetric ranges (A...B) are not supported", ErrBadRange, rng)
	}
	if i := strings.Index(rng, ".."); i >= 0 {
		base, tip = rng[:i], rng[i+2:]
		if base == "" || tip == "" {
			return "", "", fmt.Errorf("%w: %q: both ends of A..B are needed", ErrBadRange, rng)
		}
		return base, tip, nil
	}
	return "", rng, nil
}

// commitInfo is the part of a commit the index keeps.
type commitInfo struct {
	hash    plumbing.Hash
	tree    plumbing.Hash
	parents []plumbing.Hash
	subject string
	author  string
	email   string
	when    int64 // author time, Unix seconds
	tz      int   // author zone offset, seconds east of UTC
}

// readCommit decodes one commit.
func (r *Repo) readCommit(h plumbing.Hash) (*commitInfo, error) {
	raw, err := r.readRaw(plumbing.CommitObject, h)
	if err != nil {
		return nil, fmt.Errorf("upstream: commit %s: %w", h, err)
	}
	c, err := parseCommit(raw)
	if err != nil {
		return nil, fmt.Errorf("upstream: commit %s: %w", h, err)
	}
	c.hash = h
	return c, nil
}

// parseCommit decodes a raw commit object (its hash is left zero).
func parseCommit(raw []byte) (*commitInfo, error) {
	c := &commitInfo{}
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		var line []byte
		if i < 0 {
			line, raw = raw, nil
		} else {
			line, raw = raw[:i], raw[i+1:]
		}
		if len(line) == 0 {
			break // end of headers
		}
		key, val, _ := bytes.Cut(line, []byte(" "))
		switch string(key) {
		case "tree":
			if !isHex(string(val)) || len(val) != 40 {
				return nil, errors.New("malformed tree line")
			}
			c.tree = plumbing.NewHash(string(val))
		case "parent":
			if !isHex(string(val)) || len(val) != 40 {
				return nil, errors.New("malformed parent line")
			}
			c.parents = append(c.parents, plumbing.NewHash(string(val)))
		case "author":
			var sig object.Signature
			sig.Decode(val)
			c.author, c.email = sig.Name, sig.Email
			c.when = sig.When.Unix()
			_, c.tz = sig.When.Zone()
		}
	}
	if c.tree.IsZero() {
		return nil, errors.New("no tree line")
	}
	subj, _, _ := bytes.Cut(bytes.TrimLeft(raw, "\n"), []byte("\n"))
	c.subject = strings.TrimSpace(string(subj))
	return c, nil
}

// readRaw returns the content of the object h of type t, or nil and an
// error. Blobs over maxBlobSize are reported with errTooBig.
func (r *Repo) readRaw(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	if r.packs != nil {
		pt, data, err := r.packs.read(h, maxBlobSize)
		switch {
		case err == nil && pt != t:
			return nil, fmt.Errorf("upstream: %s is a %s, not a %s: %w", h, pt, t, errWrongType)
		case err == nil:
			return data, nil
		case errors.Is(err, errTooBig):
			return nil, errTooBig
		}
		// Not packed (a loose object) or unreadable here: ask go-git.
	}
	r.mu.Lock()
	obj, err := r.st.EncodedObject(t, h)
	if err != nil {
		r.mu.Unlock()
		return nil, fmt.Errorf("upstream: %s %s: %w", t, h, err)
	}
	if obj.Size() > maxBlobSize {
		r.mu.Unlock()
		return nil, errTooBig
	}
	rd, err := obj.Reader()
	if err != nil {
		r.mu.Unlock()
		return nil, fmt.Errorf("upstream: %s %s: %w", t, h, err)
	}
	buf := make([]byte, 0, obj.Size())
	buf, err = readAllInto(buf, rd)
	rd.Close()
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("upstream: %s %s: %w", t, h, err)
	}
	return buf, nil
}

var errTooBig = errors.New("upstream: object too big to fingerprint")

// errWrongType says an object exists but has another type than expected.
var errWrongType = errors.New("unexpected object type")

func readAllInto(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}
