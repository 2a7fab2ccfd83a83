package tree

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/decompress"
)

// tarTree is a tree read from a tarball stream.
type tarTree struct {
	name string
	open func() (io.ReadCloser, error)
	lim  Limits

	list   listing
	prefix string            // the common top-level directory stripped, with its slash
	kept   map[string][]byte // content kept from the first pass, by path
	hard   map[string]string // hard link path -> its target's path
}

// Tarball returns the tree held by a tarball: a tar stream, optionally
// compressed with gzip, xz, bzip2 or zstd (sniffed from its magic). open
// is called for each pass over the stream: once to list the entries, and
// again only when Read needs content not kept from the first pass
// (Limits.MaxKeep). The tarball is never unpacked to disk.
//
// When every member lies under one top-level directory (as in
// curl-7.61.1/...), that directory is stripped. Regular files, hard links
// (to an earlier member) and symbolic links are listed; directories only
// shape the tree; pax global headers are ignored. These are errors naming
// the member: an absolute name or one with "..", a name given twice, a
// member below a symbolic link, links that loop or chain too deep, a
// device or FIFO, and any cap of Limits exceeded (members, member size,
// total expanded size).
func Tarball(name string, open func() (io.ReadCloser, error), lim Limits) Tree {
	return &tarTree{name: name, open: open, lim: lim.withDefaults()}
}

// TarballFile returns the tree held by the tarball file at path (see
// Tarball).
func TarballFile(path string, lim Limits) Tree {
	return Tarball(path, func() (io.ReadCloser, error) { return os.Open(path) }, lim)
}

// IsTarball reports whether name looks like a tarball's file name.
func IsTarball(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar.zst", ".tzst"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

func (t *tarTree) Name() string { return t.name }

func (t *tarTree) Entries(ctx context.Context) ([]Entry, error) { return t.list.get(ctx, t.scan) }

// member is one tarball member as the first pass saw it.
type member struct {
	index int    // 1-based position in the archive
	path  string // cleaned, prefix not yet stripped
	entry Entry
	dir   bool
	hard  string // the target of a hard link (cleaned)
}

// counter counts the bytes read through it and refuses more than max.
type counter struct {
	r   io.Reader
	n   int64
	max int64
}

var errExpanded = errors.New("expanded size")

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errExpanded
	}
	return n, err
}

// stream opens the tarball and calls fn for each member header, with a
// reader of its body; fn returns errStop to end early.
func (t *tarTree) stream(ctx context.Context, fn func(index int, h *tar.Header, body io.Reader) error) error {
	rc, err := t.open()
	if err != nil {
		return &PathError{Tree: t.name, Err: err}
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 256<<10)
	var r io.Reader = br
	dec, done, err := decompress.NewReader(br, "")
	defer done()
	switch {
	case err == nil:
		r = dec
	case errors.Is(err, decompress.ErrUnknown):
		// An uncompressed tar: the tar reader judges it.
	default:
		if de := (*decompress.Error)(nil); errors.As(err, &de) && de.TooLarge {
			return &PathError{Tree: t.name, Err: fmt.Errorf("%w: %w", input.ErrTooLarge, err)}
		}
		return &PathError{Tree: t.name, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	cr := &counter{r: r, max: t.lim.MaxTotalSize}
	tr := tar.NewReader(cr)
	for i := 1; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			if i == 1 {
				return &PathError{Tree: t.name, Err: fmt.Errorf("%w: no tar members", ErrFormat)}
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, errExpanded) {
				return &PathError{Tree: t.name, Member: i, Err: fmt.Errorf("%w: expands to more than %d bytes", input.ErrTooLarge, t.lim.MaxTotalSize)}
			}
			return &PathError{Tree: t.name, Member: i, Err: fmt.Errorf("%w: at expanded byte %d: %v", ErrFormat, cr.n, err)}
		}
		if i > t.lim.MaxFiles {
			return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: more than %d members", input.ErrTooLarge, t.lim.MaxFiles)}
		}
		if err := fn(i, h, tr); err != nil {
			if errors.Is(err, errExpanded) {
				return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: expands to more than %d bytes", input.ErrTooLarge, t.lim.MaxTotalSize)}
			}
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
}

var errStop = errors.New("stop")

// readBody reads a regular member's body within the member size cap.
func (t *tarTree) readBody(i int, h *tar.Header, body io.Reader) ([]byte, error) {
	if h.Size > t.lim.MaxFileSize || h.Size < 0 {
		return nil, &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: %d bytes, more than %d", input.ErrTooLarge, h.Size, t.lim.MaxFileSize)}
	}
	data := make([]byte, h.Size)
	if _, err := io.ReadFull(body, data); err != nil {
		if errors.Is(err, errExpanded) {
			return nil, err
		}
		return nil, &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: body: %v", ErrFormat, err)}
	}
	return data, nil
}

func (t *tarTree) scan(ctx context.Context) ([]Entry, error) {
	var ms []member
	byRaw := map[string]int{} // cleaned path -> index in ms
	kept := map[string][]byte{}
	var keptSize int64
	err := t.stream(ctx, func(i int, h *tar.Header, body io.Reader) error {
		if h.Typeflag == tar.TypeXGlobalHeader {
			return nil
		}
		p, err := cleanName(h.Name)
		if err != nil {
			return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: err}
		}
		if p == "" {
			return nil
		}
		m := member{index: i, path: p}
		switch h.Typeflag {
		case tar.TypeDir:
			m.dir = true
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
			data, err := t.readBody(i, h, body)
			if err != nil {
				return err
			}
			m.entry = Entry{Mode: fileMode(fs.FileMode(h.Mode)), Size: int64(len(data)), ID: blobID(data)}
			if keptSize+int64(len(data)) <= t.lim.MaxKeep {
				keptSize += int64(len(data))
				kept[p] = data
			}
		case tar.TypeSymlink:
			if len(h.Linkname) > maxPathLen {
				return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: link target longer than %d", input.ErrTooLarge, maxPathLen)}
			}
			m.entry = Entry{Mode: fs.ModeSymlink, Size: int64(len(h.Linkname)), ID: blobID([]byte(h.Linkname)), Link: h.Linkname}
		case tar.TypeLink:
			tp, err := cleanName(h.Linkname)
			j, ok := byRaw[tp]
			if err != nil || !ok || ms[j].dir || ms[j].entry.IsLink() {
				return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: hard link to %q, not an earlier regular member", ErrFormat, h.Linkname)}
			}
			m.entry, m.hard = ms[j].entry, tp
			if d, ok := kept[tp]; ok {
				kept[p] = d
			}
		default:
			return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: member type %q is not a file, link or directory", ErrFormat, h.Typeflag)}
		}
		if j, dup := byRaw[p]; dup {
			if !(m.dir && ms[j].dir) {
				return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: also member %d", ErrDuplicate, ms[j].index)}
			}
			return nil
		}
		byRaw[p] = len(ms)
		ms = append(ms, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.prefix = commonTop(ms)
	t.hard = map[string]string{}
	var es []Entry
	var at []int // member index of es[k]
	for _, m := range ms {
		if m.dir {
			continue
		}
		p := strings.TrimPrefix(m.path, t.prefix)
		if skipped(p) {
			continue
		}
		e := m.entry
		e.Path = p
		if m.hard != "" {
			t.hard[p] = strings.TrimPrefix(m.hard, t.prefix)
		}
		es = append(es, e)
		at = append(at, m.index)
	}
	t.kept = map[string][]byte{}
	for p, d := range kept {
		t.kept[strings.TrimPrefix(p, t.prefix)] = d
	}
	order := make(map[string]int, len(es))
	for k, e := range es {
		order[e.Path] = at[k]
	}
	sortEntries(es)
	if i, err := checkLinks(es); err != nil {
		return nil, &PathError{Tree: t.name, Member: order[es[i].Path], Path: t.prefix + es[i].Path, Err: err}
	}
	return es, nil
}

// commonTop returns "DIR/" when every member lies below the one top-level
// directory DIR, else "".
func commonTop(ms []member) string {
	top := ""
	for _, m := range ms {
		first, _, below := strings.Cut(m.path, "/")
		if !below && !m.dir {
			return "" // a file at the top
		}
		if top == "" {
			top = first
		} else if first != top {
			return ""
		}
	}
	if top == "" {
		return ""
	}
	return top + "/"
}

func (t *tarTree) Read(ctx context.Context, paths []string, fn func(string, []byte) error) error {
	es, err := t.Entries(ctx)
	if err != nil {
		return err
	}
	ids := make(map[string][20]byte, len(es))
	for _, e := range es {
		if !e.IsLink() {
			ids[e.Path] = e.ID
		}
	}
	want := map[string]bool{}
	for _, p := range paths {
		if _, ok := ids[p]; !ok {
			return &PathError{Tree: t.name, Path: p, Err: fs.ErrNotExist}
		}
		if d, ok := t.kept[p]; ok {
			if err := fn(p, d); err != nil {
				return err
			}
			continue
		}
		want[p] = true
	}
	if len(want) == 0 {
		return nil
	}
	// Stream again for the rest; hard links are served from their target.
	need := map[string][]string{}
	for p := range want {
		src := p
		if tp, ok := t.hard[p]; ok {
			src = tp
		}
		need[src] = append(need[src], p)
	}
	err = t.stream(ctx, func(i int, h *tar.Header, body io.Reader) error {
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		default:
			return nil
		}
		p, err := cleanName(h.Name)
		if err != nil {
			return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: err}
		}
		p = strings.TrimPrefix(p, t.prefix)
		dst := need[p]
		if len(dst) == 0 {
			return nil
		}
		data, err := t.readBody(i, h, body)
		if err != nil {
			return err
		}
		if blobID(data) != ids[p] {
			return &PathError{Tree: t.name, Member: i, Path: h.Name, Err: fmt.Errorf("%w: content changed between two reads", ErrFormat)}
		}
		delete(need, p)
		for _, q := range dst {
			delete(want, q)
			if err := fn(q, data); err != nil {
				return err
			}
		}
		if len(need) == 0 {
			return errStop
		}
		return nil
	})
	if err != nil {
		return err
	}
	for p := range want {
		return &PathError{Tree: t.name, Path: p, Err: fmt.Errorf("%w: member vanished on the second read", ErrFormat)}
	}
	return nil
}
