package upstream

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/patchtrace/patchtrace/internal/gitobj"
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
// A Repo is safe for concurrent use: objects are read through
// internal/gitobj, which serialises every access to the go-git storage
// (not goroutine-safe), while the CPU-heavy work on the objects read runs
// in parallel.
type Repo struct {
	repo    *git.Repository
	objects *gitobj.Store // reads objects; guards the go-git storage
	closer  io.Closer
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
	objs, err := gitobj.New(st, dir, packCacheSize)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("upstream: open %s: %w", gitdir, err)
	}
	return &Repo{repo: r, objects: objs, closer: st}, nil
}

// packCacheSize bounds the cache of objects resolved from pack deltas.
const packCacheSize = 32 << 20

// FromRepository wraps an already opened go-git repository (for example one
// built in memory). The caller keeps ownership of its storage.
func FromRepository(r *git.Repository) *Repo {
	objs, _ := gitobj.New(r.Storer, "", 0) // no pack files to open: cannot fail
	return &Repo{repo: r, objects: objs}
}

// Close releases the pack file descriptors held by a Repo from [Open].
func (r *Repo) Close() error {
	r.objects.Close()
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
			return c.Hash, nil
		}
		if !errors.Is(err, gitobj.ErrWrongType) {
			return plumbing.ZeroHash, fmt.Errorf("%w: %q: %w", ErrBadRange, rev, err)
		}
		// An annotated tag: let go-git peel it.
	}
	var h *plumbing.Hash
	var c *object.Commit
	var err error
	r.objects.Locked(func() {
		// A name is a ref before it is an abbreviated id, as for git
		// (go-git tries a hex-looking name such as tag "049" as an id
		// prefix first).
		if !strings.ContainsAny(rev, "~^@:") {
			for _, rule := range plumbing.RefRevParseRules {
				if ref, rerr := r.repo.Reference(plumbing.ReferenceName(fmt.Sprintf(rule, rev)), true); rerr == nil {
					hh := ref.Hash()
					h = &hh
					break
				}
			}
		}
		if h == nil {
			if h, err = r.repo.ResolveRevision(plumbing.Revision(rev)); err != nil {
				err = fmt.Errorf("%w: %q: %w", ErrBadRange, rev, err)
				return
			}
		}
		// Peel annotated tags to their commit.
		target := *h
		for range 8 {
			t, terr := object.GetTag(r.repo.Storer, target)
			if terr != nil {
				break
			}
			target = t.Target
		}
		if c, err = object.GetCommit(r.repo.Storer, target); err != nil {
			err = fmt.Errorf("%w: %q is not a commit: %w", ErrBadRange, rev, err)
		}
	})
	if err != nil {
		return plumbing.ZeroHash, err
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

// readCommit decodes one commit.
func (r *Repo) readCommit(h plumbing.Hash) (*gitobj.Commit, error) {
	c, err := r.objects.ReadCommit(h)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	return c, nil
}

// readRaw returns the content of the object h of type t, or nil and an
// error. Blobs over maxBlobSize are reported with gitobj.ErrTooBig.
func (r *Repo) readRaw(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	data, err := r.objects.Read(t, h, maxBlobSize)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	return data, nil
}
