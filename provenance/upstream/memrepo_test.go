package upstream

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// memRepo builds a git history in memory, commit by commit, from full
// snapshots of the files.
type memRepo struct {
	tb    testing.TB
	repo  *git.Repository
	when  time.Time
	files map[plumbing.Hash]map[string]string // commit -> snapshot
}

func newMemRepo(tb testing.TB) *memRepo {
	tb.Helper()
	r, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		tb.Fatal(err)
	}
	return &memRepo{tb: tb, repo: r, when: time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC),
		files: map[plumbing.Hash]map[string]string{}}
}

func (m *memRepo) store(o interface {
	Encode(plumbing.EncodedObject) error
}) plumbing.Hash {
	m.tb.Helper()
	obj := m.repo.Storer.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		m.tb.Fatal(err)
	}
	h, err := m.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		m.tb.Fatal(err)
	}
	return h
}

func (m *memRepo) blob(content string) plumbing.Hash {
	m.tb.Helper()
	obj := m.repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, _ := obj.Writer()
	w.Write([]byte(content))
	w.Close()
	h, err := m.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		m.tb.Fatal(err)
	}
	return h
}

// tree stores the directory dir of files and returns its hash.
func (m *memRepo) tree(files map[string]string, dir string) plumbing.Hash {
	entries := map[string]object.TreeEntry{}
	subdirs := map[string]bool{}
	for p, content := range files {
		rel := p
		if dir != "" {
			if !strings.HasPrefix(p, dir+"/") {
				continue
			}
			rel = p[len(dir)+1:]
		}
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			subdirs[rel[:i]] = true
			continue
		}
		entries[rel] = object.TreeEntry{Name: rel, Mode: filemode.Regular, Hash: m.blob(content)}
	}
	for s := range subdirs {
		entries[s] = object.TreeEntry{Name: s, Mode: filemode.Dir, Hash: m.tree(files, path.Join(dir, s))}
	}
	t := &object.Tree{}
	for _, e := range entries {
		t.Entries = append(t.Entries, e)
	}
	// git orders tree entries by name, directories as if ending in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	return m.store(t)
}

// commit records a snapshot with the given parents.
func (m *memRepo) commit(msg string, files map[string]string, parents ...plumbing.Hash) plumbing.Hash {
	m.tb.Helper()
	m.when = m.when.Add(time.Hour)
	sig := object.Signature{Name: "Up Stream", Email: "up@example.org", When: m.when}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg + "\n", TreeHash: m.tree(files, ""), ParentHashes: parents}
	h := m.store(c)
	snap := map[string]string{}
	for k, v := range files {
		snap[k] = v
	}
	m.files[h] = snap
	return h
}

// edit returns a copy of the snapshot of commit c changed by fn.
func (m *memRepo) edit(c plumbing.Hash, fn func(files map[string]string)) map[string]string {
	out := map[string]string{}
	for k, v := range m.files[c] {
		out[k] = v
	}
	fn(out)
	return out
}

func (m *memRepo) tag(name string, h plumbing.Hash) {
	m.tb.Helper()
	if err := m.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewTagReferenceName(name), h)); err != nil {
		m.tb.Fatal(err)
	}
}

func (m *memRepo) branch(name string, h plumbing.Hash) {
	m.tb.Helper()
	ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), h)
	if err := m.repo.Storer.SetReference(ref); err != nil {
		m.tb.Fatal(err)
	}
	if name == "master" {
		if err := m.repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref.Name())); err != nil {
			m.tb.Fatal(err)
		}
	}
}

// lines returns n numbered source lines named after prefix, one per line.
func lines(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("int %s_%d = %d * %d;", prefix, i, i, len(prefix)))
	}
	return out
}

func text(ls ...[]string) string {
	var b strings.Builder
	for _, l := range ls {
		for _, x := range l {
			b.WriteString(x)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// replace returns ls with the line equal to old replaced by news.
func replace(ls []string, old string, news ...string) []string {
	var out []string
	found := false
	for _, l := range ls {
		if l == old && !found {
			out = append(out, news...)
			found = true
			continue
		}
		out = append(out, l)
	}
	if !found {
		panic("replace: no line " + old)
	}
	return out
}
