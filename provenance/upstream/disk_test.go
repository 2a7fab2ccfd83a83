package upstream

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/gitobj/gitobjtest"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestOpenDiskRepo(t *testing.T) {
	git := testenv.Git(t)
	dir := gitobjtest.MakeDiskRepo(t, git)
	gitobjtest.Run(t, dir, git, "tag", "-a", "-m", "annotated", "ann", "first")
	tagObj := strings.TrimSpace(gitobjtest.Run(t, dir, git, "rev-parse", "ann"))
	gitobjtest.Run(t, dir, git, "gc", "-q")
	bare := filepath.Join(t.TempDir(), "bare.git")
	gitobjtest.Run(t, dir, git, "clone", "-q", "--bare", dir, bare)
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
	dir := gitobjtest.MakeDiskRepo(t, git)
	shallow := filepath.Join(t.TempDir(), "shallow")
	gitobjtest.Run(t, dir, git, "clone", "-q", "--depth", "5", "file://"+dir, shallow)
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
