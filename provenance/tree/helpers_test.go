package tree

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/ulikunitz/xz"
)

// file is one entry of a test tree: content, or a link target when link.
type file struct {
	data string
	exec bool
	link bool
}

// files is a test tree by path.
type files map[string]file

func (fs files) paths() []string {
	var ps []string
	for p := range fs {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// member is one raw tar member for hand-made (often hostile) tarballs.
type rawMember struct {
	hdr  tar.Header
	data string
}

// tarOf packs fs under the top directory top ("" for none) as a tar.
func tarOf(t testing.TB, top string, fs files) []byte {
	var ms []rawMember
	if top != "" {
		ms = append(ms, rawMember{hdr: tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755}})
	}
	for _, p := range fs.paths() {
		f := fs[p]
		name := p
		if top != "" {
			name = top + "/" + p
		}
		switch {
		case f.link:
			ms = append(ms, rawMember{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: f.data, Mode: 0o777}})
		default:
			mode := int64(0o644)
			if f.exec {
				mode = 0o755
			}
			ms = append(ms, rawMember{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(f.data))}, data: f.data})
		}
	}
	return rawTar(t, ms)
}

// rawTar writes members as they are.
func rawTar(t testing.TB, ms []rawMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.hdr
		if h.Typeflag != tar.TypeXGlobalHeader {
			h.ModTime = time.Unix(1e9, 0)
		}
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(m.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compress compresses b with the named format ("" keeps it as is).
func compress(t testing.TB, format string, b []byte) []byte {
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

// memTarball is a Tarball over bytes that counts how often it is opened.
func memTarball(name string, b []byte, lim Limits, opens *int) Tree {
	return Tarball(name, func() (io.ReadCloser, error) {
		if opens != nil {
			*opens++
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}, lim)
}

// writeDir writes fs under a new temporary directory.
func writeDir(t testing.TB, fs files) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range fs.paths() {
		f := fs[p]
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case f.link:
			err = os.Symlink(f.data, full)
		case f.exec:
			err = os.WriteFile(full, []byte(f.data), 0o755)
		default:
			err = os.WriteFile(full, []byte(f.data), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// memRepo is an in-memory git repository; commit records a tree.
type memRepo struct {
	t    testing.TB
	repo *git.Repository
	wt   *git.Worktree
	n    int
}

func newMemRepo(t testing.TB) *memRepo {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &memRepo{t: t, repo: repo, wt: wt}
}

// commit makes the work tree exactly fs and commits it; it returns the
// commit id.
func (m *memRepo) commit(msg string, fs files) string {
	m.t.Helper()
	old, _ := m.wt.Filesystem.ReadDir("/")
	for _, fi := range old {
		if err := removeAll(m.wt, fi.Name()); err != nil {
			m.t.Fatal(err)
		}
	}
	for _, p := range fs.paths() {
		f := fs[p]
		if err := m.wt.Filesystem.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			m.t.Fatal(err)
		}
		if f.link {
			if err := m.wt.Filesystem.Symlink(f.data, p); err != nil {
				m.t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		w, err := m.wt.Filesystem.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
		if err != nil {
			m.t.Fatal(err)
		}
		io.WriteString(w, f.data)
		w.Close()
	}
	if err := m.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		m.t.Fatal(err)
	}
	m.n++
	when := time.Unix(1.6e9+int64(m.n)*3600, 0).UTC()
	h, err := m.wt.Commit(msg, &git.CommitOptions{AllowEmptyCommits: true,
		Author: &object.Signature{Name: "A U Thor", Email: "a@example.org", When: when}})
	if err != nil {
		m.t.Fatal(err)
	}
	return h.String()
}

func removeAll(wt *git.Worktree, p string) error {
	fi, err := wt.Filesystem.Lstat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		sub, err := wt.Filesystem.ReadDir(p)
		if err != nil {
			return err
		}
		for _, s := range sub {
			if err := removeAll(wt, p+"/"+s.Name()); err != nil {
				return err
			}
		}
	}
	return wt.Filesystem.Remove(p)
}

// entriesOf lists a tree's entries, failing the test on error.
func entriesOf(t testing.TB, tr Tree) []Entry {
	t.Helper()
	es, err := tr.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// contents reads every regular file of tr.
func contents(t testing.TB, tr Tree) map[string]string {
	t.Helper()
	var ps []string
	for _, e := range entriesOf(t, tr) {
		if !e.IsLink() {
			ps = append(ps, e.Path)
		}
	}
	out := map[string]string{}
	if err := tr.Read(context.Background(), ps, func(p string, d []byte) error {
		out[p] = string(d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
