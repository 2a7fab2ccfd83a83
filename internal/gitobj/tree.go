package gitobj

import (
	"bytes"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Kind is what a tree entry holds.
type Kind uint8

// The kinds of tree entries.
const (
	// Absent is the zero Kind: no entry.
	Absent Kind = iota
	// Blob is a regular or executable file.
	Blob
	// Tree is a directory.
	Tree
	// Other is a symbolic link or a submodule (gitlink).
	Other
)

// KindOf returns the kind of a tree entry from its octal mode as written
// in the tree object ("40000", "100644", "120000", "160000" ...).
func KindOf(mode []byte) Kind {
	switch {
	case bytes.Equal(mode, []byte("40000")) || bytes.Equal(mode, []byte("040000")):
		return Tree
	case bytes.HasPrefix(mode, []byte("100")):
		return Blob
	}
	return Other
}

// ScanTree calls fn for every entry of a raw tree object, in order, until
// fn returns false. The slices passed to fn alias raw. A truncated or
// malformed entry is an error wrapping ErrMalformed.
func ScanTree(raw []byte, fn func(mode, name []byte, hash plumbing.Hash) bool) error {
	var h plumbing.Hash
	for len(raw) > 0 {
		sp := bytes.IndexByte(raw, ' ')
		if sp < 0 {
			return fmt.Errorf("%w: tree entry without mode", ErrMalformed)
		}
		rest := raw[sp+1:]
		nul := bytes.IndexByte(rest, 0)
		if nul < 0 || nul+1+len(h) > len(rest) {
			return fmt.Errorf("%w: truncated tree entry", ErrMalformed)
		}
		copy(h[:], rest[nul+1:])
		if !fn(raw[:sp], rest[:nul], h) {
			return nil
		}
		raw = rest[nul+1+len(h):]
	}
	return nil
}
