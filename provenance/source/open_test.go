package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	git "github.com/go-git/go-git/v5"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestOpenDispatch(t *testing.T) {
	ctx := context.Background()
	// A work tree on disk, made by go-git.
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	repo, err := git.PlainInit(work, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	h := buildHistory(t, newRepoBuilder(t, repo, wt.Filesystem))
	// uncommitted change: seen by the directory source, not by @ref
	if err := os.WriteFile(filepath.Join(work, "SOURCES", "new.patch"), []byte("N\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		loc     string
		layout  Layout
		commit  string
		hasNew  bool
		srcType string
	}{
		{work, SpecsSources, "", true, "*source.FSSource"},
		{work + "@master", SpecsSources, h["c6"].String(), false, "*source.GitSource"},
		{work + "@" + h["c2"].String()[:12], SpecsSources, h["c2"].String(), false, "*source.GitSource"},
		{work + "@", SpecsSources, h["c6"].String(), false, "*source.GitSource"},
		{filepath.Join(work, ".git") + "@side", SpecsSources, h["s1"].String(), false, "*source.GitSource"},
	} {
		s, err := Open("pkg", tc.loc, Options{})
		if err != nil {
			t.Errorf("Open(%s): %v", tc.loc, err)
			continue
		}
		if got := fmt.Sprintf("%T", s); got != tc.srcType {
			t.Errorf("Open(%s) = %s, want %s", tc.loc, got, tc.srcType)
		}
		p, err := s.Load(ctx)
		if err != nil {
			t.Errorf("%s: %v", tc.loc, err)
			continue
		}
		if p.Layout != tc.layout || p.Commit != tc.commit || (p.File("new.patch") != nil) != tc.hasNew || p.Origin != "pkg" {
			t.Errorf("%s: layout %v commit %s new %v", tc.loc, p.Layout, p.Commit, p.File("new.patch") != nil)
		}
		if p.File(".git/config") != nil || p.File("config") != nil {
			t.Errorf("%s: .git read as package files", tc.loc)
		}
	}

	// A linked work tree: .git is a "gitdir: PATH" file.
	linked := filepath.Join(dir, "linked")
	if err := os.MkdirAll(linked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(linked, ".git"), []byte("gitdir: ../work/.git\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Open("l", linked+"@master", Options{}); err != nil {
		t.Error(err)
	} else if p, err := s.Load(ctx); err != nil || p.Commit != h["c6"].String() {
		t.Errorf("linked: %v", err)
	}

	// An SRPM by path.
	if s, err := Open("srpm", testenv.CorpusFile(t, corpusSRPMs[1].file), Options{}); err != nil {
		t.Error(err)
	} else if _, ok := s.(*SRPMSource); !ok {
		t.Errorf("srpm opened as %T", s)
	}

	// Errors.
	for _, loc := range []string{"", filepath.Join(dir, "nothing"), filepath.Join(dir, "nothing") + "@main", dir + "@main"} {
		if s, err := Open("x", loc, Options{}); err == nil {
			t.Errorf("Open(%q) = %T, want an error", loc, s)
		}
	}
	plain := filepath.Join(dir, "file.txt")
	os.WriteFile(plain, []byte("x"), 0o644)
	if _, err := Open("x", plain, Options{}); err == nil {
		t.Error("plain file opened")
	}
	if s, err := Open("x", work+"@nosuch", Options{}); err != nil {
		t.Error(err)
	} else if _, err := s.Load(ctx); err == nil {
		t.Error("unknown ref loaded")
	}
	bad := filepath.Join(dir, "bad.src.rpm")
	os.WriteFile(bad, []byte("garbage"), 0o644)
	if s, err := Open("x", bad, Options{}); err != nil {
		t.Error(err)
	} else if _, err := s.Load(ctx); !errors.Is(err, ErrFormat) {
		t.Errorf("garbage srpm: %v", err)
	}
}

// TestDirSymlinkEscape checks that a directory source does not follow a
// symbolic link out of its directory.
func TestDirSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "secret")
	os.WriteFile(outside, []byte("secret"), 0o644)
	pkg := filepath.Join(dir, "pkg")
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(pkg, "p.spec"), []byte("Name: p\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(pkg, "link.patch")); err != nil {
		t.Skip("no symlinks:", err)
	}
	s, err := Dir("p", pkg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f := p.File("link.patch"); f != nil {
		t.Errorf("symlink read: %q", f.Data)
	}
}
