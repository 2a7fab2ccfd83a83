// Package treetest builds source trees for tests: file sets, tarballs
// (hand-made members included, for hostile archives) in every compression
// the tree readers take, directories, and in-memory git histories.
package treetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/ulikunitz/xz"
)

// File is one entry of a test tree: content, or a link target when Link.
type File struct {
	Data string
	Exec bool
	Link bool
}

// Files is a test tree by slash path.
type Files map[string]File

// Paths returns the paths, sorted.
func (fs Files) Paths() []string { return slices.Sorted(maps.Keys(fs)) }

// MapFS returns the tree as an fstest.MapFS (which reads links).
func (fs Files) MapFS() fstest.MapFS {
	m := fstest.MapFS{}
	for p, f := range fs {
		switch {
		case f.Link:
			m[p] = &fstest.MapFile{Data: []byte(f.Data), Mode: 0o777 | os.ModeSymlink}
		case f.Exec:
			m[p] = &fstest.MapFile{Data: []byte(f.Data), Mode: 0o755}
		default:
			m[p] = &fstest.MapFile{Data: []byte(f.Data), Mode: 0o644}
		}
	}
	return m
}

// Member is one raw tar member, for hand-made (often hostile) tarballs.
type Member struct {
	Hdr  tar.Header
	Data string
}

// Reg is a regular member.
func Reg(name, data string) Member {
	return Member{Hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, Data: data}
}

// Symlink is a symbolic link member.
func Symlink(name, target string) Member {
	return Member{Hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

// Tar packs fs under the top directory top ("" for none).
func Tar(t testing.TB, top string, fs Files) []byte {
	var ms []Member
	if top != "" {
		ms = append(ms, Member{Hdr: tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755}})
	}
	for _, p := range fs.Paths() {
		f := fs[p]
		name := p
		if top != "" {
			name = top + "/" + p
		}
		switch {
		case f.Link:
			ms = append(ms, Symlink(name, f.Data))
		default:
			m := Reg(name, f.Data)
			if f.Exec {
				m.Hdr.Mode = 0o755
			}
			ms = append(ms, m)
		}
	}
	return RawTar(t, ms)
}

// RawTar writes members as they are (a regular member's size is its
// data's when the header gives none).
func RawTar(t testing.TB, ms []Member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.Hdr
		if h.Typeflag != tar.TypeXGlobalHeader {
			h.ModTime = time.Unix(1e9, 0)
		}
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(m.Data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, m.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Compress compresses b as format: "" (as is), "gz", "xz", "zst" or
// "bz2" (with the bzip2 command, which testenv requires).
func Compress(t testing.TB, format string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch format {
	case "":
		return b
	case "gz":
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Close()
	case "zst":
		w, _ := zstd.NewWriter(nil)
		return w.EncodeAll(b, nil)
	case "bz2":
		bz := testenv.Tool(t, "bzip2", "apt-get install -y bzip2")
		cmd := exec.Command(bz, "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	default:
		t.Fatalf("unknown format %q", format)
	}
	return buf.Bytes()
}

// WriteDir writes fs under a new temporary directory and returns it.
func WriteDir(t testing.TB, fs Files) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range fs.Paths() {
		f := fs[p]
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case f.Link:
			err = os.Symlink(f.Data, full)
		case f.Exec:
			err = os.WriteFile(full, []byte(f.Data), 0o755)
		default:
			err = os.WriteFile(full, []byte(f.Data), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Numbered returns a file of n lines "NAME line I", with the lines of repl
// replaced by their text ("" deletes a line; a text may hold several).
func Numbered(name string, n int, repl map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if r, ok := repl[i]; ok {
			b.WriteString(r)
			continue
		}
		fmt.Fprintf(&b, "%s line %d\n", name, i)
	}
	return b.String()
}

// Edit replaces lines of numbered files: path -> 1-based line -> text
// (see Numbered).
type Edit map[string]map[int]string

// Version returns numbered files of the given line counts (path -> lines)
// with the edits applied, later edits of a line winning.
func Version(sizes map[string]int, es ...Edit) Files {
	merged := map[string]map[int]string{}
	for _, e := range es {
		for f, m := range e {
			if merged[f] == nil {
				merged[f] = map[int]string{}
			}
			maps.Copy(merged[f], m)
		}
	}
	out := Files{}
	for f, n := range sizes {
		out[f] = File{Data: Numbered(f, n, merged[f])}
	}
	return out
}

// Repo is an in-memory git repository with a work tree.
type Repo struct {
	t    testing.TB
	Repo *git.Repository
	wt   *git.Worktree
	n    int
}

// NewRepo returns an empty in-memory repository.
func NewRepo(t testing.TB) *Repo {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{t: t, Repo: repo, wt: wt}
}

// Commit makes the work tree exactly fs, commits it with message msg
// (one hour after the previous commit) and returns the commit id.
func (r *Repo) Commit(msg string, fs Files) string {
	r.t.Helper()
	old, _ := r.wt.Filesystem.ReadDir("/")
	for _, fi := range old {
		if err := r.removeAll(fi.Name()); err != nil {
			r.t.Fatal(err)
		}
	}
	for _, p := range fs.Paths() {
		f := fs[p]
		if err := r.wt.Filesystem.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if f.Link {
			if err := r.wt.Filesystem.Symlink(f.Data, p); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if f.Exec {
			mode = 0o755
		}
		w, err := r.wt.Filesystem.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
		if err != nil {
			r.t.Fatal(err)
		}
		io.WriteString(w, f.Data)
		w.Close()
	}
	if err := r.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	r.n++
	when := time.Unix(1.6e9+int64(r.n)*3600, 0).UTC()
	h, err := r.wt.Commit(msg, &git.CommitOptions{AllowEmptyCommits: true,
		Author: &object.Signature{Name: "A U Thor", Email: "a@example.org", When: when}})
	if err != nil {
		r.t.Fatal(err)
	}
	return h.String()
}

func (r *Repo) removeAll(p string) error {
	fi, err := r.wt.Filesystem.Lstat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		sub, err := r.wt.Filesystem.ReadDir(p)
		if err != nil {
			return err
		}
		for _, s := range sub {
			if err := r.removeAll(p + "/" + s.Name()); err != nil {
				return err
			}
		}
	}
	return r.wt.Filesystem.Remove(p)
}
