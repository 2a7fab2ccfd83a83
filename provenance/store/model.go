package store

import (
	"context"
	"encoding/hex"
	"errors"
)

// ID is a git object id (SHA-1).
type ID [20]byte

// String returns the id in lower-case hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is all zeros (no object).
func (id ID) IsZero() bool { return id == ID{} }

// Line is one element of a net change: the hash of a normalised line and
// its signed count (added minus removed). The hash function is the
// caller's; the index records its name (see [IndexComponent]).
type Line struct {
	Hash  uint64
	Count int32
}

// Commit is a commit as the index keeps it.
type Commit struct {
	ID      ID
	Parents []ID // first parent first
	Author  string
	Email   string
	When    int64 // author time, Unix seconds
	TZ      int32 // author zone, seconds east of UTC
	Subject string
	// Indexed is set when the commit's changes are stored. It is read from
	// the store and ignored by [Index.PutCommits].
	Indexed bool
}

// Change is what one commit did to one file, compared with its first
// parent.
type Change struct {
	Commit ID
	// Path is the file's path after the commit; OldPath the path it was
	// renamed from ("" when not renamed).
	Path, OldPath string
	// Old and New are the blob ids before and after (zero when absent).
	Old, New ID
	// Opaque is set when the content was not fingerprinted (binary, too
	// big or missing); Lines is then empty.
	Opaque bool
	// Lines is the net change, sorted by Hash, without zero counts.
	Lines []Line
}

// Stats counts what a store holds.
type Stats struct {
	Commits int64 // commits known (graph and metadata)
	Indexed int64 // commits whose changes are stored
	Changes int64 // (commit, path) changes stored
	Bytes   int64 // bytes the index occupies on disk (tables and indexes)
}

// Index is the persistent upstream index. Every method is safe for
// concurrent use, also by several processes sharing one store.
type Index interface {
	// Known returns, for those of ids that are stored, whether each is
	// indexed (its changes stored). Absent ids are not in the map.
	Known(ctx context.Context, ids []ID) (map[ID]bool, error)
	// PutCommits stores commits (graph and metadata), ignoring those
	// already stored. The caller keeps the graph invariant: the parents
	// of each commit are stored already or are among commits.
	PutCommits(ctx context.Context, commits []Commit) error
	// PutChanges stores the changes of the commits ids in one transaction
	// and marks them indexed. The commits must be stored; changes of
	// commits already indexed are ignored.
	PutChanges(ctx context.Context, ids []ID, changes []Change) error
	// Reachable returns the stored commits reachable from any of tips and
	// from none of stops (git's "tips ^stops"), in no particular order.
	Reachable(ctx context.Context, tips, stops []ID) ([]Commit, error)
	// Changes calls fn for every stored change whose Path or OldPath is
	// one of paths. The Change passed to fn is only valid during the call.
	Changes(ctx context.Context, paths []string, fn func(*Change) error) error
	// Stats counts the store's contents.
	Stats(ctx context.Context) (Stats, error)
	// Close releases the store.
	Close() error
}

var (
	// ErrCorrupt is returned (wrapped) when the store's file or a row of
	// it is damaged: not a database, a failed integrity check, or a row
	// whose checksum does not match its content.
	ErrCorrupt = errors.New("store: corrupt")
	// ErrSchema is returned (wrapped) when the store holds a component at
	// another schema version or with other parameters than asked for.
	ErrSchema = errors.New("store: schema mismatch")
	// ErrForeign is returned (wrapped) when the embedded store's file is a
	// database that patchtrace did not create.
	ErrForeign = errors.New("store: not a patchtrace store")
)
