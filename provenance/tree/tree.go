// Package tree reads source trees — a directory, an fs.FS, a tarball or a
// git commit — compares two of them file by file, and attributes every
// changed line of the difference to the origin patches and upstream
// commits it came from, or to nobody (the tree's own change).
//
// This is how patchtrace sees changes that arrive inside a tree rather than
// as patch files: a kernel tarball with thousands of backports applied, a
// source-git repository (a base commit, one commit per patch, then the
// vendor's own commits), or a re-rolled upstream tarball.
//
// # Reading
//
// [Dir], [FS], [Tarball] and [Git] return a [Tree]. Every reader lists
// regular files and symbolic links with their git blob id (so that a
// tarball and a git commit compare by id), never follows a link, refuses
// paths that escape the tree, and caps what it reads ([Limits]). A tarball
// (tar, optionally gzip, xz, bzip2 or zstd compressed) is streamed, never
// unpacked to disk; one top-level directory common to every member is
// stripped.
//
// # Comparing
//
// [Diff] compares two trees: files with the same blob id are skipped
// without being read, so a kernel tree costs what changed rather than its
// size; the others are compared line by line into hunks that carry target
// line numbers.
//
// # Attributing
//
// [Attribute] solves a cover problem over candidate origins: each family
// of origins (the patch files of one packaging source, the commits of one
// upstream history) explains the changed lines it carries, candidates are
// found through an index of changed lines, each is scored by the share of
// its own changed lines the tree carries, and lines nobody explains stay
// the tree's own. A tree has no commit boundaries, so this works from the
// tree alone.
package tree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
)

// Entry is one file of a tree: a regular file or a symbolic link.
type Entry struct {
	// Path is the slash-separated path relative to the tree's root,
	// clean (no ".", "..", or empty components).
	Path string
	// Mode is the file's type and permission bits: a regular file
	// (0644 or 0755, as git records it) or fs.ModeSymlink.
	Mode fs.FileMode
	// Size is the content's size in bytes (the link text for a link);
	// -1 when the reader does not know it before reading.
	Size int64
	// ID is the git blob id of the content (of the link text for a
	// link), so that entries of any two trees compare by ID.
	ID [20]byte
	// Link is the target of a symbolic link, as stored; "" for files.
	Link string
}

// IsLink reports whether e is a symbolic link.
func (e *Entry) IsLink() bool { return e.Mode&fs.ModeSymlink != 0 }

// Tree is a read-only source tree.
type Tree interface {
	// Name describes the tree in messages (a path, GITDIR@REF, ...).
	Name() string
	// Entries returns the tree's files and links, sorted by path.
	Entries(ctx context.Context) ([]Entry, error)
	// Read calls fn with the content of each of paths (regular files
	// listed by Entries), in an order of the reader's choosing, and stops
	// at the first error fn returns. The data must not be kept after fn
	// returns.
	Read(ctx context.Context, paths []string, fn func(path string, data []byte) error) error
}

// Limits caps what a reader reads. A zero field takes its default.
type Limits struct {
	// MaxFiles bounds the number of members of a tarball, or of entries
	// of a directory or git tree (default DefaultMaxFiles).
	MaxFiles int
	// MaxFileSize bounds the size of one file (default
	// DefaultMaxFileSize).
	MaxFileSize int64
	// MaxTotalSize bounds the sum of the sizes of every file read, and
	// the bytes a tarball expands to (default DefaultMaxTotalSize).
	MaxTotalSize int64
	// MaxKeep bounds the content a streamed tarball keeps in memory
	// between Entries and Read (default DefaultMaxKeep); beyond it, Read
	// streams the tarball again.
	MaxKeep int64
}

// Default caps. A kernel tarball has about 80,000 members and expands to
// about 1.3 GB; its largest text file is a few MB.
const (
	DefaultMaxFiles     = 1 << 20
	DefaultMaxFileSize  = 256 << 20
	DefaultMaxTotalSize = 8 << 30
	DefaultMaxKeep      = 256 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxKeep <= 0 {
		l.MaxKeep = DefaultMaxKeep
	}
	return l
}

// Errors returned (wrapped in a *PathError) by the readers. A cap of
// Limits that is reached gives input.ErrTooLarge.
var (
	// ErrEscapes: a path leaves the tree (absolute, or through "..").
	ErrEscapes = errors.New("path escapes the tree")
	// ErrLink: a path goes through a symbolic link, or links form a
	// loop or a chain too long to resolve.
	ErrLink = errors.New("bad symbolic link")
	// ErrDuplicate: a tarball holds two members of the same path.
	ErrDuplicate = errors.New("duplicate member")
	// ErrFormat: the input is not a tree of a known format.
	ErrFormat = errors.New("malformed tree")
)

// PathError is an error about one member or path of a tree.
type PathError struct {
	// Tree is the tree's Name.
	Tree string
	// Path is the member's name as stored (a tarball member) or its
	// path in the tree; "" for errors about the whole tree.
	Path string
	// Member is the 1-based position of a tarball member; 0 otherwise.
	Member int
	// Err is the cause, often one of the Err* values above.
	Err error
}

func (e *PathError) Error() string {
	switch {
	case e.Member > 0:
		return fmt.Sprintf("tree %s: member %d %q: %v", e.Tree, e.Member, e.Path, e.Err)
	case e.Path != "":
		return fmt.Sprintf("tree %s: %s: %v", e.Tree, e.Path, e.Err)
	}
	return fmt.Sprintf("tree %s: %v", e.Tree, e.Err)
}

// Unwrap returns the cause.
func (e *PathError) Unwrap() error { return e.Err }

// listing memoizes a reader's one scan of its entries.
type listing struct {
	mu      sync.Mutex
	done    bool
	entries []Entry
	err     error
}

// get returns the result of scan, running it on the first call only.
func (l *listing) get(ctx context.Context, scan func(context.Context) ([]Entry, error)) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.entries, l.err = scan(ctx)
		l.done = true
	}
	return l.entries, l.err
}
