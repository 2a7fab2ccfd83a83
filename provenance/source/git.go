package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/patchtrace/patchtrace/internal/gitobj"
	"github.com/patchtrace/patchtrace/progress"
)

// FileCommit is a commit that gave a file its content, on the first-parent
// line of a git source.
type FileCommit struct {
	// Path is the file's path in the repository.
	Path string
	// Commit is the commit's full hex id.
	Commit string
	// Blob is the hex id of the file's content as of Commit ("" when
	// Commit deleted the file).
	Blob string
	// Author and Email are the commit's author.
	Author, Email string
	// Date is the author date.
	Date time.Time
	// Subject is the first line of the commit message.
	Subject string
}

// GitSource reads a dist-git repository at a ref (branch, tag or commit,
// full or abbreviated; any revision go-git resolves, e.g. "el9~3"). The ref
// is resolved on first use and the source stays on that commit. Its
// methods may be called from several goroutines (they are serialised).
type GitSource struct {
	name string
	dir  string // git dir, when opened from disk
	ref  string
	opts Options

	mu      sync.Mutex      // serialises use of repo
	repo    *git.Repository // given, or opened on first use
	objects *gitobj.Store   // raw object reader over repo
	closer  func() error    // closes repo's storage when we opened it
	commit  plumbing.Hash   // ref resolved on first use
}

// GitDir returns a Source reading the repository at dir (a bare git
// directory, or a work tree holding .git) at ref. The repository is opened
// on first use, with an object LRU cache and pack file descriptors kept
// open (DESIGN §6), and stays open for later Load, History and Introduced
// calls until Close.
func GitDir(name, dir, ref string, opts Options) (*GitSource, error) {
	gd, err := findGitDir(dir)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	if ref == "" {
		ref = "HEAD"
	}
	return &GitSource{name: name, dir: gd, ref: ref, opts: opts.withDefaults()}, nil
}

// FromRepository returns a Source reading an already open repository
// (e.g. an in-memory one) at ref.
func FromRepository(name string, repo *git.Repository, ref string, opts Options) *GitSource {
	if ref == "" {
		ref = "HEAD"
	}
	return &GitSource{name: name, repo: repo, ref: ref, opts: opts.withDefaults()}
}

// findGitDir returns the git directory for dir: dir/.git (a directory, or
// a "gitdir: PATH" file), or dir itself when it is a bare repository.
func findGitDir(dir string) (string, error) {
	dotgit := filepath.Join(dir, ".git")
	if fi, err := os.Stat(dotgit); err == nil {
		if fi.IsDir() {
			return dotgit, nil
		}
		b, err := os.ReadFile(dotgit)
		if err != nil {
			return "", err
		}
		line := strings.TrimSpace(string(b))
		if p, ok := strings.CutPrefix(line, "gitdir:"); ok {
			p = strings.TrimSpace(p)
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			return p, nil
		}
		return "", fmt.Errorf("%s: not a gitdir file", dotgit)
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		if fi, err := os.Stat(filepath.Join(dir, "objects")); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%s: not a git repository (no .git, no HEAD+objects)", dir)
}

// Name returns the name given to the source.
func (s *GitSource) Name() string { return s.name }

// Location returns GITDIR@REF.
func (s *GitSource) Location() string {
	if s.dir == "" {
		return s.name + "@" + s.ref
	}
	return cleanLocation(s.dir) + "@" + s.ref
}

// open locks s and returns the repository, opening it on first use, and
// the function that unlocks s.
func (s *GitSource) open() (*git.Repository, func(), error) {
	s.mu.Lock()
	if s.repo != nil {
		if s.objects == nil {
			s.objects, _ = gitobj.New(s.repo.Storer, "", 0) // no packs to open: cannot fail
		}
		return s.repo, s.mu.Unlock, nil
	}
	st := filesystem.NewStorageWithOptions(osfs.New(s.dir),
		cache.NewObjectLRU(cache.FileSize(s.opts.ObjectCacheSize)),
		filesystem.Options{KeepDescriptors: true})
	repo, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("%s: %w", s.dir, err)
	}
	objs, err := gitobj.New(st, s.dir, packCacheSize)
	if err != nil {
		st.Close()
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("%s: %w", s.dir, err)
	}
	s.repo, s.objects = repo, objs
	s.closer = func() error {
		objs.Close()
		return st.Close()
	}
	return repo, s.mu.Unlock, nil
}

// Close releases the pack files and caches of a repository GitSource
// opened (a repository given to FromRepository is left alone). The source
// stays usable: a later call opens the repository again.
func (s *GitSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closer == nil {
		return nil
	}
	err := s.closer()
	s.repo, s.objects, s.closer = nil, nil, nil
	return err
}

// resolve returns the commit s.ref names. The ref is resolved once: every
// later call of the source sees the same commit.
func (s *GitSource) resolve(repo *git.Repository) (*object.Commit, error) {
	if !s.commit.IsZero() {
		return repo.CommitObject(s.commit)
	}
	h, err := repo.ResolveRevision(plumbing.Revision(s.ref))
	if err != nil {
		// a branch known only as a remote-tracking one
		h2, err2 := repo.ResolveRevision(plumbing.Revision("refs/remotes/origin/" + s.ref))
		if err2 != nil {
			if errors.Is(err, io.EOF) {
				// go-git ran out of parents walking ~N or ^N
				err = fmt.Errorf("the history has no commit that far back (%w)", err)
			}
			return nil, fmt.Errorf("ref %q: %w", s.ref, err)
		}
		h = h2
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("ref %q: %w", s.ref, err)
	}
	s.commit = c.Hash
	return c, nil
}

// Load reads the tree of the resolved commit like a directory (see
// FromFS). With Options.History, every File gets Introduced.
func (s *GitSource) Load(ctx context.Context) (*Package, error) {
	repo, done, err := s.open()
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	defer done()
	c, err := s.resolve(repo)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("source %q: commit %s: %w", s.name, c.Hash, err)
	}
	p, err := loadFS(ctx, TreeFS(tree), &s.opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: commit %s: %w", s.name, c.Hash, err)
	}
	p.reopen = func(ctx context.Context, name string) (io.ReadCloser, error) {
		// the repository's pack readers are not safe for concurrent use:
		// the blob reader holds the source's lock until it is closed
		_, done, err := s.open()
		if err != nil {
			return nil, err
		}
		rc, err := reopenFS(TreeFS(tree))(ctx, name)
		if err != nil {
			done()
			return nil, err
		}
		return &unlockOnClose{rc, done}, nil
	}
	p.Origin, p.Location, p.Commit = s.name, s.Location(), c.Hash.String()
	if s.opts.History {
		paths := make([]string, 0, len(p.Files)+1)
		paths = append(paths, p.SpecName)
		for _, f := range p.Files {
			paths = append(paths, f.Path)
		}
		m, err := introduced(ctx, repo, s.objects, c, paths, &s.opts)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.name, err)
		}
		for i := range p.Files {
			p.Files[i].Introduced = m[p.Files[i].Path]
		}
		p.SpecIntroduced = m[p.SpecName]
	}
	return p, nil
}

// unlockOnClose releases a lock when its reader is closed.
type unlockOnClose struct {
	io.ReadCloser
	unlock func()
}

func (u *unlockOnClose) Close() error {
	err := u.ReadCloser.Close()
	u.unlock()
	return err
}

// Introduced returns, for each path present at the ref, the commit that
// introduced its current content: walking first-parent from the ref, the
// oldest commit of the unbroken run in which the path's tree entry has
// its current hash. One walk serves all paths; it stops as soon as every
// path is settled. Paths absent at the ref are absent from the map.
func (s *GitSource) Introduced(ctx context.Context, paths []string) (map[string]*FileCommit, error) {
	repo, done, err := s.open()
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	defer done()
	c, err := s.resolve(repo)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	m, err := introduced(ctx, repo, s.objects, c, paths, &s.opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	return m, nil
}

// History returns the commits that changed path on the first-parent line
// from the ref, newest first: each commit at which the path's tree entry
// differs from the one in its first parent (or that has no parent and
// holds the path) — the commits `git log --first-parent -- PATH` lists.
// A commit that deleted the path has Blob "". When the path exists at the
// ref, the first element is the commit that introduced its current
// content. Options.Since bounds the walk.
func (s *GitSource) History(ctx context.Context, path string) ([]FileCommit, error) {
	repo, done, err := s.open()
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	defer done()
	c, err := s.resolve(repo)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	w := newWalker(s.objects)
	var out []FileCommit
	emit := func(ci commitInfo, blob plumbing.Hash) error {
		full, err := repo.CommitObject(ci.hash)
		if err != nil {
			return err
		}
		out = append(out, fileCommit(path, full, blob))
		return nil
	}
	cur, err := w.commit(c.Hash)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	var child commitInfo
	var childHash plumbing.Hash
	haveChild := false
	n := int64(0)
	for ok := true; ok; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n++
		if n%256 == 0 {
			s.opts.Progress.Send(progress.Report{Stage: "history", Done: n, Detail: cur.hash.String()})
		}
		h, err := w.entryHash(cur.tree, path)
		if err != nil {
			return nil, fmt.Errorf("source %q: commit %s: %w", s.name, cur.hash, err)
		}
		if haveChild && h != childHash {
			if err := emit(child, childHash); err != nil {
				return nil, fmt.Errorf("source %q: %w", s.name, err)
			}
		}
		child, childHash, haveChild = cur, h, true
		cur, ok, err = w.firstParent(cur, s.opts.Since)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.name, err)
		}
	}
	if haveChild && !childHash.IsZero() {
		if err := emit(child, childHash); err != nil {
			return nil, fmt.Errorf("source %q: %w", s.name, err)
		}
	}
	s.opts.Progress.Send(progress.Report{Stage: "history", Done: n, Total: n})
	return out, nil
}

func fileCommit(p string, c *object.Commit, blob plumbing.Hash) FileCommit {
	subj, _, _ := strings.Cut(c.Message, "\n")
	b := ""
	if !blob.IsZero() {
		b = blob.String()
	}
	return FileCommit{
		Path: p, Commit: c.Hash.String(), Blob: b,
		Author: c.Author.Name, Email: c.Author.Email, Date: c.Author.When,
		Subject: strings.TrimSpace(subj),
	}
}

// introduced walks first-parent from c for all paths at once.
func introduced(ctx context.Context, repo *git.Repository, objs *gitobj.Store, c *object.Commit, paths []string, o *Options) (map[string]*FileCommit, error) {
	w := newWalker(objs)
	type state struct {
		path string
		hash plumbing.Hash
		last plumbing.Hash // oldest commit seen with this content
	}
	var pending []*state
	for _, p := range paths {
		h, err := w.entryHash(c.TreeHash, p)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
		}
		if !h.IsZero() {
			pending = append(pending, &state{path: p, hash: h, last: c.Hash})
		}
	}
	out := make(map[string]*FileCommit, len(pending))
	full := map[plumbing.Hash]*object.Commit{}
	settle := func(s *state) error {
		fc, ok := full[s.last]
		if !ok {
			var err error
			if fc, err = repo.CommitObject(s.last); err != nil {
				return err
			}
			full[s.last] = fc
		}
		f := fileCommit(s.path, fc, s.hash)
		out[s.path] = &f
		return nil
	}
	cur, err := w.commit(c.Hash)
	if err != nil {
		return nil, err
	}
	n := int64(1)
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		parent, ok, err := w.firstParent(cur, o.Since)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		n++
		if n%256 == 0 {
			o.Progress.Send(progress.Report{Stage: "history", Done: n, Detail: parent.hash.String()})
		}
		if parent.tree == cur.tree {
			for _, s := range pending {
				s.last = parent.hash
			}
			cur = parent
			continue
		}
		keep := pending[:0]
		for _, s := range pending {
			h, err := w.entryHash(parent.tree, s.path)
			if err != nil {
				return nil, fmt.Errorf("commit %s: %w", parent.hash, err)
			}
			if h == s.hash {
				s.last = parent.hash
				keep = append(keep, s)
			} else if err := settle(s); err != nil {
				return nil, err
			}
		}
		pending = keep
		cur = parent
	}
	for _, s := range pending {
		if err := settle(s); err != nil {
			return nil, err
		}
	}
	o.Progress.Send(progress.Report{Stage: "history", Done: n, Total: n})
	return out, nil
}

// commitInfo is what a history walk needs of a commit, read from the raw
// object without decoding its message.
type commitInfo struct {
	hash, tree, parent plumbing.Hash
	hasParent          bool
	when               time.Time // committer date
}

// commit reads commit h's tree, first parent and committer date.
func (w *walker) commit(h plumbing.Hash) (commitInfo, error) {
	c, err := w.objs.ReadCommit(h)
	if err != nil {
		if errors.Is(err, gitobj.ErrMalformed) {
			return commitInfo{hash: h}, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		return commitInfo{hash: h}, err
	}
	ci := commitInfo{hash: h, tree: c.Tree, when: time.Unix(c.Committer.When, 0)}
	if len(c.Parents) > 0 {
		ci.parent, ci.hasParent = c.Parents[0], true
	}
	return ci, nil
}

// firstParent returns c's first parent; false at the root, at the edge of
// a shallow clone, or when the parent was committed before since.
func (w *walker) firstParent(c commitInfo, since time.Time) (commitInfo, bool, error) {
	if !c.hasParent {
		return commitInfo{}, false, nil
	}
	p, err := w.commit(c.parent)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return commitInfo{}, false, nil // shallow clone: history ends here
		}
		return commitInfo{}, false, fmt.Errorf("parent of %s: %w", c.hash, err)
	}
	if !since.IsZero() && p.when.Before(since) {
		return commitInfo{}, false, nil
	}
	return p, true, nil
}

// walker looks up tree entries by path, scanning raw tree objects (no
// decoding into entries), with a bounded cache of raw trees and a memo of
// (tree, remaining path) → entry hash: a subtree that did not change
// between commits answers without being read again.
type walker struct {
	objs  *gitobj.Store
	trees map[plumbing.Hash]*rawTree
	size  int
	memo  map[memoKey]plumbing.Hash
}

// rawTree is a tree object's content; trees searched often get an index.
type rawTree struct {
	raw   []byte
	hits  int
	index map[string]treeRef
}

type treeRef struct {
	hash plumbing.Hash
	dir  bool
}

// indexAfter is how many lookups of one tree make it worth indexing.
const indexAfter = 8

type memoKey struct {
	tree plumbing.Hash
	path string
}

const (
	maxCachedTreeBytes = 64 << 20
	maxMemo            = 1 << 18
	maxTreeSize        = 16 << 20 // larger tree objects are refused
	packCacheSize      = 64 << 20 // resolved pack objects kept (gitobj)
)

func newWalker(objs *gitobj.Store) *walker {
	return &walker{objs: objs, trees: make(map[plumbing.Hash]*rawTree), memo: make(map[memoKey]plumbing.Hash)}
}

// tree returns tree object h.
func (w *walker) tree(h plumbing.Hash) (*rawTree, error) {
	if t, ok := w.trees[h]; ok {
		return t, nil
	}
	b, err := w.objs.Read(plumbing.TreeObject, h, maxTreeSize)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	if w.size+2*len(b) > maxCachedTreeBytes {
		clear(w.trees)
		w.size = 0
	}
	t := &rawTree{raw: b}
	w.trees[h] = t
	w.size += 2 * len(b) // room for an index
	return t, nil
}

// eachEntry calls fn for each entry of a raw tree until fn returns false.
func eachEntry(tree []byte, fn func(name []byte, h plumbing.Hash, dir bool) bool) error {
	err := gitobj.ScanTree(tree, func(mode, name []byte, h plumbing.Hash) bool {
		return fn(name, h, gitobj.KindOf(mode) == gitobj.Tree)
	})
	if err != nil {
		return fmt.Errorf("%w: corrupt tree object: %w", ErrFormat, err)
	}
	return nil
}

// find returns the entry called name.
func (t *rawTree) find(name string) (treeRef, bool, error) {
	t.hits++
	if t.index == nil && t.hits > indexAfter {
		t.index = make(map[string]treeRef)
		if err := eachEntry(t.raw, func(n []byte, h plumbing.Hash, dir bool) bool {
			t.index[string(n)] = treeRef{h, dir}
			return true
		}); err != nil {
			return treeRef{}, false, err
		}
	}
	if t.index != nil {
		r, ok := t.index[name]
		return r, ok, nil
	}
	var ref treeRef
	found := false
	err := eachEntry(t.raw, func(n []byte, h plumbing.Hash, dir bool) bool {
		if string(n) == name {
			ref, found = treeRef{h, dir}, true
			return false
		}
		return true
	})
	return ref, found, err
}

// entryHash returns the hash of the entry at p in the tree root, or the
// zero hash when there is none. Cost: at most one tree scan per path
// component, none for subtrees already seen.
func (w *walker) entryHash(root plumbing.Hash, p string) (plumbing.Hash, error) {
	var visited [8]memoKey
	keys := visited[:0]
	h := root
	for p != "" {
		if v, ok := w.memo[memoKey{h, p}]; ok {
			h = v
			break
		}
		keys = append(keys, memoKey{h, p})
		comp, rest, _ := strings.Cut(p, "/")
		t, err := w.tree(h)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		e, found, err := t.find(comp)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("tree %s: %w", h, err)
		}
		if !found || rest != "" && !e.dir {
			h = plumbing.ZeroHash
			break
		}
		h = e.hash
		p = rest
	}
	if len(w.memo)+len(keys) > maxMemo {
		clear(w.memo)
	}
	for _, k := range keys {
		w.memo[k] = h
	}
	return h, nil
}

// TreeFS returns a read-only fs.FS over a git tree. Regular and executable
// files read as files, symbolic links report fs.ModeSymlink (their target
// as content), submodules fs.ModeIrregular.
func TreeFS(t *object.Tree) fs.FS { return treeFS{t} }

type treeFS struct{ root *object.Tree }

func (t treeFS) entry(name string) (*object.TreeEntry, *object.Tree, error) {
	if !fs.ValidPath(name) {
		return nil, nil, fs.ErrInvalid
	}
	if name == "." {
		return nil, t.root, nil
	}
	e, err := t.root.FindEntry(name)
	if err != nil {
		return nil, nil, fs.ErrNotExist
	}
	if e.Mode == filemode.Dir {
		sub, err := t.root.Tree(name)
		if err != nil {
			return nil, nil, err
		}
		return e, sub, nil
	}
	return e, nil, nil
}

// Open opens a file or directory of the tree.
func (t treeFS) Open(name string) (fs.File, error) {
	e, sub, err := t.entry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	base := path.Base(name)
	if sub != nil {
		return &treeDir{info: treeInfo{name: base, mode: fs.ModeDir | 0o555}, tree: sub}, nil
	}
	info, err := t.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: missing(err)}
	}
	if e.Mode == filemode.Submodule {
		return &treeFile{info: info, r: strings.NewReader("")}, nil
	}
	blob, err := t.root.TreeEntryFile(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: missing(err)}
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &treeFile{info: info, r: r, c: r}, nil
}

// ReadDir lists a directory of the tree, sorted by name.
func (t treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	_, sub, err := t.entry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	if sub == nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return treeEntries(t, sub)
}

func treeEntries(t treeFS, sub *object.Tree) ([]fs.DirEntry, error) {
	out := make([]fs.DirEntry, 0, len(sub.Entries))
	for i := range sub.Entries {
		e := &sub.Entries[i]
		out = append(out, treeDirEntry{t: t, e: e})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// missing marks go-git's "object not found" as ErrMissing too.
func missing(err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("%w: %w", ErrMissing, err)
	}
	return err
}

func modeOf(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir:
		return fs.ModeDir | 0o555
	case filemode.Executable:
		return 0o555
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Submodule:
		return fs.ModeIrregular
	}
	return 0o444
}

func (t treeFS) info(e *object.TreeEntry) (treeInfo, error) {
	info := treeInfo{name: e.Name, mode: modeOf(e.Mode)}
	if e.Mode == filemode.Regular || e.Mode == filemode.Executable || e.Mode == filemode.Deprecated || e.Mode == filemode.Symlink {
		o, err := t.root.TreeEntryFile(e)
		if err != nil {
			return info, err
		}
		info.size = o.Size
	}
	return info, nil
}

type treeDirEntry struct {
	t treeFS
	e *object.TreeEntry
}

func (d treeDirEntry) Name() string      { return d.e.Name }
func (d treeDirEntry) IsDir() bool       { return d.e.Mode == filemode.Dir }
func (d treeDirEntry) Type() fs.FileMode { return modeOf(d.e.Mode).Type() }
func (d treeDirEntry) Info() (fs.FileInfo, error) {
	if d.e.Mode == filemode.Dir {
		return treeInfo{name: d.e.Name, mode: fs.ModeDir | 0o555}, nil
	}
	return d.t.info(d.e)
}

type treeInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i treeInfo) Name() string       { return i.name }
func (i treeInfo) Size() int64        { return i.size }
func (i treeInfo) Mode() fs.FileMode  { return i.mode }
func (i treeInfo) ModTime() time.Time { return time.Time{} }
func (i treeInfo) IsDir() bool        { return i.mode.IsDir() }
func (i treeInfo) Sys() any           { return nil }

type treeFile struct {
	info treeInfo
	r    io.Reader
	c    io.Closer
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *treeFile) Close() error {
	if f.c != nil {
		return f.c.Close()
	}
	return nil
}

type treeDir struct {
	info treeInfo
	tree *object.Tree
	list []fs.DirEntry
	read bool
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		d.list, _ = treeEntries(treeFS{d.tree}, d.tree)
		d.read = true
	}
	if n <= 0 {
		l := d.list
		d.list = nil
		return l, nil
	}
	if len(d.list) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.list))
	l := d.list[:n]
	d.list = d.list[n:]
	return l, nil
}
