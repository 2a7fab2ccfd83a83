package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/specfile"
)

// FSSource is a Source over an fs.FS in the flat or SPECS/SOURCES
// dist-git layout.
type FSSource struct {
	name     string
	location string
	dir      string // when reading a directory: opened per Load
	fsys     fs.FS
	opts     Options
}

// FromFS returns a Source reading fsys, a packaging directory in either
// dist-git layout (see Layout), with an optional PATCHES/ or ROCKY/
// srpmproc overlay. The layout is detected from the content: a SPECS/
// directory holding a spec, or a `.PKG.metadata` lookaside list, means
// SpecsSources; otherwise Flat.
func FromFS(name string, fsys fs.FS, opts Options) *FSSource {
	return &FSSource{name: name, location: name, fsys: fsys, opts: opts.withDefaults()}
}

// Dir returns a Source reading the directory dir through an input.Root:
// nothing outside dir is ever opened, symbolic links are never followed
// and FIFOs and devices never opened (see Package.Skipped).
// A .git entry is skipped: to read a repository's history or another ref,
// use GitDir.
func Dir(name, dir string, opts Options) (*FSSource, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %q: %s is not a directory", name, dir)
	}
	s := FromFS(name, nil, opts)
	s.dir, s.location = dir, cleanLocation(dir)
	return s, nil
}

// Name returns the name given to the source.
func (s *FSSource) Name() string { return s.name }

// Load reads the spec, every other file, the lookaside list and any
// overlay.
func (s *FSSource) Load(ctx context.Context) (*Package, error) {
	fsys := s.fsys
	if s.dir != "" {
		root, err := input.OpenRoot(s.dir)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.name, err)
		}
		defer root.Close()
		fsys = root
	}
	p, err := loadFS(ctx, fsys, &s.opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	if s.dir != "" {
		dir := s.dir
		p.reopen = func(ctx context.Context, name string) (io.ReadCloser, error) {
			root, err := input.OpenRoot(dir)
			if err != nil {
				return nil, err
			}
			f, err := reopenFS(root)(ctx, name)
			if err != nil {
				root.Close()
				return nil, err
			}
			return &closeBoth{f, root}, nil
		}
	} else {
		p.reopen = reopenFS(fsys)
	}
	p.Origin = s.name
	p.Location = s.location
	return p, nil
}

// closeBoth closes a file and then the root it was opened in.
type closeBoth struct {
	io.ReadCloser
	root io.Closer
}

func (c *closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if err2 := c.root.Close(); err == nil {
		err = err2
	}
	return err
}

// archiveExts are name endings of archives (tarballs and the like), whose
// bytes are kept only up to Options.MaxArchiveSize.
var archiveExts = []string{
	".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
	".tar.lz", ".tar.lzma", ".zip", ".gem", ".crate", ".jar", ".whl", ".7z", ".rpm",
	".iso", ".img", ".bin",
}

// IsArchive reports whether name looks like an archive (tarball, zip,
// gem, crate, ...) by its ending.
func IsArchive(name string) bool {
	l := strings.ToLower(name)
	for _, e := range archiveExts {
		if strings.HasSuffix(l, e) {
			return true
		}
	}
	return false
}

// budget accounts the bytes kept over a load.
type budget struct {
	opts  *Options
	kept  int64
	files int
}

// keepLimit returns how many bytes of a file named name may be kept.
func (b *budget) keepLimit(name string) int64 {
	if IsArchive(name) {
		return min(b.opts.MaxArchiveSize, b.opts.MaxFileSize)
	}
	return b.opts.MaxFileSize
}

// errChanged reports a file whose content is not as long as its size said
// when reading started (a file changed under the reader).
var errChanged = errors.New("changed while it was read")

// readFile reads r, the size bytes of the file at filePath, into a File,
// hashing all of it and keeping the bytes within the caps. Every cap is
// checked against size before reading: a file larger than MaxHashSize is
// not read at all (a Skipped is returned instead); a kept file is read
// into one buffer of its size, so that reading costs what is kept. A
// mustKeep file (spec, lookaside list) that cannot be kept is an error.
// r must yield exactly size bytes.
func (b *budget) readFile(r io.Reader, filePath string, size int64, mustKeep bool) (File, *Skipped, error) {
	b.files++
	if b.files > b.opts.MaxFiles {
		return File{}, nil, fmt.Errorf("%w: more than %d files", input.ErrTooLarge, b.opts.MaxFiles)
	}
	limit := b.keepLimit(path.Base(filePath))
	if mustKeep {
		limit = b.opts.MaxFileSize
	}
	switch {
	case size < 0:
		return File{}, nil, fmt.Errorf("%s: size unknown", filePath)
	case mustKeep && size > limit:
		return File{}, nil, fmt.Errorf("%w: %s is %d bytes (cap %d)", input.ErrTooLarge, filePath, size, limit)
	case size > b.opts.MaxHashSize:
		return File{}, &Skipped{Path: filePath, Reason: fmt.Sprintf("%d bytes, over MaxHashSize (%d): not read", size, b.opts.MaxHashSize)}, nil
	case size <= limit && b.kept+size > b.opts.MaxTotalSize:
		return File{}, nil, fmt.Errorf("%w: %s (%d bytes) would bring the bytes kept over %d", input.ErrTooLarge, filePath, size, b.opts.MaxTotalSize)
	}
	h := sha256.New()
	f := File{Name: path.Base(filePath), Path: filePath, Size: size}
	var n int64
	var err error
	if size > limit {
		f.Omitted = true
		n, err = io.Copy(h, io.LimitReader(r, size))
	} else {
		f.Data = make([]byte, size)
		var k int
		k, err = io.ReadFull(r, f.Data)
		n = int64(k)
		h.Write(f.Data[:k])
		b.kept += size
	}
	if err == nil && n == size {
		// exactly size bytes: nothing may follow
		var one [1]byte
		if k, _ := io.ReadFull(r, one[:]); k > 0 {
			err = errChanged
		}
	} else if err == nil || err == io.ErrUnexpectedEOF {
		err = fmt.Errorf("%w: %d of %d bytes", errChanged, n, size)
	}
	if err != nil {
		return File{}, nil, err
	}
	f.SHA256 = hex.EncodeToString(h.Sum(nil))
	return f, nil, nil
}

// isLookasideName reports whether a root-level file is a lookaside list.
func isLookasideName(p string) bool {
	if p == "sources" {
		return true
	}
	return !strings.Contains(p, "/") && strings.HasPrefix(p, ".") && strings.HasSuffix(p, ".metadata") && len(p) > len("..metadata")
}

// isOverlayPath reports whether p belongs to a srpmproc overlay tree.
func isOverlayPath(p string) bool {
	return strings.HasPrefix(p, "PATCHES/") || strings.HasPrefix(p, "ROCKY/")
}

// skipDir reports directories never read: VCS metadata.
func skipDir(name string) bool {
	switch name {
	case ".git", ".hg", ".svn":
		return true
	}
	return false
}

type entry struct {
	path string
	size int64
	mode fs.FileMode // type bits only
}

// refusal says why a non-regular entry is not read, naming a symbolic
// link's target when fsys can tell it.
func refusal(fsys fs.FS, e entry) string {
	if e.mode&fs.ModeSymlink != 0 {
		if t, err := fs.ReadLink(fsys, e.path); err == nil {
			return fmt.Sprintf("symbolic link to %s (never followed)", t)
		}
		return "symbolic link (never followed)"
	}
	return input.Kind(e.mode) + " (only regular files are read)"
}

// loadFS reads a packaging tree. It is shared by FSSource (directories,
// fs.FS, git trees). Only regular files are read: symbolic links (even
// those that stay inside), FIFOs, sockets and devices are listed in
// Package.Skipped, never opened; a spec or lookaside list that is one of
// them is an error wrapping ErrRefused.
func loadFS(ctx context.Context, fsys fs.FS, o *Options) (*Package, error) {
	var entries []entry
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if d.IsDir() {
			if p != "." && skipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if len(entries) >= o.MaxFiles {
			return fmt.Errorf("%w: more than %d files", input.ErrTooLarge, o.MaxFiles)
		}
		entries = append(entries, entry{path: p, size: -1, mode: d.Type()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })

	p := &Package{Layout: Flat}
	var rootSpecs, specsSpecs []string
	var metadata []string
	hasSources := false
	var refused []string // specs and lists that are not regular files
	for _, e := range entries {
		if !e.mode.IsRegular() {
			if strings.HasSuffix(e.path, ".spec") && (!strings.Contains(e.path, "/") || path.Dir(e.path) == "SPECS") || isLookasideName(e.path) {
				refused = append(refused, e.path+": "+refusal(fsys, e))
			}
			continue
		}
		switch {
		case strings.HasSuffix(e.path, ".spec") && !strings.Contains(e.path, "/"):
			rootSpecs = append(rootSpecs, e.path)
		case strings.HasPrefix(e.path, "SPECS/") && strings.HasSuffix(e.path, ".spec") && strings.Count(e.path, "/") == 1:
			specsSpecs = append(specsSpecs, e.path)
		case isLookasideName(e.path) && e.path != "sources":
			metadata = append(metadata, e.path)
		case e.path == "sources":
			hasSources = true
		}
	}
	if len(specsSpecs) > 0 || len(metadata) > 0 {
		p.Layout = SpecsSources
	}
	// The name hint: .PKG.metadata names the package.
	hint := ""
	if len(metadata) == 1 {
		hint = strings.TrimSuffix(strings.TrimPrefix(metadata[0], "."), ".metadata")
	}
	candidates := specsSpecs
	if len(candidates) == 0 {
		candidates = rootSpecs
	}
	if o.Spec != "" {
		candidates = nil
		for _, c := range append(specsSpecs, rootSpecs...) {
			if c == o.Spec || path.Base(c) == o.Spec {
				candidates = append(candidates, c)
			}
		}
		if len(candidates) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoSpec, o.Spec)
		}
	}
	spec, err := chooseSpec(candidates, hint)
	if err != nil {
		if len(refused) > 0 && errors.Is(err, ErrNoSpec) {
			return nil, fmt.Errorf("%w: %s", ErrRefused, strings.Join(refused, "; "))
		}
		return nil, err
	}
	for _, r := range refused {
		if isLookasideName(strings.SplitN(r, ":", 2)[0]) {
			return nil, fmt.Errorf("%w: %s", ErrRefused, r)
		}
	}
	p.SpecName = spec
	switch {
	case len(metadata) > 0:
		var lm string
		if hint != "" {
			lm = metadata[0]
		} else {
			// several lists: the one named after the spec
			base := strings.TrimSuffix(path.Base(spec), ".spec")
			for _, m := range metadata {
				if m == "."+base+".metadata" {
					lm = m
				}
			}
			if lm == "" {
				lm = metadata[0]
			}
		}
		p.LookasideName = lm
	case hasSources:
		p.LookasideName = "sources"
	}

	b := &budget{opts: o}
	total := int64(len(entries))
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o.Progress.Send(progress.Report{Stage: "read", Done: int64(i), Total: total, Detail: e.path})
		if !e.mode.IsRegular() {
			p.Skipped = append(p.Skipped, Skipped{Path: e.path, Reason: refusal(fsys, e)})
			continue
		}
		isSpec := e.path == spec
		isList := e.path == p.LookasideName
		f, skip, err := readFSFile(fsys, b, e, isSpec || isList)
		if err != nil {
			if !errors.Is(err, ErrMissing) || isSpec || isList {
				return nil, err
			}
			f = File{Name: path.Base(e.path), Path: e.path, Size: -1, Omitted: true, Missing: true}
		}
		if skip != nil {
			p.Skipped = append(p.Skipped, *skip)
			continue
		}
		switch {
		case isSpec:
			p.Spec = f.Data
		case isList:
			p.LookasideData = f.Data
		default:
			f.Overlay = isOverlayPath(e.path)
			p.Files = append(p.Files, f)
		}
	}
	o.Progress.Send(progress.Report{Stage: "read", Done: total, Total: total})
	if p.LookasideName != "" {
		parse := specfile.ParseMetadata
		if p.LookasideName == "sources" {
			parse = specfile.ParseSources
		}
		l, err := parse(p.LookasideName, bytes.NewReader(p.LookasideData))
		if err != nil {
			return nil, err
		}
		p.Lookaside = l
	}
	for _, f := range p.Files {
		if !f.Overlay || !strings.HasSuffix(f.Path, ".cfg") || f.Data == nil {
			continue
		}
		ov, err := ParseOverlay(f.Path, f.Data)
		if err != nil {
			return nil, err
		}
		p.Overlays = append(p.Overlays, ov)
	}
	return p, nil
}

// readFSFile reads the regular file e of fsys within b's caps. Its size
// comes from the opened file; a file that is no longer regular (replaced
// since the walk) is refused.
func readFSFile(fsys fs.FS, b *budget, e entry, mustKeep bool) (File, *Skipped, error) {
	fh, err := fsys.Open(e.path)
	if err != nil {
		return File{}, nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return File{}, nil, err
	}
	if !fi.Mode().IsRegular() {
		return File{}, nil, fmt.Errorf("%w: %s: %s", ErrRefused, e.path, refusal(fsys, entry{path: e.path, mode: fi.Mode().Type()}))
	}
	f, skip, err := b.readFile(fh, e.path, fi.Size(), mustKeep)
	if err != nil && !errors.Is(err, input.ErrTooLarge) {
		err = fmt.Errorf("%s: %w", e.path, err)
	}
	return f, skip, err
}

// chooseSpec picks the package's spec among candidates: the only one, or
// the one named after hint.
func chooseSpec(candidates []string, hint string) (string, error) {
	switch len(candidates) {
	case 0:
		return "", ErrNoSpec
	case 1:
		return candidates[0], nil
	}
	if hint != "" {
		for _, c := range candidates {
			if path.Base(c) == hint+".spec" {
				return c, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %s", ErrAmbiguousSpec, strings.Join(candidates, ", "))
}
