package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// maxHistoryBytes caps the total size of a plain-text history.
const maxHistoryBytes = 64 << 20

// loadHistory turns a plain-text history (see testdata/trace/upstream/README)
// into an in-memory git repository with branch main, HEAD and the tags the
// COMMIT files name.
func loadHistory(fsys fs.FS) (*git.Repository, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		return nil, errors.New("history: no commit directories")
	}
	st := memory.NewStorage()
	files := map[string][]byte{}
	var parent plumbing.Hash
	total := 0
	for _, d := range dirs {
		meta, err := fs.ReadFile(fsys, path.Join(d, "COMMIT"))
		if err != nil {
			return nil, fmt.Errorf("history: %s: %w", d, err)
		}
		c, tags, deletes, err := parseCommitFile(d+"/COMMIT", meta)
		if err != nil {
			return nil, err
		}
		for _, p := range deletes {
			delete(files, p)
		}
		tree := path.Join(d, "tree")
		if _, err := fs.Stat(fsys, tree); err == nil {
			err := fs.WalkDir(fsys, tree, func(p string, de fs.DirEntry, err error) error {
				if err != nil || de.IsDir() {
					return err
				}
				data, err := fs.ReadFile(fsys, p)
				if err != nil {
					return err
				}
				total += len(data)
				if total > maxHistoryBytes {
					return fmt.Errorf("history: more than %d bytes", maxHistoryBytes)
				}
				files[strings.TrimPrefix(p, tree+"/")] = data
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		th, err := writeTree(st, files)
		if err != nil {
			return nil, err
		}
		c.TreeHash = th
		if !parent.IsZero() {
			c.ParentHashes = []plumbing.Hash{parent}
		}
		obj := st.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			return nil, err
		}
		if parent, err = st.SetEncodedObject(obj); err != nil {
			return nil, err
		}
		for _, t := range tags {
			if err := st.SetReference(plumbing.NewHashReference(plumbing.NewTagReferenceName(t), parent)); err != nil {
				return nil, err
			}
		}
	}
	main := plumbing.NewBranchReferenceName("main")
	if err := st.SetReference(plumbing.NewHashReference(main, parent)); err != nil {
		return nil, err
	}
	if err := st.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, main)); err != nil {
		return nil, err
	}
	return git.Open(st, nil)
}

// parseCommitFile reads a COMMIT file: header lines, a blank line, the
// message.
func parseCommitFile(name string, data []byte) (*object.Commit, []string, []string, error) {
	c := &object.Commit{}
	var tags, deletes []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if l == "" {
			break
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, nil, nil, fmt.Errorf("%s:%d: want \"Key: value\"", name, line)
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Author":
			n, m, ok := strings.Cut(v, "<")
			if !ok || !strings.HasSuffix(m, ">") {
				return nil, nil, nil, fmt.Errorf("%s:%d: want \"Name <mail>\"", name, line)
			}
			c.Author.Name, c.Author.Email = strings.TrimSpace(n), strings.TrimSuffix(m, ">")
		case "Date":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			c.Author.When = t
		case "Tag":
			tags = append(tags, v)
		case "Delete":
			deletes = append(deletes, v)
		default:
			return nil, nil, nil, fmt.Errorf("%s:%d: unknown header %q", name, line, k)
		}
	}
	var msg strings.Builder
	for sc.Scan() {
		msg.WriteString(sc.Text())
		msg.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if c.Author.Name == "" || c.Author.When.IsZero() {
		return nil, nil, nil, fmt.Errorf("%s: Author and Date are required", name)
	}
	c.Committer = c.Author
	c.Message = strings.TrimRight(msg.String(), "\n") + "\n"
	return c, tags, deletes, nil
}

// writeTree stores the nested trees of files and returns the root's hash.
func writeTree(st *memory.Storage, files map[string][]byte) (plumbing.Hash, error) {
	type dir struct {
		files map[string][]byte
		dirs  map[string]*dir
	}
	root := &dir{files: map[string][]byte{}, dirs: map[string]*dir{}}
	for p, data := range files {
		d := root
		parts := strings.Split(p, "/")
		for _, c := range parts[:len(parts)-1] {
			n := d.dirs[c]
			if n == nil {
				n = &dir{files: map[string][]byte{}, dirs: map[string]*dir{}}
				d.dirs[c] = n
			}
			d = n
		}
		d.files[parts[len(parts)-1]] = data
	}
	var write func(d *dir) (plumbing.Hash, error)
	write = func(d *dir) (plumbing.Hash, error) {
		var es []object.TreeEntry
		for name, data := range d.files {
			obj := st.NewEncodedObject()
			obj.SetType(plumbing.BlobObject)
			w, err := obj.Writer()
			if err != nil {
				return plumbing.ZeroHash, err
			}
			if _, err := w.Write(data); err != nil {
				return plumbing.ZeroHash, err
			}
			if err := w.Close(); err != nil {
				return plumbing.ZeroHash, err
			}
			h, err := st.SetEncodedObject(obj)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			es = append(es, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
		}
		for name, sub := range d.dirs {
			h, err := write(sub)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			es = append(es, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
		}
		// git orders tree entries by name, directories as if they ended in "/".
		key := func(e object.TreeEntry) string {
			if e.Mode == filemode.Dir {
				return e.Name + "/"
			}
			return e.Name
		}
		slices.SortFunc(es, func(a, b object.TreeEntry) int { return strings.Compare(key(a), key(b)) })
		t := &object.Tree{Entries: es}
		obj := st.NewEncodedObject()
		if err := t.Encode(obj); err != nil {
			return plumbing.ZeroHash, err
		}
		return st.SetEncodedObject(obj)
	}
	return write(root)
}
