// Package gitobj is patchtrace's one reader of raw git objects: object
// content by hash (straight from pack files when the repository is on
// disk, through go-git's storage otherwise), commit headers and tree
// entries parsed from the raw bytes without building go-git objects.
//
// Both the upstream index (provenance/upstream) and the dist-git source
// (provenance/source) read history through it.
package gitobj

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// ErrTooBig is returned (wrapped) by [Store.Read] for an object larger
// than the size asked for.
var ErrTooBig = errors.New("gitobj: object too big")

// ErrWrongType is returned (wrapped) by [Store.Read] when the object
// exists but has another type than asked for.
var ErrWrongType = errors.New("gitobj: unexpected object type")

// ErrMalformed is returned (wrapped) for a commit or tree object that
// cannot be parsed.
var ErrMalformed = errors.New("gitobj: malformed object")

// Store reads objects of one repository. It is safe for concurrent use:
// pack files are read with ReadAt from any goroutine, while every access
// to the go-git storage (which is not goroutine-safe) is serialised by a
// lock that [Store.Locked] also offers to callers that use that storage
// directly (to resolve revisions, say).
type Store struct {
	mu    sync.Mutex // guards st
	st    storer.EncodedObjectStorer
	packs *packSet // nil when objects are read through st only
}

// New returns a Store over st. When gitdir is not empty, the pack files of
// that git directory are read directly (keyed by pack offset, with a
// cache of packCache bytes of resolved objects), and st serves only what
// no pack holds (loose objects). go-git's own pack reader hashes every
// object it rebuilds from a delta, which made it the largest cost of
// reading a long history.
func New(st storer.EncodedObjectStorer, gitdir string, packCache int64) (*Store, error) {
	s := &Store{st: st}
	if gitdir != "" {
		ps, err := openPacks(gitdir, packCache)
		if err != nil {
			return nil, err
		}
		s.packs = ps
	}
	return s, nil
}

// Close releases the pack files the Store opened; st is left to its owner.
func (s *Store) Close() error {
	if s.packs != nil {
		s.packs.close()
		s.packs = nil
	}
	return nil
}

// Locked runs fn while holding the lock that guards the go-git storage.
func (s *Store) Locked(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// Read returns the content of object h, which must be of type t and at
// most maxSize bytes (ErrTooBig otherwise). A missing object gives an
// error that wraps plumbing.ErrObjectNotFound. The returned slice may be
// shared with the cache and must not be modified.
func (s *Store) Read(t plumbing.ObjectType, h plumbing.Hash, maxSize int64) ([]byte, error) {
	if s.packs != nil {
		pt, data, err := s.packs.read(h, maxSize)
		switch {
		case err == nil && pt != t:
			return nil, fmt.Errorf("%s is a %s, not a %s: %w", h, pt, t, ErrWrongType)
		case err == nil:
			return data, nil
		case errors.Is(err, ErrTooBig):
			return nil, fmt.Errorf("%s %s: %w", t, h, ErrTooBig)
		}
		// Not packed (a loose object) or unreadable here: ask go-git.
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, err := s.st.EncodedObject(t, h)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t, h, err)
	}
	if obj.Size() > maxSize {
		return nil, fmt.Errorf("%s %s: %w", t, h, ErrTooBig)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t, h, err)
	}
	defer rd.Close()
	buf := make([]byte, 0, obj.Size())
	if buf, err = readAllInto(buf, rd); err != nil {
		return nil, fmt.Errorf("%s %s: %w", t, h, err)
	}
	return buf, nil
}

// maxCommitSize bounds the commit objects ReadCommit accepts.
const maxCommitSize = 4 << 20

// ReadCommit reads and parses commit h.
func (s *Store) ReadCommit(h plumbing.Hash) (*Commit, error) {
	raw, err := s.Read(plumbing.CommitObject, h, maxCommitSize)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, err)
	}
	c, err := ParseCommit(raw)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, err)
	}
	c.Hash = h
	return c, nil
}

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
