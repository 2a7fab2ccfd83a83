// Package store keeps patchtrace's persistent data: the upstream fingerprint
// index (which commits of an upstream history are indexed, and the net
// change each made to each file) and, beside it, the tables of other
// components (an audit's results, for example).
//
// One database serves one machine or a whole team. [Open] takes either a
// file path, for the embedded store (SQLite through modernc.org/sqlite: pure
// Go, no cgo, no server; one file, by default under
// [os.UserCacheDir]/patchtrace, see [DefaultPath]), or a postgres:// URL,
// for a PostgreSQL server shared by a team or a build farm (through
// jackc/pgx). Both run the same SQL over the same schema.
//
// # What the index holds
//
// The index is keyed by commit and path, never by range, so whatever range,
// branch or tag a later trace asks for reuses every commit already indexed:
//
//   - commits: id, parents, author, author date, subject, and whether the
//     commit's changes are indexed (a commit can be known for the graph
//     alone: the history below a range's base);
//   - changes: per (commit, path) the old and new blob ids, the path the
//     file was renamed from, and the file's net change as a signed multiset
//     of line hashes ([Line]).
//
// Ranges are answered from the stored graph ([Index.Reachable]). The graph
// keeps one invariant: a commit is stored only once all its parents are, so
// a walk of a git history can stop at the first stored commit.
//
// # Safe sharing
//
// Every write is a transaction and every write is idempotent (a change is
// a pure function of its commit), so processes may index overlapping ranges
// into one store at once and a process killed mid-write leaves the store as
// it was before the transaction. Each row carries a CRC-32C of its content,
// checked on every read: a damaged row is reported as [ErrCorrupt], never
// returned.
//
// # Components and schema versions
//
// Each component owns the tables named after it (index_commits,
// index_changes, ...) and records its schema version and parameters in the
// table patchtrace_components. [DB.Use] creates or upgrades a component's
// tables; a store written by another version, or whose parameters differ
// (the index records which line fingerprint filled it), is refused with
// [ErrSchema], or dropped and rebuilt when asked.
package store
