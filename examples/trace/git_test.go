package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// writeBare copies an in-memory repository into a new bare repository at dir.
func writeBare(t *testing.T, src *git.Repository, dir string) {
	t.Helper()
	dst, err := git.PlainInit(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	iter, err := src.Storer.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		t.Fatal(err)
	}
	if err := iter.ForEach(func(o plumbing.EncodedObject) error {
		_, err := dst.Storer.SetEncodedObject(o)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	refs, err := src.References()
	if err != nil {
		t.Fatal(err)
	}
	if err := refs.ForEach(func(r *plumbing.Reference) error { return dst.Storer.SetReference(r) }); err != nil {
		t.Fatal(err)
	}
}

func gitCmd(t *testing.T, gitBin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(gitBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// The command line with git sources: the upstream history as a bare
// repository (-upstream NAME=GITDIR@RANGE) and the origin as a dist-git
// repository at a ref (-from NAME=GITDIR@REF) give the same attribution
// as the built-in example; git itself agrees on the history's commit ids.
func TestGitSources(t *testing.T) {
	gitBin := testenv.Git(t)
	dir, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bare := greetBare(t)
	if got := gitCmd(t, gitBin, bare, "rev-parse", "v1.1^{commit}"); got != "3a6f41ec65bc2525b83b083f5f929b6da6122c45" {
		t.Errorf("git rev-parse v1.1 = %s", got)
	}
	if got := gitCmd(t, gitBin, bare, "fsck", "--strict"); strings.Contains(got, "error") {
		t.Errorf("git fsck: %s", got)
	}

	// The origin as a dist-git repository.
	distgit := filepath.Join(tmp, "c9s")
	gitCmd(t, gitBin, tmp, "init", "-q", "-b", "c9s", distgit)
	entries, err := os.ReadDir(filepath.Join(dir, "c9s"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, "c9s", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(distgit, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(t, gitBin, distgit, "add", ".")
	gitCmd(t, gitBin, distgit, "commit", "-q", "-m", "import greet-1.0-3.el9")

	got := decode(t, runTrace(t, "-json", "-target", "c9s",
		"-from", "c9s="+distgit+"@c9s",
		"-upstream", "greet="+bare+"@v1.0..main",
		filepath.Join(dir, "target")))
	want := decode(t, runTrace(t, "-json"))
	if len(got.Patches) != len(want.Patches) {
		t.Fatalf("%d patches, want %d", len(got.Patches), len(want.Patches))
	}
	for i, p := range got.Patches {
		w := want.Patches[i]
		if p.File != w.File || p.Own != w.Own || len(p.Origins) != len(w.Origins) {
			t.Errorf("%s: %+v, want %+v", p.File, p, w)
			continue
		}
		for j, o := range p.Origins {
			wo := w.Origins[j]
			if o.Origin != wo.Origin || o.Verdict != wo.Verdict || o.File != wo.File || o.Commit != wo.Commit {
				t.Errorf("%s: origin %+v, want %+v", p.File, o, wo)
			}
		}
	}
}
