package tree

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/patchtrace/patchtrace/input"
)

// gitTree is the tree of one git commit.
type gitTree struct {
	name string
	repo *git.Repository
	rev  string
	lim  Limits

	list  listing
	blobs map[string]plumbing.Hash
}

// Git returns the tree of the commit rev (a branch, tag, commit id or
// any revision go-git resolves) of repo. Entries come from the tree
// objects alone (a blob is read only when Read asks for it, or for a
// link's target); submodule entries are skipped, as git archive does.
func Git(repo *git.Repository, rev string, lim Limits) Tree {
	return &gitTree{name: "@" + rev, repo: repo, rev: rev, lim: lim.withDefaults()}
}

// GitDir returns the tree of the commit rev of the repository at dir (a
// bare repository, or a work tree holding .git); see Git.
func GitDir(dir, rev string, lim Limits) (Tree, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, &PathError{Tree: dir + "@" + rev, Err: err}
	}
	t := Git(repo, rev, lim).(*gitTree)
	t.name = dir + "@" + rev
	return t, nil
}

func (t *gitTree) Name() string { return t.name }

func (t *gitTree) Entries(ctx context.Context) ([]Entry, error) { return t.list.get(ctx, t.scan) }

func (t *gitTree) scan(ctx context.Context) ([]Entry, error) {
	h, err := t.repo.ResolveRevision(plumbing.Revision(t.rev))
	if err != nil {
		return nil, &PathError{Tree: t.name, Err: fmt.Errorf("revision %q: %w", t.rev, err)}
	}
	c, err := t.repo.CommitObject(*h)
	if err != nil {
		return nil, &PathError{Tree: t.name, Err: fmt.Errorf("revision %q is not a commit: %w", t.rev, err)}
	}
	root, err := c.Tree()
	if err != nil {
		return nil, &PathError{Tree: t.name, Err: err}
	}
	t.blobs = map[string]plumbing.Hash{}
	var es []Entry
	var walk func(tr *object.Tree, prefix string, depth int) error
	walk = func(tr *object.Tree, prefix string, depth int) error {
		if depth > 256 {
			return &PathError{Tree: t.name, Path: prefix, Err: fmt.Errorf("%w: directories nested more than 256 deep", input.ErrTooLarge)}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, e := range tr.Entries {
			p, err := cleanName(prefix + e.Name)
			if err != nil || p != prefix+e.Name || p == "" {
				return &PathError{Tree: t.name, Path: prefix + e.Name, Err: fmt.Errorf("%w: bad tree entry name", ErrEscapes)}
			}
			switch e.Mode {
			case filemode.Dir:
				if e.Name == ".git" {
					continue
				}
				sub, err := t.repo.TreeObject(e.Hash)
				if err != nil {
					return &PathError{Tree: t.name, Path: p, Err: err}
				}
				if err := walk(sub, p+"/", depth+1); err != nil {
					return err
				}
				continue
			case filemode.Submodule:
				continue
			}
			if len(es) >= t.lim.MaxFiles {
				return &PathError{Tree: t.name, Path: p, Err: fmt.Errorf("%w: more than %d files", input.ErrTooLarge, t.lim.MaxFiles)}
			}
			ent := Entry{Path: p, ID: e.Hash, Size: -1, Mode: 0o644}
			switch e.Mode {
			case filemode.Executable:
				ent.Mode = 0o755
			case filemode.Symlink:
				target, err := t.blob(p, e.Hash, maxPathLen)
				if err != nil {
					return err
				}
				ent.Mode, ent.Link, ent.Size = fs.ModeSymlink, string(target), int64(len(target))
			case filemode.Regular, filemode.Deprecated:
			default:
				return &PathError{Tree: t.name, Path: p, Err: fmt.Errorf("%w: tree entry mode %v", ErrFormat, e.Mode)}
			}
			t.blobs[p] = e.Hash
			es = append(es, ent)
		}
		return nil
	}
	if err := walk(root, "", 0); err != nil {
		return nil, err
	}
	sortEntries(es)
	if i, err := checkLinks(es); err != nil {
		return nil, &PathError{Tree: t.name, Path: es[i].Path, Err: err}
	}
	return es, nil
}

// blob reads the blob h of path p, refusing more than max bytes.
func (t *gitTree) blob(p string, h plumbing.Hash, max int64) ([]byte, error) {
	b, err := t.repo.BlobObject(h)
	if err != nil {
		return nil, &PathError{Tree: t.name, Path: p, Err: err}
	}
	if b.Size > max {
		return nil, &PathError{Tree: t.name, Path: p, Err: fmt.Errorf("%w: %d bytes, more than %d", input.ErrTooLarge, b.Size, max)}
	}
	r, err := b.Reader()
	if err != nil {
		return nil, &PathError{Tree: t.name, Path: p, Err: err}
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &PathError{Tree: t.name, Path: p, Err: err}
	}
	return data, nil
}

func (t *gitTree) Read(ctx context.Context, paths []string, fn func(string, []byte) error) error {
	if _, err := t.Entries(ctx); err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, ok := t.blobs[p]
		if !ok {
			return &PathError{Tree: t.name, Path: p, Err: fs.ErrNotExist}
		}
		data, err := t.blob(p, h, t.lim.MaxFileSize)
		if err != nil {
			return err
		}
		if total += int64(len(data)); total > t.lim.MaxTotalSize {
			return &PathError{Tree: t.name, Path: p, Err: fmt.Errorf("%w: more than %d bytes read", input.ErrTooLarge, t.lim.MaxTotalSize)}
		}
		if err := fn(p, data); err != nil {
			return err
		}
	}
	return nil
}
