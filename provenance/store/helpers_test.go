package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// engines are the stores every store test runs against.
var engines = []string{"sqlite", "postgres"}

// newLocation returns a fresh, empty store location of the given engine:
// a file in a temporary directory, or a new database on the PostgreSQL
// server of $PATCHTRACE_PG_URL (dropped when the test ends).
func newLocation(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "index.db")
	}
	base := testenv.PostgreSQL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "patchtrace_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("creating a test database on %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("$%s: %v", testenv.PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

const testFingerprint = "test-fingerprint/1"

// openIndex opens the index at loc, failing the test on error.
func openIndex(t testing.TB, loc string, opts Options) Index {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, loc, opts)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := db.Index(ctx, testFingerprint)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return ix
}

// synthetic is a deterministic history of n commits: commit i has parent
// i-1, and every 17th one also merges i-10; each changes a few files.
type synthetic struct {
	commits []Commit
	changes [][]Change // by commit
}

func newSynthetic(n int) *synthetic {
	s := &synthetic{}
	for i := range n {
		c := Commit{ID: sha1.Sum(fmt.Appendf(nil, "commit %d", i)), Author: fmt.Sprintf("Author %d", i%7),
			Email: fmt.Sprintf("a%d@example.org", i%7), When: 1_600_000_000 + int64(i)*3600, TZ: int32((i%5 - 2) * 3600),
			Subject: fmt.Sprintf("change %d: fix \xe9 things", i)}
		if i > 0 {
			c.Parents = append(c.Parents, s.commits[i-1].ID)
		}
		if i%17 == 0 && i >= 10 {
			c.Parents = append(c.Parents, s.commits[i-10].ID)
		}
		s.commits = append(s.commits, c)
		rng := mrand.New(mrand.NewPCG(uint64(i), 99))
		var chs []Change
		seen := map[string]bool{}
		for j := range 1 + i%4 {
			p := fmt.Sprintf("dir%d/file%d.c", (i*7+j)%5, (i*13+j*3)%40)
			if seen[p] {
				continue
			}
			seen[p] = true
			ch := Change{Commit: c.ID, Path: p, Old: sha1.Sum(fmt.Appendf(nil, "old %d %d", i, j)), New: sha1.Sum(fmt.Appendf(nil, "new %d %d", i, j))}
			switch {
			case (i+j)%23 == 0:
				ch.Opaque = true
			case (i+j)%11 == 0:
				ch.OldPath = fmt.Sprintf("old/file%d.c", i%9)
			case (i+j)%13 == 0:
				ch.Old = ID{}
			}
			if !ch.Opaque {
				seen := map[uint64]bool{}
				var hs []uint64
				for range 1 + rng.IntN(60) {
					if h := rng.Uint64N(1<<20) * 0x9e3779b97f4a7c15; !seen[h] {
						seen[h] = true
						hs = append(hs, h)
					}
				}
				for _, h := range hs {
					cnt := int32(1 + rng.IntN(3))
					if rng.IntN(2) == 0 {
						cnt = -cnt
					}
					ch.Lines = append(ch.Lines, Line{h, cnt})
				}
				slices.SortFunc(ch.Lines, func(a, b Line) int { return cmp.Compare(a.Hash, b.Hash) })
			}
			chs = append(chs, ch)
		}
		s.changes = append(s.changes, chs)
	}
	return s
}

// index stores commits [0, hi) and indexes those of lo..hi-1 that are not
// indexed yet, in batches, as an indexer does: the graph parents first,
// then the range from the stored graph, then changes per batch.
func (s *synthetic) index(ctx context.Context, ix Index, lo, hi, batch int) error {
	for b := 0; b < hi; b += 64 {
		if err := ix.PutCommits(ctx, s.commits[b:min(hi, b+64)]); err != nil {
			return err
		}
	}
	var stops []ID
	if lo > 0 {
		stops = []ID{s.commits[lo-1].ID}
	}
	rng, err := ix.Reachable(ctx, []ID{s.commits[hi-1].ID}, stops)
	if err != nil {
		return err
	}
	pos := map[ID]int{}
	for i, c := range s.commits {
		pos[c.ID] = i
	}
	var todo []int
	for _, c := range rng {
		if !c.Indexed {
			todo = append(todo, pos[c.ID])
		}
	}
	slices.Sort(todo)
	for b := 0; b < len(todo); b += batch {
		var ids []ID
		var chs []Change
		for _, i := range todo[b:min(len(todo), b+batch)] {
			ids = append(ids, s.commits[i].ID)
			chs = append(chs, s.changes[i]...)
		}
		if err := ix.PutChanges(ctx, ids, chs); err != nil {
			return err
		}
	}
	return nil
}

// paths returns every path the history names.
func (s *synthetic) paths() []string {
	var out []string
	for _, chs := range s.changes {
		for _, c := range chs {
			out = append(out, c.Path)
			if c.OldPath != "" {
				out = append(out, c.OldPath)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// all returns every commit of s as the index holds it.
func (s *synthetic) all(t testing.TB, ix Index) []Commit {
	t.Helper()
	var tips []ID
	for _, c := range s.commits {
		tips = append(tips, c.ID)
	}
	cs, err := ix.Reachable(context.Background(), tips, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// dump renders everything the index holds about s, sorted, for comparison.
func dump(t testing.TB, ix Index, s *synthetic) string {
	t.Helper()
	var lines []string
	for _, c := range s.all(t, ix) {
		lines = append(lines, fmt.Sprintf("commit %s %v %q %q %d %d %q indexed=%v", c.ID, c.Parents, c.Author, c.Email, c.When, c.TZ, c.Subject, c.Indexed))
	}
	err := ix.Changes(context.Background(), s.paths(), func(c *Change) error {
		lines = append(lines, fmt.Sprintf("change %s %s<-%s %s %s %v %v", c.Commit, c.Path, c.OldPath, c.Old, c.New, c.Opaque, c.Lines))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	lines = slices.Compact(lines) // a rename is found by both of its paths
	return strings.Join(lines, "\n")
}

// filled opens a fresh index of engine holding commits lo..hi-1 of a
// synthetic history of hi commits, indexed in batches of batch.
func filled(t *testing.T, engine string, lo, hi, batch int) (Index, *synthetic) {
	t.Helper()
	ix := openIndex(t, newLocation(t, engine), Options{})
	t.Cleanup(func() { ix.Close() })
	s := newSynthetic(hi)
	if err := s.index(context.Background(), ix, lo, hi, batch); err != nil {
		t.Fatal(err)
	}
	return ix, s
}
