package gitobj

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/patchtrace/patchtrace/internal/gitobj/gitobjtest"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

// catObject is one object as git cat-file shows it.
type catObject struct {
	typ  plumbing.ObjectType
	data []byte
}

// allObjects returns every object of the repository as git cat-file sees it.
func allObjects(t *testing.T, git, dir string) map[plumbing.Hash]catObject {
	cmd := exec.Command(git, "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	objs := map[plumbing.Hash]catObject{}
	br := bufio.NewReader(bytes.NewReader(out))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			break
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("cat-file line %q", line)
		}
		n, _ := strconv.Atoi(f[2])
		data := make([]byte, n+1) // content and its trailing newline
		if _, err := ioReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		typ, err := plumbing.ParseObjectType(f[1])
		if err != nil {
			t.Fatal(err)
		}
		objs[plumbing.NewHash(f[0])] = catObject{typ, data[:n]}
	}
	return objs
}

func ioReadFull(br *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// openStore opens the repository of the work tree dir; both are closed
// when the test ends.
func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	gitdir := filepath.Join(dir, ".git")
	st := filesystem.NewStorageWithOptions(osfs.New(gitdir), cache.NewObjectLRU(cache.MiByte), filesystem.Options{})
	t.Cleanup(func() { st.Close() })
	s, err := New(st, gitdir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkPackReader compares every object read through the direct pack
// reader with git cat-file.
func checkPackReader(t *testing.T, git, dir string) {
	t.Helper()
	s := openStore(t, dir)
	if s.packs == nil {
		t.Fatal("no packs opened")
	}
	objs := allObjects(t, git, dir)
	if len(objs) < 100 {
		t.Fatalf("only %d objects", len(objs))
	}
	for h, o := range objs {
		_, got, err := s.packs.read(h, 1<<30)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s: content differs from git cat-file (%d vs %d bytes)", h, len(got), len(o.data))
		}
		// Through the Store, with the type checked.
		if got, err := s.Read(o.typ, h, 1<<30); err != nil || !bytes.Equal(got, o.data) {
			t.Fatalf("Read %s %s: %v", o.typ, h, err)
		}
		if o.typ == plumbing.CommitObject {
			c, err := s.ReadCommit(h)
			if err != nil || c.Hash != h || c.Tree.IsZero() || c.Author.Name != "T" || c.Committer.Email != "t@example.org" {
				t.Fatalf("ReadCommit %s = %+v, %v", h, c, err)
			}
		}
	}
}

func TestPackReaderMatchesGit(t *testing.T) {
	git := testenv.Git(t)
	dir := gitobjtest.MakeDiskRepo(t, git)
	// Offset deltas, deep chains.
	gitobjtest.Run(t, dir, git, "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50")
	checkPackReader(t, git, dir)
	// Reference deltas.
	gitobjtest.Run(t, dir, git, "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50")
	checkPackReader(t, git, dir)
}

func TestReadErrors(t *testing.T) {
	git := testenv.Git(t)
	dir := gitobjtest.MakeDiskRepo(t, git)
	// Loose objects only: everything goes through go-git.
	s := openStore(t, dir)
	head := plumbing.NewHash(strings.TrimSpace(gitobjtest.Run(t, dir, git, "rev-parse", "HEAD")))
	c, err := s.ReadCommit(head)
	if err != nil || len(c.Parents) != 1 || c.Subject != "change 39" {
		t.Fatalf("ReadCommit(HEAD) = %+v, %v", c, err)
	}
	if _, err := s.Read(plumbing.BlobObject, head, 1<<20); err == nil {
		t.Error("reading a commit as a blob: no error")
	}
	if _, err := s.Read(plumbing.CommitObject, head, 10); !errors.Is(err, ErrTooBig) {
		t.Errorf("10-byte limit: %v, want ErrTooBig", err)
	}
	if _, err := s.ReadCommit(plumbing.NewHash("0123456789012345678901234567890123456789")); !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Errorf("missing commit: %v, want ErrObjectNotFound", err)
	}
	raw, err := s.Read(plumbing.TreeObject, c.Tree, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	kinds := map[string]Kind{}
	if err := ScanTree(raw, func(mode, name []byte, _ plumbing.Hash) bool {
		names = append(names, string(name))
		kinds[string(name)] = KindOf(mode)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "README data.bin src" || kinds["src"] != Tree || kinds["README"] != Blob {
		t.Errorf("tree entries %v kinds %v", names, kinds)
	}
	gitobjtest.Run(t, dir, git, "repack", "-a", "-d", "-q")
	if _, err := openStore(t, dir).Read(plumbing.BlobObject, head, 1<<20); !errors.Is(err, ErrWrongType) {
		t.Errorf("packed commit read as a blob: %v, want ErrWrongType", err)
	}
}
