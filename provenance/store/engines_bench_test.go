package store

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// benchSourceEnv names an embedded store filled by a real trace (for
// example curl's index) whose records BenchmarkEngines replays into each
// engine; without it the benchmark replays a synthetic history.
const benchSourceEnv = "PATCHTRACE_BENCH_INDEX"

// benchData is a history to load: commits parents first, and changes.
type benchData struct {
	commits []Commit
	changes map[ID][]Change
	indexed []ID
	paths   []string // the most changed paths, for queries
	tip     ID
	base    ID
}

func loadBenchData(b *testing.B) *benchData {
	b.Helper()
	ctx := context.Background()
	d := &benchData{changes: map[ID][]Change{}}
	src := os.Getenv(benchSourceEnv)
	if src == "" {
		s := newSynthetic(5000)
		d.commits = s.commits
		for i, c := range s.commits {
			d.changes[c.ID] = s.changes[i]
			d.indexed = append(d.indexed, c.ID)
		}
		d.tip, d.base = s.commits[len(s.commits)-1].ID, s.commits[1000].ID
	} else {
		db, err := Open(ctx, src, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		ix := &sqlIndex{db: db}
		rows, err := db.SQL().QueryContext(ctx, `SELECT id, indexed FROM index_commits`)
		if err != nil {
			b.Fatal(err)
		}
		var all []ID
		isIndexed := map[ID]bool{}
		for rows.Next() {
			var id []byte
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				b.Fatal(err)
			}
			x, _ := toID(id)
			all = append(all, x)
			isIndexed[x] = n == 1
		}
		rows.Close()
		cs, err := ix.Reachable(ctx, all, nil)
		if err != nil {
			b.Fatal(err)
		}
		// Parents first.
		byID := map[ID]Commit{}
		for _, c := range cs {
			byID[c.ID] = c
		}
		done := map[ID]bool{}
		visit := func(id ID) {
			stack := []ID{id}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				c, ok := byID[x]
				if !ok || done[x] {
					stack = stack[:len(stack)-1]
					continue
				}
				pushed := false
				for _, p := range c.Parents {
					if _, ok := byID[p]; ok && !done[p] {
						stack = append(stack, p)
						pushed = true
					}
				}
				if !pushed {
					done[x] = true
					d.commits = append(d.commits, c)
					stack = stack[:len(stack)-1]
				}
			}
		}
		for _, c := range cs {
			visit(c.ID)
		}
		var paths []string
		prow, err := db.SQL().QueryContext(ctx, `SELECT DISTINCT path FROM index_changes`)
		if err != nil {
			b.Fatal(err)
		}
		for prow.Next() {
			var p []byte
			prow.Scan(&p)
			paths = append(paths, string(p))
		}
		prow.Close()
		type key struct {
			c ID
			p string
		}
		seen := map[key]bool{}
		err = ix.Changes(ctx, paths, func(c *Change) error {
			if seen[key{c.Commit, c.Path}] {
				return nil // found by its old path too
			}
			seen[key{c.Commit, c.Path}] = true
			x := *c
			x.Lines = slices.Clone(c.Lines)
			d.changes[c.Commit] = append(d.changes[c.Commit], x)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range d.commits {
			if isIndexed[c.ID] {
				d.indexed = append(d.indexed, c.ID)
			}
		}
		// The range: the newest commit, and the newest not indexed one.
		newest := func(ok func(Commit) bool) ID {
			var best Commit
			for _, c := range d.commits {
				if ok(c) && c.When >= best.When {
					best = c
				}
			}
			return best.ID
		}
		d.tip = newest(func(c Commit) bool { return isIndexed[c.ID] })
		d.base = newest(func(c Commit) bool { return !isIndexed[c.ID] })
	}
	count := map[string]int{}
	for _, chs := range d.changes {
		for _, c := range chs {
			count[c.Path]++
		}
	}
	for p := range count {
		d.paths = append(d.paths, p)
	}
	sort.Slice(d.paths, func(i, j int) bool {
		if count[d.paths[i]] != count[d.paths[j]] {
			return count[d.paths[i]] > count[d.paths[j]]
		}
		return d.paths[i] < d.paths[j]
	})
	d.paths = d.paths[:min(30, len(d.paths))]
	return d
}

// load writes d into ix as an indexer does: the graph in chunks, then
// changes in batches of 512 commits.
func (d *benchData) load(b *testing.B, ix Index) {
	ctx := context.Background()
	for lo := 0; lo < len(d.commits); lo += 2000 {
		if err := ix.PutCommits(ctx, d.commits[lo:min(len(d.commits), lo+2000)]); err != nil {
			b.Fatal(err)
		}
	}
	for lo := 0; lo < len(d.indexed); lo += 512 {
		ids := d.indexed[lo:min(len(d.indexed), lo+512)]
		var chs []Change
		for _, id := range ids {
			chs = append(chs, d.changes[id]...)
		}
		if err := ix.PutChanges(ctx, ids, chs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngines measures the embedded candidates (SQLite, bbolt) and
// PostgreSQL on the same records: loading them (write), listing a range
// from the stored graph (range) and reading every change of the 30 most
// changed paths (paths). It reports the bytes on disk per commit.
func BenchmarkEngines(b *testing.B) {
	d := loadBenchData(b)
	ctx := context.Background()
	nChanges := 0
	for _, chs := range d.changes {
		nChanges += len(chs)
	}
	b.Logf("%d commits, %d indexed, %d changes", len(d.commits), len(d.indexed), nChanges)
	open := map[string]func(b *testing.B) Index{
		"sqlite": func(b *testing.B) Index { return openIndex(b, newLocation(b, "sqlite"), Options{}) },
		"postgres": func(b *testing.B) Index {
			return openIndex(b, newLocation(b, "postgres"), Options{})
		},
		"bbolt": func(b *testing.B) Index {
			x, err := openBolt(filepath.Join(b.TempDir(), "index.bolt"))
			if err != nil {
				b.Fatal(err)
			}
			return x
		},
	}
	for _, engine := range []string{"sqlite", "bbolt", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			b.Run("write", func(b *testing.B) {
				var st Stats
				for range b.N {
					b.StopTimer()
					ix := open[engine](b)
					b.StartTimer()
					d.load(b, ix)
					b.StopTimer()
					var err error
					if st, err = ix.Stats(ctx); err != nil {
						b.Fatal(err)
					}
					ix.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(st.Bytes)/float64(len(d.indexed)), "bytes/indexed-commit")
				b.ReportMetric(float64(st.Bytes)/(1<<20), "MB")
			})
			ix := open[engine](b)
			defer ix.Close()
			d.load(b, ix)
			b.Run("range", func(b *testing.B) {
				for range b.N {
					cs, err := ix.Reachable(ctx, []ID{d.tip}, []ID{d.base})
					if err != nil || len(cs) == 0 {
						b.Fatal(len(cs), err)
					}
				}
			})
			b.Run("paths", func(b *testing.B) {
				for range b.N {
					n := 0
					if err := ix.Changes(ctx, d.paths, func(*Change) error { n++; return nil }); err != nil || n == 0 {
						b.Fatal(n, err)
					}
				}
			})
		})
	}
}
