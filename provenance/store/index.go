package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// IndexComponent is the index's component: its tables and schema. The
// fingerprint names the line hash function and normalisation that filled
// the index; a store filled with another one is refused (or rebuilt), since
// its line hashes would never match.
func IndexComponent(fingerprint string) Component {
	return Component{
		Name:   "index",
		Params: fingerprint,
		Tables: []string{"index_changes", "index_parents", "index_commits"},
		Steps: [][]string{{
			`CREATE TABLE index_commits (
				id {{blob}} PRIMARY KEY,
				parents {{blob}} NOT NULL,
				author TEXT NOT NULL,
				email TEXT NOT NULL,
				author_time {{bigint}} NOT NULL,
				author_tz INTEGER NOT NULL,
				subject TEXT NOT NULL,
				crc {{bigint}} NOT NULL,
				indexed SMALLINT NOT NULL
			){{norowid}}`,
			`CREATE TABLE index_parents (
				commit_id {{blob}} NOT NULL,
				parent {{blob}} NOT NULL,
				PRIMARY KEY (commit_id, parent)
			){{norowid}}`,
			`CREATE TABLE index_changes (
				commit_id {{blob}} NOT NULL,
				path {{blob}} NOT NULL,
				old_path {{blob}},
				old_blob {{blob}},
				new_blob {{blob}},
				opaque SMALLINT NOT NULL,
				lines {{blob}} NOT NULL,
				crc {{bigint}} NOT NULL,
				PRIMARY KEY (commit_id, path)
			){{norowid}}`,
			`CREATE INDEX index_changes_path ON index_changes (path)`,
			`CREATE INDEX index_changes_old_path ON index_changes (old_path) WHERE old_path IS NOT NULL`,
		}},
	}
}

// sqlIndex is the Index of a DB.
type sqlIndex struct {
	db *DB
}

// Index returns the database's upstream index, creating its tables when
// needed (see [DB.Use] and [IndexComponent]). Closing the Index closes db.
func (db *DB) Index(ctx context.Context, fingerprint string) (Index, error) {
	if err := db.Use(ctx, IndexComponent(fingerprint)); err != nil {
		return nil, err
	}
	return &sqlIndex{db: db}, nil
}

func (x *sqlIndex) Close() error { return x.db.Close() }

// placeholders returns rows groups of cols placeholders, "(?, ?), (?, ?)"
// or "($1, $2), ($3, $4)": SQLite resolves numbered parameters by a
// linear search per parameter, quadratic in long statements, while
// PostgreSQL knows only numbered ones.
func (d *dialect) placeholders(rows, cols int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if d.numbered {
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteByte('?')
			}
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// list returns n placeholders separated by commas, numbered from from.
func (d *dialect) list(from, n int) string {
	if !d.numbered {
		return strings.Repeat("?,", n-1) + "?"
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// chunks calls fn for consecutive chunks of n items of at most size each.
func chunks(n, size int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		if err := fn(lo, min(n, lo+size)); err != nil {
			return err
		}
	}
	return nil
}

func (x *sqlIndex) Known(ctx context.Context, ids []ID) (map[ID]bool, error) {
	out, err := known(ctx, x.db.d, x.db.sql, ids)
	return out, x.db.wrap(err)
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// known is Known through q.
func known(ctx context.Context, d *dialect, q querier, ids []ID) (map[ID]bool, error) {
	out := map[ID]bool{}
	err := chunks(len(ids), 1000, func(lo, hi int) error {
		args := make([]any, hi-lo)
		for i, id := range ids[lo:hi] {
			args[i] = id[:]
		}
		rows, err := q.QueryContext(ctx, `SELECT id, indexed FROM index_commits WHERE id IN (`+d.list(1, len(args))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			var indexed int
			if err := rows.Scan(&b, &indexed); err != nil {
				return err
			}
			id, err := toID(b)
			if err != nil {
				return fmt.Errorf("%w: commit id: %v", ErrCorrupt, err)
			}
			out[id] = indexed != 0
		}
		return rows.Err()
	})
	return out, err
}

// write runs fn in a transaction, retrying when the engine aborts it for a
// deadlock or a serialisation failure (concurrent writers).
func (x *sqlIndex) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := func() error {
			tx, err := x.db.sql.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if err := fn(tx); err != nil {
				return err
			}
			return tx.Commit()
		}()
		var pe *pgconn.PgError
		if attempt < 10 && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
			}
			continue
		}
		return x.db.wrap(err)
	}
}

func (x *sqlIndex) PutCommits(ctx context.Context, commits []Commit) error {
	if len(commits) == 0 {
		return nil
	}
	// Sorted, so that concurrent writers take row locks in one order.
	sorted := slices.Clone(commits)
	slices.SortFunc(sorted, func(a, b Commit) int { return strings.Compare(string(a.ID[:]), string(b.ID[:])) })
	type edge struct{ c, p ID }
	var edges []edge
	for _, c := range sorted {
		for _, p := range c.Parents {
			edges = append(edges, edge{c.ID, p})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := strings.Compare(string(a.c[:]), string(b.c[:])); c != 0 {
			return c
		}
		return strings.Compare(string(a.p[:]), string(b.p[:]))
	})
	edges = slices.Compact(edges)
	const commitCols, edgeCols = 9, 2
	err := x.write(ctx, func(tx *sql.Tx) error {
		err := chunks(len(sorted), x.db.d.maxParams/commitCols, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*commitCols)
			for _, c := range sorted[lo:hi] {
				parents := joinIDs(c.Parents)
				author, email, subject := clean(c.Author), clean(c.Email), clean(c.Subject)
				args = append(args, c.ID[:], parents, author, email, c.When, int64(c.TZ), subject,
					commitSum(c.ID[:], parents, author, email, c.When, int64(c.TZ), subject), 0)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO index_commits (id, parents, author, email, author_time, author_tz, subject, crc, indexed) VALUES `+
				x.db.d.placeholders(hi-lo, commitCols)+` ON CONFLICT (id) DO NOTHING`, args...)
			return err
		})
		if err != nil {
			return err
		}
		return chunks(len(edges), x.db.d.maxParams/edgeCols, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*edgeCols)
			for _, e := range edges[lo:hi] {
				args = append(args, e.c[:], e.p[:])
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO index_parents (commit_id, parent) VALUES `+
				x.db.d.placeholders(hi-lo, edgeCols)+` ON CONFLICT (commit_id, parent) DO NOTHING`, args...)
			return err
		})
	})
	if err == nil && len(commits) >= analyzeAfter && x.db.d.analyze != "" {
		// Fresh statistics: without them PostgreSQL plans the recursive
		// range query over a just filled graph with sequential scans per
		// step (minutes instead of a second).
		_, err = x.db.sql.ExecContext(ctx, x.db.d.analyze)
		err = x.db.wrap(err)
	}
	return err
}

// analyzeAfter is the number of commits written at once after which the
// engine's statistics are refreshed.
const analyzeAfter = 1000

// clean makes commit metadata storable as text (PostgreSQL's TEXT holds
// only valid UTF-8; old commits may be Latin-1).
func clean(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

func (x *sqlIndex) PutChanges(ctx context.Context, ids []ID, changes []Change) error {
	if len(ids) == 0 {
		return nil
	}
	sortedIDs := slices.Clone(ids)
	slices.SortFunc(sortedIDs, func(a, b ID) int { return strings.Compare(string(a[:]), string(b[:])) })
	sortedIDs = slices.Compact(sortedIDs)
	set := map[ID]bool{}
	for _, id := range sortedIDs {
		set[id] = true
	}
	sorted := slices.Clone(changes)
	slices.SortFunc(sorted, func(a, b Change) int {
		if c := strings.Compare(string(a.Commit[:]), string(b.Commit[:])); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	for i, c := range sorted {
		if !set[c.Commit] {
			return fmt.Errorf("store: change of %s %s: commit not among the ids written", c.Commit, c.Path)
		}
		if i > 0 && sorted[i-1].Commit == c.Commit && sorted[i-1].Path == c.Path {
			return fmt.Errorf("store: two changes of %s %s", c.Commit, c.Path)
		}
		for j := 1; j < len(c.Lines); j++ {
			if c.Lines[j-1].Hash >= c.Lines[j].Hash {
				return fmt.Errorf("store: change of %s %s: lines not sorted by hash (decoding would refuse them)", c.Commit, c.Path)
			}
		}
	}
	const cols = 8
	return x.write(ctx, func(tx *sql.Tx) error {
		// Commits another writer indexed meanwhile keep their rows.
		state, err := known(ctx, x.db.d, tx, sortedIDs)
		if err != nil {
			return err
		}
		var todo []Change
		for _, c := range sorted {
			if indexed, ok := state[c.Commit]; !ok {
				return fmt.Errorf("store: changes of %s: commit not stored", c.Commit)
			} else if !indexed {
				todo = append(todo, c)
			}
		}
		var buf []byte
		err = chunks(len(todo), x.db.d.maxParams/cols, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*cols)
			for _, c := range todo[lo:hi] {
				buf = encodeLines(buf[:0], c.Lines)
				lines := append([]byte(nil), buf...)
				var oldPath []byte
				if c.OldPath != "" && c.OldPath != c.Path {
					oldPath = []byte(c.OldPath)
				}
				opaque := int64(0)
				if c.Opaque {
					opaque = 1
				}
				ob, nb := idBytes(c.Old), idBytes(c.New)
				args = append(args, c.Commit[:], []byte(c.Path), oldPath, ob, nb, opaque, lines,
					changeSum(c.Commit[:], []byte(c.Path), oldPath, ob, nb, opaque, lines))
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO index_changes (commit_id, path, old_path, old_blob, new_blob, opaque, lines, crc) VALUES `+
				x.db.d.placeholders(hi-lo, cols)+` ON CONFLICT (commit_id, path) DO NOTHING`, args...)
			return err
		})
		if err != nil {
			return err
		}
		return chunks(len(sortedIDs), 1000, func(lo, hi int) error {
			args := make([]any, hi-lo)
			for i, id := range sortedIDs[lo:hi] {
				args[i] = id[:]
			}
			_, err := tx.ExecContext(ctx, `UPDATE index_commits SET indexed = 1 WHERE indexed = 0 AND id IN (`+x.db.d.list(1, len(args))+`)`, args...)
			return err
		})
	})
}

func (x *sqlIndex) Reachable(ctx context.Context, tips, stops []ID) ([]Commit, error) {
	if len(tips) == 0 {
		return nil, nil
	}
	cast := "CAST($%d AS " + x.db.d.words.Replace("{{blob}}") + ")"
	var args []any
	values := func(ids []ID) string {
		var parts []string
		for _, id := range ids {
			args = append(args, id[:])
			parts = append(parts, "("+fmt.Sprintf(cast, len(args))+")")
		}
		return strings.Join(parts, ", ")
	}
	q := `WITH RECURSIVE
		tips(id) AS (VALUES ` + values(tips) + `),
		reach(id) AS (SELECT id FROM tips UNION SELECT p.parent FROM index_parents p JOIN reach r ON p.commit_id = r.id)`
	// EXCEPT, not NOT IN: PostgreSQL plans NOT IN over a recursive CTE as a
	// subplan rescanned per row (quadratic: 18 minutes for curl's range).
	set := "reach"
	if len(stops) > 0 {
		q += `,
		stops(id) AS (VALUES ` + values(stops) + `),
		excl(id) AS (SELECT id FROM stops UNION SELECT p.parent FROM index_parents p JOIN excl e ON p.commit_id = e.id)`
		set = "(SELECT id FROM reach EXCEPT SELECT id FROM excl)"
	}
	q += `
		SELECT c.id, c.parents, c.author, c.email, c.author_time, c.author_tz, c.subject, c.crc, c.indexed
		FROM index_commits c JOIN ` + set + ` r ON c.id = r.id`
	rows, err := x.db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, x.db.wrap(err)
	}
	defer rows.Close()
	var out []Commit
	for rows.Next() {
		var id, parents []byte
		var c Commit
		var tz, crc int64
		var indexed int
		if err := rows.Scan(&id, &parents, &c.Author, &c.Email, &c.When, &tz, &c.Subject, &crc, &indexed); err != nil {
			return nil, x.db.wrap(err)
		}
		if commitSum(id, parents, c.Author, c.Email, c.When, tz, c.Subject) != crc {
			return nil, fmt.Errorf("%w: %s: commit %x: checksum mismatch", ErrCorrupt, x.db.where, id)
		}
		var err error
		if c.ID, err = toID(id); err == nil {
			c.Parents, err = splitIDs(parents)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: commit %x: %v", ErrCorrupt, x.db.where, id, err)
		}
		c.TZ = int32(tz)
		c.Indexed = indexed != 0
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, x.db.wrap(err)
	}
	return out, nil
}

func (x *sqlIndex) Changes(ctx context.Context, paths []string, fn func(*Change) error) error {
	return x.db.wrap(x.changesTx(ctx, x.db.sql, paths, fn))
}

// changesTx is Changes through q.
func (x *sqlIndex) changesTx(ctx context.Context, q querier, paths []string, fn func(*Change) error) error {
	sorted := slices.Clone(paths)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var c Change
	return chunks(len(sorted), 500, func(lo, hi int) error {
		n := hi - lo
		args := make([]any, 2*n)
		for i, p := range sorted[lo:hi] {
			args[i], args[n+i] = []byte(p), []byte(p)
		}
		rows, err := q.QueryContext(ctx, `SELECT commit_id, path, old_path, old_blob, new_blob, opaque, lines, crc FROM index_changes
			WHERE path IN (`+x.db.d.list(1, n)+`) OR (old_path IS NOT NULL AND old_path IN (`+x.db.d.list(n+1, n)+`))`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var commit, path, oldPath, ob, nb, lines []byte
			var opaque, crc int64
			if err := rows.Scan(&commit, &path, &oldPath, &ob, &nb, &opaque, &lines, &crc); err != nil {
				return err
			}
			bad := func(why string) error {
				return fmt.Errorf("%w: %s: change %x %s: %s", ErrCorrupt, x.db.where, commit, path, why)
			}
			if changeSum(commit, path, oldPath, ob, nb, opaque, lines) != crc {
				return bad("checksum mismatch")
			}
			var err error
			if c.Commit, err = toID(commit); err == nil {
				if c.Old, err = toID(ob); err == nil {
					c.New, err = toID(nb)
				}
			}
			if err != nil {
				return bad(err.Error())
			}
			c.Path, c.OldPath, c.Opaque = string(path), string(oldPath), opaque != 0
			if c.Lines, err = decodeLines(lines, c.Lines[:0]); err != nil {
				return bad(err.Error())
			}
			if err := fn(&c); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

func (x *sqlIndex) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := x.db.sql.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(indexed), 0) FROM index_commits`).Scan(&s.Commits, &s.Indexed)
	if err == nil {
		err = x.db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM index_changes`).Scan(&s.Changes)
	}
	if err == nil {
		s.Bytes, err = x.db.d.size(ctx, x.db.sql, IndexComponent("").Tables)
	}
	return s, x.db.wrap(err)
}
