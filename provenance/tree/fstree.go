package tree

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/patchtrace/patchtrace/input"
)

// fsTree is a tree read from an fs.FS: random access, nothing kept.
type fsTree struct {
	name   string
	fsys   fs.FS
	lim    Limits
	closer io.Closer

	list listing
}

// FS returns the tree held by fsys; name describes it in messages. Only
// regular files and symbolic links are listed: a link is read with
// fs.ReadLink (fsys must implement fs.ReadLinkFS when it holds links) and
// never followed; any other kind of file (a FIFO, a device) is an error.
// Directories named .git are skipped.
func FS(name string, fsys fs.FS, lim Limits) Tree {
	return &fsTree{name: name, fsys: fsys, lim: lim.withDefaults()}
}

// Dir returns the tree under the directory dir, read through an os.Root
// so that nothing outside dir is ever opened (see FS). Close releases the
// root.
func Dir(dir string, lim Limits) (Tree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &PathError{Tree: dir, Err: err}
	}
	return &fsTree{name: dir, fsys: root.FS(), lim: lim.withDefaults(), closer: root}, nil
}

func (t *fsTree) Name() string { return t.name }

// Close releases the directory root of a tree from Dir.
func (t *fsTree) Close() error {
	if t.closer == nil {
		return nil
	}
	return t.closer.Close()
}

func (t *fsTree) fail(p string, err error) error {
	return &PathError{Tree: t.name, Path: p, Err: err}
}

func (t *fsTree) Entries(ctx context.Context) ([]Entry, error) { return t.list.get(ctx, t.scan) }

func (t *fsTree) scan(ctx context.Context) ([]Entry, error) {
	var es []Entry
	var total int64
	err := fs.WalkDir(t.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return t.fail(p, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		if len(es) >= t.lim.MaxFiles {
			return t.fail(p, fmt.Errorf("%w: more than %d files", input.ErrTooLarge, t.lim.MaxFiles))
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(t.fsys, p)
			if err != nil {
				return t.fail(p, fmt.Errorf("%w: %w", ErrLink, err))
			}
			es = append(es, Entry{Path: p, Mode: fs.ModeSymlink, Size: int64(len(target)), ID: blobID([]byte(target)), Link: target})
		case d.Type().IsRegular():
			data, mode, err := t.readFile(p, &total)
			if err != nil {
				return err
			}
			es = append(es, Entry{Path: p, Mode: mode, Size: int64(len(data)), ID: blobID(data)})
		default:
			return t.fail(p, fmt.Errorf("%w: not a regular file or link (%v)", ErrFormat, d.Type()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortEntries(es)
	if i, err := checkLinks(es); err != nil {
		return nil, t.fail(es[i].Path, err)
	}
	return es, nil
}

// readFile reads the regular file p within the caps; *total counts the
// bytes read so far.
func (t *fsTree) readFile(p string, total *int64) ([]byte, fs.FileMode, error) {
	// Lstat first: a FIFO or a link swapped in must not be opened.
	fi, err := fs.Lstat(t.fsys, p)
	if err != nil {
		return nil, 0, t.fail(p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, t.fail(p, fmt.Errorf("%w: not a regular file (%v)", ErrFormat, fi.Mode().Type()))
	}
	if fi.Size() > t.lim.MaxFileSize {
		return nil, 0, t.fail(p, fmt.Errorf("%w: %d bytes, more than %d", input.ErrTooLarge, fi.Size(), t.lim.MaxFileSize))
	}
	if *total+fi.Size() > t.lim.MaxTotalSize {
		return nil, 0, t.fail(p, fmt.Errorf("%w: the tree holds more than %d bytes", input.ErrTooLarge, t.lim.MaxTotalSize))
	}
	f, err := t.fsys.Open(p)
	if err != nil {
		return nil, 0, t.fail(p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, t.lim.MaxFileSize+1))
	if err != nil {
		return nil, 0, t.fail(p, err)
	}
	if int64(len(data)) > t.lim.MaxFileSize {
		return nil, 0, t.fail(p, fmt.Errorf("%w: more than %d bytes", input.ErrTooLarge, t.lim.MaxFileSize))
	}
	*total += int64(len(data))
	return data, fileMode(fi.Mode()), nil
}

// fileMode is the mode git records for a regular file: 0755 when any
// execute bit is set, else 0644.
func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func (t *fsTree) Read(ctx context.Context, paths []string, fn func(string, []byte) error) error {
	var total int64
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, _, err := t.readFile(p, &total)
		if err != nil {
			return err
		}
		if err := fn(p, data); err != nil {
			return err
		}
	}
	return nil
}
