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
func FromFS(name string, fsys fs.FS, opts ...Option) *FSSource {
	return &FSSource{name: name, location: name, fsys: fsys, opts: buildOptions(opts)}
}

// Dir returns a Source reading the directory dir. Symbolic links that
// leave dir are not followed (the directory is opened with os.OpenRoot).
// A .git entry is skipped: to read a repository's history or another ref,
// use GitDir.
func Dir(name, dir string, opts ...Option) (*FSSource, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %q: %s is not a directory", name, dir)
	}
	s := FromFS(name, nil, opts...)
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
		root, err := os.OpenRoot(s.dir)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.name, err)
		}
		defer root.Close()
		fsys = root.FS()
	}
	p, err := loadFS(ctx, fsys, &s.opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	p.Origin = s.name
	p.Location = s.location
	return p, nil
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

// readFile reads r (whose size is size, or -1 if unknown) into a File,
// hashing all of it and keeping the bytes within the caps. mustKeep makes
// an oversized file an error.
func (b *budget) readFile(r io.Reader, filePath, name string, size int64, mustKeep bool) (File, error) {
	b.files++
	if b.files > b.opts.MaxFiles {
		return File{}, fmt.Errorf("%w: more than %d files", ErrTooLarge, b.opts.MaxFiles)
	}
	limit := b.keepLimit(name)
	if mustKeep {
		limit = b.opts.MaxFileSize
	}
	h := sha256.New()
	f := File{Name: name, Path: filePath}
	if size >= 0 && size > limit {
		if mustKeep {
			return File{}, fmt.Errorf("%w: %s is %d bytes (cap %d)", ErrTooLarge, filePath, size, limit)
		}
		n, err := io.Copy(h, r)
		if err != nil {
			return File{}, fmt.Errorf("%s: %w", filePath, err)
		}
		f.Size, f.Omitted, f.SHA256 = n, true, hex.EncodeToString(h.Sum(nil))
		return f, nil
	}
	var buf []byte
	if size >= 0 {
		// a declared size may lie (cpio headers): preallocate at most 1 MiB
		buf = make([]byte, 0, min(size, 1<<20))
	}
	lr := &io.LimitedReader{R: r, N: max(limit, 0) + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return File{}, fmt.Errorf("%s: %w", filePath, err)
		}
	}
	h.Write(buf)
	if int64(len(buf)) > limit {
		if mustKeep {
			return File{}, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, filePath, limit)
		}
		n, err := io.Copy(h, r)
		if err != nil {
			return File{}, fmt.Errorf("%s: %w", filePath, err)
		}
		f.Size, f.Omitted, f.SHA256 = int64(len(buf))+n, true, hex.EncodeToString(h.Sum(nil))
		return f, nil
	}
	b.kept += int64(len(buf))
	if b.kept > b.opts.MaxTotalSize {
		return File{}, fmt.Errorf("%w: more than %d bytes kept in all (at %s)", ErrTooLarge, b.opts.MaxTotalSize, filePath)
	}
	f.Size, f.Data, f.SHA256 = int64(len(buf)), buf, hex.EncodeToString(h.Sum(nil))
	return f, nil
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
}

// loadFS reads a packaging tree. It is shared by FSSource (directories,
// fs.FS, git trees).
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
		if !d.Type().IsRegular() {
			return nil // symlinks, devices: not read
		}
		if len(entries) >= o.MaxFiles {
			return fmt.Errorf("%w: more than %d files", ErrTooLarge, o.MaxFiles)
		}
		var size int64 = -1
		if fi, err := d.Info(); err == nil {
			size = fi.Size()
		}
		entries = append(entries, entry{p, size})
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
	for _, e := range entries {
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
		return nil, err
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
		o.report(Progress{Stage: "read", Done: int64(i), Total: total, Item: e.path})
		isSpec := e.path == spec
		isList := e.path == p.LookasideName
		f, err := readFSFile(fsys, b, e, isSpec || isList)
		if err != nil {
			if !errors.Is(err, ErrMissing) || isSpec || isList {
				return nil, err
			}
			f = File{Name: path.Base(e.path), Path: e.path, Size: -1, Omitted: true, Missing: true}
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
	o.report(Progress{Stage: "read", Done: total, Total: total})
	if p.LookasideName != "" {
		parse := specfile.ParseMetadata
		if p.LookasideName == "sources" {
			parse = specfile.ParseSources
		}
		l, err := parse(bytes.NewReader(p.LookasideData), p.LookasideName)
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

func readFSFile(fsys fs.FS, b *budget, e entry, mustKeep bool) (File, error) {
	fh, err := fsys.Open(e.path)
	if err != nil {
		return File{}, err
	}
	defer fh.Close()
	return b.readFile(fh, e.path, path.Base(e.path), e.size, mustKeep)
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
