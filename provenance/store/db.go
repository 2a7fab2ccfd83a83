package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options tunes [Open].
type Options struct {
	// Rebuild drops and recreates what cannot be used as is: a component
	// at another schema version or with other parameters ([DB.Use]), and,
	// for the embedded store, a file that is not a valid database. Without
	// it such a store is refused with ErrSchema or ErrCorrupt. A database
	// that patchtrace did not create (ErrForeign) is never touched.
	Rebuild bool
	// Check runs the database's integrity check when opening the embedded
	// store (it reads the whole file; PostgreSQL checks its own pages).
	Check bool
}

// DB is an open patchtrace database: the embedded store or a PostgreSQL
// server. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	d       *dialect
	where   string // the file, or the URL without its password
	path    string // the embedded store's file ("" for PostgreSQL)
	rebuild bool
}

// DefaultPath returns where the embedded store lives by default:
// index.db under [os.UserCacheDir]/patchtrace.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("store: no cache directory: %w", err)
	}
	return filepath.Join(dir, "patchtrace", "index.db"), nil
}

// IsURL reports whether location names a PostgreSQL server (a postgres://
// or postgresql:// URL) rather than a file.
func IsURL(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// Open opens the database at location: a postgres:// URL (a PostgreSQL
// server; see pgx's connection strings) or the path of the embedded store's
// file, created with its directory when absent.
func Open(ctx context.Context, location string, opts Options) (*DB, error) {
	if IsURL(location) {
		return openPostgres(ctx, location, opts)
	}
	return openSQLite(ctx, location, opts)
}

func openPostgres(ctx context.Context, location string, opts Options) (*DB, error) {
	where := location
	if u, err := url.Parse(location); err == nil {
		where = u.Redacted()
	}
	s, err := sql.Open("pgx", location)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	db := &DB{sql: s, d: postgres, where: where, rebuild: opts.Rebuild}
	if err := s.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	return db, nil
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := tryOpenSQLite(ctx, abs, opts.Check)
	if errors.Is(err, ErrCorrupt) && opts.Rebuild {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if rerr := os.Remove(abs + suffix); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				return nil, fmt.Errorf("store: rebuilding %s: %w", abs, rerr)
			}
		}
		db, err = tryOpenSQLite(ctx, abs, false)
	}
	if err != nil {
		return nil, err
	}
	db.rebuild = opts.Rebuild
	return db, nil
}

func tryOpenSQLite(ctx context.Context, abs string, check bool) (*DB, error) {
	corrupt := func(why string) error {
		return fmt.Errorf("%w: %s: %s (remove the file, or rebuild it)", ErrCorrupt, abs, why)
	}
	if f, err := os.Open(abs); err == nil {
		head := make([]byte, len(sqliteMagic))
		n, rerr := io.ReadFull(f, head)
		f.Close()
		switch {
		case n == 0 && errors.Is(rerr, io.EOF):
			// An empty file is a new database.
		case rerr != nil || !bytes.Equal(head, sqliteMagic):
			return nil, corrupt("not an SQLite database")
		}
	}
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath() +
		"?_pragma=busy_timeout(120000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", abs, err)
	}
	db := &DB{sql: s, d: sqliteDialect, where: abs, path: abs}
	fail := func(err error) (*DB, error) {
		s.Close()
		return nil, db.wrap(err)
	}
	rows, err := s.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return fail(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fail(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return fail(err)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(tables) > 0 && !contains(tables, componentsTable) {
		s.Close()
		return nil, fmt.Errorf("%w: %s holds tables %s but no %s", ErrForeign, abs, strings.Join(tables, ", "), componentsTable)
	}
	if check {
		var res string
		if err := s.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
			return fail(err)
		}
		if res != "ok" {
			s.Close()
			return nil, corrupt("integrity check: " + res)
		}
	}
	return db, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// SQL returns the database handle, for components that keep their own
// tables beside the index (see [DB.Use]). Statements use $1, $2 ...
// placeholders, which both engines accept.
func (db *DB) SQL() *sql.DB { return db.sql }

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// Location is where the database is: the file, or the URL without its
// password.
func (db *DB) Location() string { return db.where }

// wrap turns an engine's corruption errors into ErrCorrupt and names the
// store in err.
func (db *DB) wrap(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %s: %w (remove the file, or rebuild it)", ErrCorrupt, db.where, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "XX001" { // data_corrupted
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.where, err)
	}
	if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrSchema) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("store: %s: %w", db.where, err)
}

// dialect holds what differs between the two engines.
type dialect struct {
	name string
	// words replaced in schema statements: {{blob}}, {{bigint}},
	// {{norowid}} (a table clause).
	words *strings.Replacer
	// schemaLock, when not empty, runs first in a schema transaction.
	schemaLock string
	// maxParams bounds the placeholders of one statement.
	maxParams int
	// numbered is set when generated statements use $1, $2 ...
	// placeholders rather than ?.
	numbered bool
	// analyze, when not empty, refreshes the planner's statistics of the
	// graph tables after a large write.
	analyze string
	// size returns the bytes the given tables and their indexes use.
	size func(ctx context.Context, db *sql.DB, tables []string) (int64, error)
}

var sqliteDialect = &dialect{
	name:      "sqlite",
	words:     strings.NewReplacer("{{blob}}", "BLOB", "{{bigint}}", "INTEGER", "{{norowid}}", " WITHOUT ROWID"),
	maxParams: 30000,
	size: func(ctx context.Context, db *sql.DB, tables []string) (int64, error) {
		// The whole file: dbstat is not compiled in everywhere, and the
		// index is what fills the file.
		var pages, size int64
		if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			return 0, err
		}
		if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
			return 0, err
		}
		var free int64
		if err := db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
			return 0, err
		}
		return (pages - free) * size, nil
	},
}

var postgres = &dialect{
	name:       "postgres",
	words:      strings.NewReplacer("{{blob}}", "BYTEA", "{{bigint}}", "BIGINT", "{{norowid}}", ""),
	schemaLock: `SELECT pg_advisory_xact_lock(7234213659)`, // any constant shared by patchtrace processes
	maxParams:  60000,
	numbered:   true,
	analyze:    `ANALYZE index_commits, index_parents`,
	size: func(ctx context.Context, db *sql.DB, tables []string) (int64, error) {
		var total int64
		for _, t := range tables {
			var n int64
			if err := db.QueryRowContext(ctx, `SELECT pg_total_relation_size(to_regclass($1))`, t).Scan(&n); err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	},
}

// componentsTable records each component's schema version.
const componentsTable = "patchtrace_components"

// Component describes one user of the database and its tables.
type Component struct {
	// Name prefixes the component's tables (Name_...): lower-case letters
	// and digits.
	Name string
	// Params must be equal for two programs to share the component's
	// data (for the index: the line fingerprint that filled it).
	Params string
	// Tables lists the tables the component owns, dropped in this order
	// on a rebuild.
	Tables []string
	// Steps[i] holds the statements that bring the schema from version i
	// to i+1; the component's version is len(Steps). In statements,
	// {{blob}} and {{bigint}} name the engine's binary and 64-bit integer
	// types, and {{norowid}} ends a CREATE TABLE whose primary key is the
	// row's identity.
	Steps [][]string
}

var componentName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Use makes the component's tables ready: created at their latest version
// when absent, upgraded in place when older with the same parameters. A
// component recorded at a newer version, or with other parameters, is
// refused with ErrSchema; with Options.Rebuild, a component with other
// parameters has its tables dropped and created anew (a newer version is
// always refused: this program cannot know its tables). Use runs in one
// transaction, serialised with every other process's Use.
func (db *DB) Use(ctx context.Context, c Component) error {
	if !componentName.MatchString(c.Name) {
		return fmt.Errorf("store: component name %q: want lower-case letters and digits", c.Name)
	}
	for _, t := range c.Tables {
		if !strings.HasPrefix(t, c.Name+"_") {
			return fmt.Errorf("store: component %s: table %q does not start with %s_", c.Name, t, c.Name)
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err)
	}
	defer tx.Rollback()
	if db.d.schemaLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.schemaLock); err != nil {
			return db.wrap(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+componentsTable+` (
		name TEXT PRIMARY KEY,
		version INTEGER NOT NULL,
		params TEXT NOT NULL
	)`); err != nil {
		return db.wrap(err)
	}
	var version int
	var params string
	err = tx.QueryRowContext(ctx, `SELECT version, params FROM `+componentsTable+` WHERE name = $1`, c.Name).Scan(&version, &params)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return db.wrap(err)
	}
	want := len(c.Steps)
	if exists && (version > want || params != c.Params) {
		why := fmt.Sprintf("version %d (this program writes version %d)", version, want)
		if params != c.Params {
			why = fmt.Sprintf("parameters %q (this program needs %q)", params, c.Params)
		}
		if !db.rebuild || version > want {
			return fmt.Errorf("%w: %s: component %s has %s; rebuild the store or use another one", ErrSchema, db.where, c.Name, why)
		}
		for _, t := range c.Tables {
			if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
				return db.wrap(err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+componentsTable+` WHERE name = $1`, c.Name); err != nil {
			return db.wrap(err)
		}
		exists, version = false, 0
	}
	if !exists {
		version = 0
	}
	for v := version; v < want; v++ {
		for _, stmt := range c.Steps[v] {
			if _, err := tx.ExecContext(ctx, db.d.words.Replace(stmt)); err != nil {
				return fmt.Errorf("store: component %s: step to version %d: %w", c.Name, v+1, db.wrap(err))
			}
		}
	}
	if !exists {
		_, err = tx.ExecContext(ctx, `INSERT INTO `+componentsTable+` (name, version, params) VALUES ($1, $2, $3)`, c.Name, want, c.Params)
	} else if version < want {
		_, err = tx.ExecContext(ctx, `UPDATE `+componentsTable+` SET version = $1 WHERE name = $2`, want, c.Name)
	}
	if err != nil {
		return db.wrap(err)
	}
	return db.wrap(tx.Commit())
}
