package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/progress"
)

// repoBuilder writes commits into a go-git repository.
type repoBuilder struct {
	t    testing.TB
	repo *git.Repository
	wt   *git.Worktree
	fs   billy.Filesystem
	when time.Time
}

func newRepoBuilder(t testing.TB, repo *git.Repository, fs billy.Filesystem) *repoBuilder {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &repoBuilder{t: t, repo: repo, wt: wt, fs: fs, when: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// commit writes files (nil data deletes) and commits; extra parents make a merge.
func (b *repoBuilder) commit(msg string, files map[string]string, parents ...plumbing.Hash) plumbing.Hash {
	b.t.Helper()
	for name, data := range files {
		if data == "\x00delete" {
			if _, err := b.wt.Remove(name); err != nil {
				b.t.Fatal(err)
			}
			continue
		}
		if err := b.fs.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.t.Fatal(err)
		}
		f, err := b.fs.Create(name)
		if err != nil {
			b.t.Fatal(err)
		}
		f.Write([]byte(data))
		f.Close()
		if _, err := b.wt.Add(name); err != nil {
			b.t.Fatal(err)
		}
	}
	b.when = b.when.Add(time.Hour)
	sig := &object.Signature{Name: "Packager", Email: "p@example.org", When: b.when}
	opts := &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}
	if len(parents) > 0 {
		head, err := b.repo.Head()
		if err != nil {
			b.t.Fatal(err)
		}
		opts.Parents = append([]plumbing.Hash{head.Hash()}, parents...)
	}
	h, err := b.wt.Commit(msg, opts)
	if err != nil {
		b.t.Fatal(err)
	}
	return h
}

func memRepo(t testing.TB) (*git.Repository, *repoBuilder) {
	fs := memfs.New()
	repo, err := git.Init(memory.NewStorage(), fs)
	if err != nil {
		t.Fatal(err)
	}
	return repo, newRepoBuilder(t, repo, fs)
}

// history builds: c1 adds spec+a+b; c2 changes a; side branch changes b
// and is merged (c4); c5 reverts a to its c1 content; c6 touches only spec.
func buildHistory(t *testing.T, b *repoBuilder) map[string]plumbing.Hash {
	h := map[string]plumbing.Hash{}
	h["c1"] = b.commit("import pkg-1.0-1.el9", map[string]string{
		"SPECS/pkg.spec": "Name: pkg\n", "SOURCES/a.patch": "A1\n", "SOURCES/b.patch": "B1\n", "SOURCES/old.patch": "O\n", ".pkg.metadata": strings.Repeat("0", 64) + " SOURCES/pkg.tar.gz\n",
	})
	h["c2"] = b.commit("a: v2", map[string]string{"SOURCES/a.patch": "A2\n"})
	// side branch from c2
	if err := b.wt.Checkout(&git.CheckoutOptions{Branch: "refs/heads/side", Create: true}); err != nil {
		t.Fatal(err)
	}
	h["s1"] = b.commit("b: side change", map[string]string{"SOURCES/b.patch": "B2\n"})
	if err := b.wt.Checkout(&git.CheckoutOptions{Branch: "refs/heads/master"}); err != nil {
		t.Fatal(err)
	}
	h["c3"] = b.commit("unrelated; drop old.patch", map[string]string{"README": "r\n", "SOURCES/old.patch": "\x00delete"})
	// merge side: bring b's content in
	h["c4"] = b.commit("merge side", map[string]string{"SOURCES/b.patch": "B2\n"}, h["s1"])
	h["c5"] = b.commit("a: back to v1", map[string]string{"SOURCES/a.patch": "A1\n"})
	h["c6"] = b.commit("bump release", map[string]string{"SPECS/pkg.spec": "Name: pkg\nRelease: 2\n", "SOURCES/c.patch": "C\n"})
	return h
}

func TestGitLoadAndIntroduced(t *testing.T) {
	repo, b := memRepo(t)
	h := buildHistory(t, b)
	if _, err := repo.CreateTag("imports/c9/pkg-1.0-1.el9", h["c1"], &git.CreateTagOptions{
		Tagger: &object.Signature{Name: "t", Email: "t@e", When: time.Unix(0, 0)}, Message: "annotated"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var last progress.Report
	s := FromRepository("mem", repo, "master", Options{History: true, Progress: func(p progress.Report) {
		if p.Stage == "history" {
			last = p
		}
	}})
	p, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Commit != h["c6"].String() || p.Layout != SpecsSources || p.SpecName != "SPECS/pkg.spec" {
		t.Fatalf("commit %s layout %v spec %s", p.Commit, p.Layout, p.SpecName)
	}
	want := map[string]string{
		"SOURCES/a.patch": "c5", // reverted content: the run starts at c5
		"SOURCES/b.patch": "c4", // first-parent: the merge brought it
		"SOURCES/c.patch": "c6",
		"README":          "c3",
	}
	for path, c := range want {
		f := p.File(path)
		if f == nil || f.Introduced == nil {
			t.Errorf("%s: no file or no Introduced", path)
			continue
		}
		if f.Introduced.Commit != h[c].String() {
			t.Errorf("%s introduced by %s, want %s (%s)", path, f.Introduced.Commit, h[c], c)
		}
	}
	if last.Total == 0 || last.Done != last.Total {
		t.Errorf("history progress: %+v", last)
	}
	if p.SpecIntroduced == nil || p.SpecIntroduced.Commit != h["c6"].String() || p.SpecIntroduced.Subject != "bump release" {
		t.Errorf("spec introduced %+v", p.SpecIntroduced)
	}

	// At the annotated tag, by abbreviated commit, and by branch.
	for ref, commit := range map[string]string{
		"imports/c9/pkg-1.0-1.el9": "c1",
		h["c2"].String()[:10]:      "c2",
		"side":                     "s1",
		"master~1":                 "c5",
	} {
		p, err := FromRepository("mem", repo, ref, Options{}).Load(ctx)
		if err != nil {
			t.Errorf("%s: %v", ref, err)
			continue
		}
		if p.Commit != h[commit].String() {
			t.Errorf("%s resolved to %s, want %s", ref, p.Commit, commit)
		}
	}
	if _, err := FromRepository("mem", repo, "nosuchref", Options{}).Load(ctx); err == nil {
		t.Error("bad ref: no error")
	}

	hist, err := s.History(ctx, "SOURCES/a.patch")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fc := range hist {
		for k, v := range h {
			if v.String() == fc.Commit {
				got = append(got, k)
			}
		}
	}
	if strings.Join(got, ",") != "c5,c2,c1" {
		t.Errorf("history of a.patch: %v", got)
	}

	// Bounded by date: c1..c3 are older than the bound (each commit is an
	// hour later than the one before; s1 is the 3rd, c3 the 4th).
	c4, err := repo.CommitObject(h["c4"])
	if err != nil {
		t.Fatal(err)
	}
	bounded := FromRepository("mem", repo, "master", Options{History: true, Since: c4.Committer.When})
	m, err := bounded.Introduced(ctx, []string{"SOURCES/a.patch", "README"})
	if err != nil {
		t.Fatal(err)
	}
	if m["README"].Commit != h["c4"].String() || m["SOURCES/a.patch"].Commit != h["c5"].String() {
		t.Errorf("bounded: README %s a.patch %s", m["README"].Commit, m["SOURCES/a.patch"].Commit)
	}
	hb, err := bounded.History(ctx, "SOURCES/a.patch")
	if err != nil || len(hb) != 2 || hb[0].Commit != h["c5"].String() || hb[1].Commit != h["c4"].String() {
		t.Errorf("bounded history: %+v %v", hb, err)
	}
}

// TestGitOnDiskBareMatchesGitLog builds a bare repository on disk with
// go-git and checks History against `git log --first-parent -- PATH`.
func TestGitOnDiskBareMatchesGitLog(t *testing.T) {
	gitBin := testenv.Git(t)
	bare := filepath.Join(t.TempDir(), "pkg.git")
	// Objects and refs on disk in a bare git directory; the work tree
	// used to build commits lives in memory.
	st := filesystem.NewStorage(osfs.New(bare), cache.NewObjectLRUDefault())
	wfs := memfs.New()
	repo, err := git.Init(st, wfs)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Core.IsBare = true
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	h := buildHistory(t, newRepoBuilder(t, repo, wfs))

	src, err := Open("bare", bare+"@master", Options{History: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Commit != h["c6"].String() {
		t.Fatalf("commit %s", p.Commit)
	}
	gs := src.(*GitSource)
	for _, path := range []string{"SOURCES/a.patch", "SOURCES/b.patch", "SPECS/pkg.spec", "README", "SOURCES/c.patch", "SOURCES/none", "SOURCES/old.patch"} {
		hist, err := gs.History(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fc := range hist {
			got = append(got, fc.Commit)
		}
		out, err := exec.Command(gitBin, "--git-dir", bare, "log", "--first-parent", "--format=%H", "master", "--", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Fields(string(out))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: History %v, git log %v", path, got, want)
		}
		if f := p.File(path); f != nil && (f.Introduced == nil || f.Introduced.Commit != want[0]) {
			t.Errorf("%s: Introduced %+v, want %s", path, f.Introduced, want[0])
		}
		if path == "SOURCES/old.patch" && (len(hist) != 2 || hist[0].Blob != "" || hist[0].Commit != h["c3"].String() || hist[1].Blob == "") {
			t.Errorf("deleted file history %+v", hist)
		}
	}
}

// TestTreeFS checks TreeFS against the fs.FS conformance test.
func TestTreeFS(t *testing.T) {
	repo, b := memRepo(t)
	h := buildHistory(t, b)
	c, err := repo.CommitObject(h["c6"])
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	fsys := TreeFS(tree)
	if err := fstest.TestFS(fsys, "SPECS/pkg.spec", "SOURCES/a.patch", "SOURCES/b.patch", "SOURCES/c.patch", "README", ".pkg.metadata"); err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(fsys, "SOURCES/b.patch")
	if err != nil || string(data) != "B2\n" {
		t.Errorf("ReadFile: %q %v", data, err)
	}
}

// TestRealDistGit checks a real dist-git repository given as GITDIR@REF in
// $PATCHTRACE_DISTGIT (e.g. a clone of github.com/openela-main/expat at
// el8): every file's History and Introduced agree with
// `git log --first-parent`. Skipped when the variable is unset.
func TestRealDistGit(t *testing.T) {
	loc := os.Getenv("PATCHTRACE_DISTGIT")
	if loc == "" {
		t.Skip("PATCHTRACE_DISTGIT not set")
	}
	gitBin := testenv.Git(t)
	s, err := Open("real", loc, Options{History: true})
	if err != nil {
		t.Fatal(err)
	}
	gs, ok := s.(*GitSource)
	if !ok {
		t.Fatalf("%s opened as %T", loc, s)
	}
	defer gs.Close()
	p, err := gs.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(loc, '@')
	gitDir, ref := loc[:i], loc[i+1:]
	paths := []string{p.SpecName}
	for _, f := range p.Files {
		paths = append(paths, f.Path)
	}
	for _, path := range paths {
		out, err := exec.Command(gitBin, "--git-dir", gitDir, "log", "--first-parent", "--format=%H", ref, "--", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Fields(string(out))
		hist, err := gs.History(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fc := range hist {
			got = append(got, fc.Commit)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: History %v, git log %v", path, got, want)
		}
		intro := p.SpecIntroduced
		if f := p.File(path); f != nil && path != p.SpecName {
			intro = f.Introduced
		}
		if len(want) > 0 && (intro == nil || intro.Commit != want[0]) {
			t.Errorf("%s: Introduced %+v, want %s", path, intro, want[0])
		}
	}
	t.Logf("%s: %d files, commit %s", loc, len(p.Files), p.Commit)
}

// TestGitMissingBlob: a blob absent from the object store (a partial
// clone) gives a Missing file, not a failed load; a missing spec fails.
func TestGitMissingBlob(t *testing.T) {
	st := memory.NewStorage()
	wfs := memfs.New()
	repo, err := git.Init(st, wfs)
	if err != nil {
		t.Fatal(err)
	}
	b := newRepoBuilder(t, repo, wfs)
	h := buildHistory(t, b)
	c, _ := repo.CommitObject(h["c6"])
	tree, _ := c.Tree()
	drop := func(p string) {
		e, err := tree.FindEntry(p)
		if err != nil {
			t.Fatal(err)
		}
		delete(st.ObjectStorage.Objects, e.Hash)
	}
	drop("SOURCES/c.patch")
	p, err := FromRepository("partial", repo, "master", Options{History: true}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := p.File("c.patch")
	if f == nil || !f.Missing || !f.Omitted || f.Data != nil || f.Size != -1 || f.Introduced == nil || f.Introduced.Commit != h["c6"].String() {
		t.Errorf("missing blob: %+v", f)
	}
	drop("SPECS/pkg.spec")
	if _, err := FromRepository("partial", repo, "master", Options{}).Load(context.Background()); !errors.Is(err, ErrMissing) {
		t.Errorf("missing spec: %v", err)
	}
}

// TestHistoryCurlMatchesGitLog compares History with
// `git log --first-parent` on curl/curl's real history (31k first-parent
// commits to tag curl-8_5_0), renames and deletions included. Set
// PATCHTRACE_CURL_GIT to a bare clone; skipped otherwise.
func TestHistoryCurlMatchesGitLog(t *testing.T) {
	dir := os.Getenv("PATCHTRACE_CURL_GIT")
	if dir == "" {
		t.Skip("PATCHTRACE_CURL_GIT not set")
	}
	gitBin := testenv.Git(t)
	s, err := GitDir("curl", dir, "curl-8_5_0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	paths := []string{"lib/url.c", "lib/vtls/openssl.c", "lib/hostcheck.c", "docs/THANKS"}
	for _, path := range paths {
		hist, err := s.History(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fc := range hist {
			got = append(got, fc.Commit)
		}
		out, err := exec.Command(gitBin, "--git-dir", dir, "log", "--first-parent", "--format=%H", "curl-8_5_0", "--", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %d commits, git log %d", path, len(got), len(want))
		}
	}
	m, err := s.Introduced(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		out, err := exec.Command(gitBin, "--git-dir", dir, "log", "-1", "--first-parent", "--format=%H", "curl-8_5_0", "--", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if path == "lib/hostcheck.c" { // gone at curl-8_5_0 (moved to lib/vtls/)
			if m[path] != nil {
				t.Errorf("%s: absent at the ref but Introduced %+v", path, m[path])
			}
			continue
		}
		if m[path] == nil || m[path].Commit != strings.TrimSpace(string(out)) {
			t.Errorf("%s: Introduced %+v, git %s", path, m[path], out)
		}
	}
}
