package store

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRoundTrip(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			ix, s := filled(t, engine, 20, 60, 7)
			// Known: every commit stored, those of the range indexed.
			known, err := ix.Known(ctx, []ID{s.commits[0].ID, s.commits[19].ID, s.commits[20].ID, s.commits[59].ID, sha1.Sum([]byte("absent"))})
			if err != nil {
				t.Fatal(err)
			}
			want := map[ID]bool{s.commits[0].ID: false, s.commits[19].ID: false, s.commits[20].ID: true, s.commits[59].ID: true}
			if fmt.Sprint(known) != fmt.Sprint(want) {
				t.Errorf("Known = %v, want %v", known, want)
			}
			// Reachable: 40..59 minus what 39 reaches, plus the merge
			// at 51 bringing in 41 (already in) ...
			got, err := ix.Reachable(ctx, []ID{s.commits[59].ID}, []ID{s.commits[39].ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 20 {
				t.Errorf("Reachable(59 ^39) = %d commits, want 20", len(got))
			}
			for _, c := range got {
				i := slices.IndexFunc(s.commits, func(x Commit) bool { return x.ID == c.ID })
				w := s.commits[i]
				if c.Author != w.Author || c.Email != w.Email || c.When != w.When || c.TZ != w.TZ || !slices.Equal(c.Parents, w.Parents) || !c.Indexed {
					t.Errorf("commit %d read back as %+v, want %+v", i, c, w)
				}
				if c.Subject != strings.ToValidUTF8(w.Subject, "\uFFFD") {
					t.Errorf("commit %d subject %q", i, c.Subject)
				}
			}
			// Changes by path, renames found by their old path too.
			var n int
			var renamed bool
			err = ix.Changes(ctx, []string{"dir0/file0.c", "old/file3.c"}, func(c *Change) error {
				n++
				i := slices.IndexFunc(s.commits, func(x Commit) bool { return x.ID == c.Commit })
				j := slices.IndexFunc(s.changes[i], func(x Change) bool { return x.Path == c.Path })
				if j < 0 || fmt.Sprint(*c) != fmt.Sprint(s.changes[i][j]) {
					t.Errorf("change read back as %+v", *c)
				}
				if i < 20 {
					t.Errorf("change of commit %d, outside the indexed range", i)
				}
				renamed = renamed || c.OldPath == "old/file3.c"
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 || !renamed {
				t.Errorf("Changes found %d changes (renamed from old/file3.c: %v)", n, renamed)
			}
			before := dump(t, ix, s)
			// Writing again changes nothing; a wider range adds the rest.
			if err := s.index(ctx, ix, 20, 60, 13); err != nil {
				t.Fatal(err)
			}
			if after := dump(t, ix, s); after != before {
				t.Error("indexing the same range again changed the store")
			}
			if err := s.index(ctx, ix, 0, 60, 13); err != nil {
				t.Fatal(err)
			}
			st, err := ix.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var changes int64
			for _, c := range s.changes {
				changes += int64(len(c))
			}
			if st.Commits != 60 || st.Indexed != 60 || st.Changes != changes || st.Bytes <= 0 {
				t.Errorf("Stats = %+v, want 60 commits, 60 indexed, %d changes", st, changes)
			}
		})
	}
}

func TestTamperedRows(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			ix, s := filled(t, engine, 0, 20, 5)
			db := ix.(*sqlIndex).db.SQL()
			target := s.changes[5][0]
			// A row changed behind the store's back (a damaged page, a
			// hand edit) is refused, whichever field changed.
			for _, set := range []string{"new_blob = old_blob", "path = $3", "lines = $3"} {
				var arg any = []byte("other/path.c")
				if set == "lines = $3" {
					arg = encodeLines(nil, []Line{{1, 1}})
				}
				args := []any{target.Commit[:], []byte(target.Path)}
				if strings.Contains(set, "$3") {
					args = append(args, arg)
				}
				tx, err := db.Begin()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec(`UPDATE index_changes SET `+set+` WHERE commit_id = $1 AND path = $2`, args...); err != nil {
					t.Fatal(err)
				}
				paths := []string{target.Path, "other/path.c"}
				err = ix.(*sqlIndex).changesTx(ctx, tx, paths, func(*Change) error { return nil })
				tx.Rollback()
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("%s: err = %v, want ErrCorrupt", set, err)
				}
			}
			if _, err := db.Exec(`UPDATE index_commits SET subject = 'forged' WHERE id = $1`, s.commits[3].ID[:]); err != nil {
				t.Fatal(err)
			}
			if _, err := ix.Reachable(ctx, []ID{s.commits[19].ID}, nil); !errors.Is(err, ErrCorrupt) {
				t.Errorf("forged commit: err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestSchemaVersions(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			loc := newLocation(t, engine)
			ix := openIndex(t, loc, Options{})
			s := newSynthetic(10)
			if err := s.index(ctx, ix, 0, 10, 5); err != nil {
				t.Fatal(err)
			}
			ix.Close()

			// Another fingerprint: refused, or rebuilt empty.
			db, err := Open(ctx, loc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Index(ctx, "other/1"); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "other/1") {
				t.Errorf("another fingerprint: err = %v, want ErrSchema naming it", err)
			}
			db.Close()
			db, err = Open(ctx, loc, Options{Rebuild: true})
			if err != nil {
				t.Fatal(err)
			}
			ix2, err := db.Index(ctx, "other/1")
			if err != nil {
				t.Fatal(err)
			}
			if st, err := ix2.Stats(ctx); err != nil || st.Commits != 0 {
				t.Errorf("rebuilt store: %+v, %v; want empty", st, err)
			}
			// A newer schema version is refused even when rebuilding.
			if _, err := db.SQL().Exec(`UPDATE patchtrace_components SET version = 99 WHERE name = 'index'`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Index(ctx, "other/1"); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "version 99") {
				t.Errorf("newer version: err = %v, want ErrSchema", err)
			}
			ix2.Close()
		})
	}
}

func TestComponents(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, newLocation(t, engine), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v1 := Component{Name: "audit", Params: "p", Tables: []string{"audit_runs"},
				Steps: [][]string{{`CREATE TABLE audit_runs (id {{bigint}} PRIMARY KEY, blob {{blob}})`}}}
			if err := db.Use(ctx, v1); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO audit_runs (id, blob) VALUES ($1, $2)`, 1, []byte{0}); err != nil {
				t.Fatal(err)
			}
			// Version 2 upgrades in place and keeps the rows.
			v2 := v1
			v2.Steps = append(v2.Steps, []string{`ALTER TABLE audit_runs ADD COLUMN note TEXT`})
			if err := db.Use(ctx, v2); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_runs WHERE note IS NULL`).Scan(&n); err != nil || n != 1 {
				t.Errorf("after the upgrade: %d rows, %v", n, err)
			}
			// The old program now meets a newer version.
			if err := db.Use(ctx, v1); !errors.Is(err, ErrSchema) {
				t.Errorf("older program: err = %v, want ErrSchema", err)
			}
			// The index lives beside it untouched.
			if _, err := db.Index(ctx, testFingerprint); err != nil {
				t.Fatal(err)
			}
			bad := Component{Name: "x", Tables: []string{"index_commits"}}
			if err := db.Use(ctx, bad); err == nil {
				t.Error("a component claiming another's table was accepted")
			}
		})
	}
}

func TestCorruptEmbedded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	// Not a database at all.
	junk := dir + "/junk.db"
	os.WriteFile(junk, []byte("this is not a database, just text that is long enough"), 0o644)
	if _, err := Open(ctx, junk, Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), junk) {
		t.Errorf("junk file: err = %v, want ErrCorrupt naming the file", err)
	}
	db, err := Open(ctx, junk, Options{Rebuild: true})
	if err != nil {
		t.Fatalf("rebuilding a junk file: %v", err)
	}
	if _, err := db.Index(ctx, testFingerprint); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A database patchtrace did not write is never touched.
	foreign := dir + "/foreign.db"
	f, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	f.Exec(`CREATE TABLE precious (x)`)
	f.Close()
	if _, err := Open(ctx, foreign, Options{Rebuild: true}); !errors.Is(err, ErrForeign) {
		t.Errorf("foreign database: err = %v, want ErrForeign", err)
	}

	// A damaged row is detected by its checksum, never returned.
	loc := dir + "/index.db"
	ix := openIndex(t, loc, Options{})
	s := newSynthetic(30)
	if err := s.index(ctx, ix, 0, 30, 10); err != nil {
		t.Fatal(err)
	}
	ix.Close() // checkpoints the WAL into the file
	data, err := os.ReadFile(loc)
	if err != nil {
		t.Fatal(err)
	}
	target := s.changes[12][0]
	enc := encodeLines(nil, target.Lines)
	at := bytes.Index(data, enc[1:])
	if at < 0 {
		t.Fatal("the encoded lines of a change are not in the file")
	}
	data[at+3] ^= 0x40
	if err := os.WriteFile(loc, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t, loc, Options{})
	err = ix.Changes(ctx, []string{target.Path}, func(*Change) error { return nil })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("damaged row: err = %v, want ErrCorrupt (checksum)", err)
	}
	ix.Close()

	// A truncated file fails the integrity check.
	if err := os.WriteFile(loc, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, loc, Options{Check: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated file: err = %v, want ErrCorrupt", err)
	}
}

// The helper process: with PATCHTRACE_STORE_HELPER=LOC|LO|HI|BATCH it
// indexes the synthetic history's commits LO..HI-1 into LOC; with
// ...|loop it does so again and again until killed.
func TestMain(m *testing.M) {
	if spec := os.Getenv("PATCHTRACE_STORE_HELPER"); spec != "" {
		os.Exit(helper(spec))
	}
	os.Exit(m.Run())
}

const helperCommits = 160

func helper(spec string) int {
	f := strings.Split(spec, "|")
	lo, _ := strconv.Atoi(f[1])
	hi, _ := strconv.Atoi(f[2])
	batch, _ := strconv.Atoi(f[3])
	ctx := context.Background()
	db, err := Open(ctx, f[0], Options{})
	if err == nil {
		var ix Index
		if ix, err = db.Index(ctx, testFingerprint); err == nil {
			s := newSynthetic(helperCommits)
			err = s.index(ctx, ix, lo, hi, batch)
			if len(f) > 4 {
				// Keep writing, fast, until killed: re-put the history's
				// changes into a scratch table-free path (PutChanges is
				// idempotent, so the end state does not depend on it).
				for err == nil {
					err = s.index(ctx, ix, 0, helperCommits, batch)
				}
			}
			ix.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

func helperCmd(t *testing.T, loc string, lo, hi, batch int, extra ...string) *exec.Cmd {
	spec := strings.Join(append([]string{loc, strconv.Itoa(lo), strconv.Itoa(hi), strconv.Itoa(batch)}, extra...), "|")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PATCHTRACE_STORE_HELPER="+spec)
	return cmd
}

// serialDump indexes the ranges of s one after the other into a fresh
// store and returns its dump.
func serialDump(t *testing.T, engine string, s *synthetic, ranges [][2]int, batch int) string {
	t.Helper()
	serial := openIndex(t, newLocation(t, engine), Options{})
	defer serial.Close()
	for _, r := range ranges {
		if err := s.index(context.Background(), serial, r[0], r[1], batch); err != nil {
			t.Fatal(err)
		}
	}
	return dump(t, serial, s)
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	ranges := [][2]int{{0, 100}, {40, 140}, {80, 160}, {20, 160}}
	s := newSynthetic(helperCommits)
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			want := serialDump(t, engine, s, ranges, 9)

			loc := newLocation(t, engine)
			var wg sync.WaitGroup
			errs := make([]error, len(ranges))
			outs := make([][]byte, len(ranges))
			for i, r := range ranges {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i], errs[i] = helperCmd(t, loc, r[0], r[1], 9).CombinedOutput()
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("process %d (%v): %v\n%s", i, ranges[i], err, outs[i])
				}
			}
			got := openIndex(t, loc, Options{})
			defer got.Close()
			if d := dump(t, got, s); d != want {
				t.Errorf("4 concurrent processes left other contents than a serial run (-serial +concurrent):\n%s", cmp.Diff(want, d))
			}
		})
	}
}

func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	s := newSynthetic(helperCommits)
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			want := serialDump(t, engine, s, [][2]int{{0, helperCommits}}, 50)

			loc := newLocation(t, engine)
			for round := range 3 {
				cmd := helperCmd(t, loc, 0, helperCommits, 10, "loop")
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Kill it mid-way through its writes: as soon as a few
				// more batches are in, while it writes the next one.
				exited := make(chan struct{})
				go func() { cmd.Wait(); close(exited) }()
				watch := openIndex(t, loc, Options{})
			poll:
				for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
					select {
					case <-exited:
						break poll
					case <-time.After(2 * time.Millisecond):
					}
					if st, err := watch.Stats(ctx); err == nil && st.Indexed >= int64(20+round*50) {
						break
					}
				}
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				watch.Close()
				if strings.Contains(out.String(), "helper:") {
					t.Fatalf("helper failed before it was killed: %s", out.String())
				}
				ix := openIndex(t, loc, Options{Check: true})
				// Every indexed commit has all its changes, every other
				// none: no transaction was half applied.
				indexed := map[ID]bool{}
				for _, c := range s.all(t, ix) {
					indexed[c.ID] = c.Indexed
				}
				have := map[ID]int{}
				if err := ix.Changes(ctx, s.paths(), func(c *Change) error { have[c.Commit]++; return nil }); err != nil {
					t.Fatal(err)
				}
				for i, c := range s.commits {
					n := len(s.changes[i])
					switch {
					case indexed[c.ID] && have[c.ID] != n:
						t.Fatalf("round %d: commit %d indexed with %d of %d change rows", round, i, have[c.ID], n)
					case !indexed[c.ID] && have[c.ID] != 0:
						t.Fatalf("round %d: commit %d not indexed but has %d change rows", round, i, have[c.ID])
					}
				}
				// The store stays usable: finishing the work gives the
				// serial contents.
				if round == 2 {
					if err := s.index(ctx, ix, 0, helperCommits, 50); err != nil {
						t.Fatal(err)
					}
					if d := dump(t, ix, s); d != want {
						t.Error("after the killed writers, the store differs from a serial run")
					}
				}
				ix.Close()
			}
		})
	}
}
