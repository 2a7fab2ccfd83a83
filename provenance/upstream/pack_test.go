package upstream

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// makeDiskRepo builds a repository with git itself: a file rewritten over
// many commits (so that packing makes long delta chains), a binary file,
// and nested directories.
func makeDiskRepo(t *testing.T, git string) string {
	dir := t.TempDir()
	run(t, dir, git, "init", "-q", "-b", "main")
	var body []string
	for i := 0; i < 400; i++ {
		body = append(body, fmt.Sprintf("static int value_%d = %d; /* line %d of a long file */", i, i*i, i))
	}
	for c := 0; c < 40; c++ {
		body[(c*37)%len(body)] = fmt.Sprintf("static int value_%d = %d; /* changed in %d */", c, c, c)
		body = append(body[:c+3], append([]string{fmt.Sprintf("int added_%d;", c)}, body[c+3:]...)...)
		if err := os.MkdirAll(filepath.Join(dir, "src", "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "src", "sub", "big.c"), []byte(strings.Join(body, "\n")+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "data.bin"), []byte{0, 1, 2, byte(c), 0, 9}, 0o644)
		os.WriteFile(filepath.Join(dir, "README"), []byte(fmt.Sprintf("version %d\n", c)), 0o644)
		run(t, dir, git, "add", "-A")
		run(t, dir, git, "commit", "-q", "-m", fmt.Sprintf("change %d", c))
		if c == 0 {
			run(t, dir, git, "tag", "first")
		}
	}
	return dir
}

// allObjects returns every object of the repository as git cat-file sees it.
func allObjects(t *testing.T, git, dir string) map[plumbing.Hash][]byte {
	cmd := exec.Command(git, "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	objs := map[plumbing.Hash][]byte{}
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
		objs[plumbing.NewHash(f[0])] = data[:n]
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

// checkPackReader compares every object read through the direct pack
// reader with git cat-file.
func checkPackReader(t *testing.T, git, dir string) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.packs == nil {
		t.Fatal("no packs opened")
	}
	objs := allObjects(t, git, dir)
	if len(objs) < 100 {
		t.Fatalf("only %d objects", len(objs))
	}
	for h, want := range objs {
		_, got, err := r.packs.read(h, maxBlobSize)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: content differs from git cat-file (%d vs %d bytes)", h, len(got), len(want))
		}
	}
}

func TestPackReaderMatchesGit(t *testing.T) {
	git := testenv.Git(t)
	dir := makeDiskRepo(t, git)
	// Offset deltas, deep chains.
	run(t, dir, git, "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50")
	checkPackReader(t, git, dir)
	// Reference deltas.
	run(t, dir, git, "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50")
	checkPackReader(t, git, dir)
}

func TestOpenDiskRepo(t *testing.T) {
	git := testenv.Git(t)
	dir := makeDiskRepo(t, git)
	run(t, dir, git, "tag", "-a", "-m", "annotated", "ann", "first")
	tagObj := strings.TrimSpace(run(t, dir, git, "rev-parse", "ann"))
	run(t, dir, git, "gc", "-q")
	bare := filepath.Join(t.TempDir(), "bare.git")
	run(t, dir, git, "clone", "-q", "--bare", dir, bare)
	for _, d := range []string{dir, bare} {
		r, err := Open(d)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := r.Index(context.Background(), tagObj+"..main", []string{"a/src/sub/big.c", "b/README", "a/data.bin"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		st := ix.Stats()
		// 39 commits after "first"; data.bin is binary: opaque.
		if st.Commits != 39 || st.Touching != 39 || st.TrackedPaths != 3 || st.Opaque == 0 {
			t.Errorf("%s: %+v", d, st)
		}
		r.Close()
	}
}

func TestShallowClone(t *testing.T) {
	git := testenv.Git(t)
	dir := makeDiskRepo(t, git)
	shallow := filepath.Join(t.TempDir(), "shallow")
	run(t, dir, git, "clone", "-q", "--depth", "5", "file://"+dir, shallow)
	r, err := Open(shallow)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ix, err := r.Index(context.Background(), "HEAD", []string{"a/src/sub/big.c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The boundary commit's parent is absent: its change is unknown.
	if st := ix.Stats(); st.Commits != 5 || st.Touching != 4 || st.MissingObject == 0 {
		t.Errorf("shallow: %+v", st)
	}
}
