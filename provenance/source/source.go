// Package source reads the packaging sources a rebuild draws on — a
// dist-git directory (flat, as in CentOS Stream and Fedora, or
// SPECS/SOURCES, as in git.centos.org, OpenELA, Rocky and AlmaLinux), any
// fs.FS in those layouts, a dist-git repository at a ref, or a source RPM —
// each behind the one small Source interface.
//
// Loading never executes anything from the package (no spec macro, no
// script) and never writes anything: SRPM payloads are streamed and
// decompressed in memory, git objects are read through go-git. Every
// reader caps what it keeps (see Options) so that hostile input costs
// bounded memory and yields an error rather than a panic.
package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/specfile"
)

// Layout says how a packaging source arranges its files.
type Layout int

const (
	// Unknown is the zero Layout.
	Unknown Layout = iota
	// Flat is the dist-git layout of CentOS Stream and Fedora: PKG.spec,
	// patches and the `sources` lookaside list at the root.
	Flat
	// SpecsSources is the layout of git.centos.org, OpenELA, Rocky and
	// AlmaLinux: SPECS/PKG.spec, SOURCES/*, and a `.PKG.metadata`
	// lookaside list. A flat copy that carries a `.PKG.metadata` list is
	// of this family too.
	SpecsSources
	// SRPM is a source RPM file.
	SRPM
)

// String returns "flat", "specs-sources", "srpm" or "unknown".
func (l Layout) String() string {
	switch l {
	case Flat:
		return "flat"
	case SpecsSources:
		return "specs-sources"
	case SRPM:
		return "srpm"
	}
	return "unknown"
}

// Package is everything a rebuild's packaging source holds, read into
// memory (within the caps of Options).
type Package struct {
	// Origin is the name the user gave this source.
	Origin string
	// Location is the directory path, GITDIR@REF, or .src.rpm path.
	Location string
	// Layout is the layout detected from the content.
	Layout Layout
	// SpecName is the spec file's path inside the source
	// ("curl.spec", "SPECS/curl.spec").
	SpecName string
	// Spec holds the spec file's bytes.
	Spec []byte
	// SpecIntroduced is the commit that introduced the spec's current
	// content (git sources opened with Options.History), else nil.
	SpecIntroduced *FileCommit
	// Files holds every other file: patches, small sources, PATCHES/
	// overlay files. Lookaside lists and the spec are not in Files.
	// Sorted by Path.
	Files []File
	// LookasideName is the path of the lookaside list (`sources` or
	// `.PKG.metadata`), "" when there is none.
	LookasideName string
	// LookasideData holds the lookaside list's raw bytes.
	LookasideData []byte
	// Lookaside holds the lookaside list's entries (specfile.ParseSources
	// for `sources`, specfile.ParseMetadata for `.PKG.metadata`).
	Lookaside []specfile.LookasideEntry
	// Overlays holds the parsed srpmproc overlay configurations
	// (PATCHES/*.cfg, ROCKY/CFG/*.cfg), sorted by path.
	Overlays []*Overlay
	// NEVR is the name-epoch-version-release from the SRPM header, nil
	// for other sources.
	NEVR *NEVR
	// SRPM holds what the SRPM header says beyond the NEVR; nil for
	// other sources.
	SRPM *SRPMInfo
	// Commit is the resolved commit (full hex) for git sources.
	Commit string
	// Skipped lists the entries of the source that were not read, with
	// why: symbolic links (never followed, even inside the source),
	// FIFOs, sockets and devices (never opened), files over
	// Options.MaxHashSize (not read at all). Sorted by Path. Skipped
	// files are not in Files.
	Skipped []Skipped

	// reopen opens a file of the source again (Open); nil when the
	// source cannot be read again.
	reopen func(ctx context.Context, path string) (io.ReadCloser, error)
}

// ErrNotReopenable is returned (wrapped) by Package.Open for a package
// read from a stream (ReadSRPM) whose omitted files cannot be read again.
var ErrNotReopenable = errors.New("source: the package was read from a stream and cannot be read again")

// Open returns a reader of the whole content of the file path (looked up
// as File does), for a file whose bytes were not kept (Omitted: a
// tarball over MaxArchiveSize) and must be streamed, never written to
// disk: a directory's file is opened again through its root (regular
// files only), a git blob read again (the reader holds the GitSource's
// lock until it is closed), an SRPM file re-read up to that member. The reader yields exactly the Size recorded at Load, and fails
// (wrapping ErrFormat) if the file no longer has that size; that size is
// itself bounded by Options.MaxHashSize. Kept files are served from
// memory.
func (p *Package) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	f := p.File(path)
	switch {
	case f == nil:
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	case f.Missing:
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrMissing}
	case f.Data != nil:
		return io.NopCloser(bytes.NewReader(f.Data)), nil
	case p.reopen == nil:
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotReopenable}
	}
	rc, err := p.reopen(ctx, f.Path)
	if err != nil {
		return nil, err
	}
	return &sizedReader{rc: rc, left: f.Size, path: f.Path}, nil
}

// sizedReader yields exactly left bytes of rc, or fails.
type sizedReader struct {
	rc   io.ReadCloser
	left int64
	path string
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.left <= 0 {
		var one [1]byte
		if n, _ := s.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%w: %s: longer than when it was loaded", ErrFormat, s.path)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.rc.Read(p)
	s.left -= int64(n)
	if err == io.EOF && s.left > 0 {
		err = fmt.Errorf("%w: %s: shorter than when it was loaded", ErrFormat, s.path)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

func (s *sizedReader) Close() error { return s.rc.Close() }

// reopenFS returns Package.reopen for files of fsys: regular files only.
func reopenFS(fsys fs.FS) func(context.Context, string) (io.ReadCloser, error) {
	return func(_ context.Context, name string) (io.ReadCloser, error) {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			if err == nil {
				err = &fs.PathError{Op: "open", Path: name, Err: ErrRefused}
			}
			return nil, err
		}
		return f, nil
	}
}

// Skipped is an entry of a source that was not read.
type Skipped struct {
	// Path is the entry's path inside the source.
	Path string
	// Reason says why, e.g. "symbolic link to /tmp/x (never followed)".
	Reason string
}

// File is one file of a package other than its spec.
type File struct {
	// Name is the file's name as a spec names it: its base name (a spec's
	// SourceN/PatchN value names SOURCES/ files by base name).
	Name string
	// Path is the file's path inside the source, slash-separated
	// ("SOURCES/x.patch", "PATCHES/x.patch", "x.patch").
	Path string
	// Size is the file's size in bytes.
	Size int64
	// SHA256 is the lower-case hex SHA-256 of the file's full content.
	SHA256 string
	// Data holds the file's bytes; nil when Omitted.
	Data []byte
	// Omitted is true when Data was not kept because the file exceeded a
	// size cap (Options.MaxFileSize, Options.MaxArchiveSize).
	Omitted bool
	// Missing is true when the source lists the file but does not hold
	// its content (a git blob absent from a partial or filtered clone);
	// Size is then -1 and SHA256 "".
	Missing bool
	// Overlay is true for files of a rebuild overlay (under PATCHES/ or
	// ROCKY/), which srpmproc adds on top of the imported sources.
	Overlay bool
	// Introduced is the commit that introduced the file's current content
	// on the first-parent line of a git source; nil unless the source was
	// opened with Options.History.
	Introduced *FileCommit
}

// File returns the file whose Path is name, else the first whose Name is
// name (preferring non-overlay files), or nil.
func (p *Package) File(name string) *File {
	for i := range p.Files {
		if p.Files[i].Path == name {
			return &p.Files[i]
		}
	}
	var overlay *File
	for i := range p.Files {
		f := &p.Files[i]
		if f.Name == name {
			if !f.Overlay {
				return f
			}
			if overlay == nil {
				overlay = f
			}
		}
	}
	return overlay
}

// FS returns the package's files as an fs.FS, for a spec's %include
// (specfile.Options.FS): a name is looked up as File does (by path, then
// by base name), so "%include %{SOURCE1}" finds SOURCES/x in either
// layout. Only what Load kept is served, from memory: the files were read
// through the source's root, as regular files, within its caps. A file
// whose bytes were not kept (Omitted, Missing) is an error; the spec and
// lookaside list are not served.
func (p *Package) FS() fs.FS { return pkgFS{p} }

type pkgFS struct{ p *Package }

func (s pkgFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f := s.p.File(name)
	switch {
	case f == nil:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case f.Data == nil && f.Size != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("content not kept (%d bytes, over a size cap or missing)", f.Size)}
	}
	return &memFile{Reader: bytes.NewReader(f.Data), f: f}, nil
}

// memFile is an open file of a pkgFS.
type memFile struct {
	*bytes.Reader
	f *File
}

func (m *memFile) Stat() (fs.FileInfo, error) { return memInfo{m.f}, nil }
func (m *memFile) Close() error               { return nil }

type memInfo struct{ f *File }

func (i memInfo) Name() string       { return i.f.Name }
func (i memInfo) Size() int64        { return int64(len(i.f.Data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// Source is one packaging source.
type Source interface {
	// Name returns the name the user gave the source.
	Name() string
	// Load reads the source into memory.
	Load(ctx context.Context) (*Package, error)
}

// HistorySource is a Source that knows the history of its files (a
// GitSource); callers may test for it with a type assertion.
type HistorySource interface {
	Source
	// History returns the commits that changed path, newest first.
	History(ctx context.Context, path string) ([]FileCommit, error)
	// Introduced returns, per path, the commit that introduced its
	// current content.
	Introduced(ctx context.Context, paths []string) (map[string]*FileCommit, error)
}

var (
	_ HistorySource = (*GitSource)(nil)
	_ Source        = (*FSSource)(nil)
	_ Source        = (*SRPMSource)(nil)
)

// Default caps; see Options. They are sized to real packages: the
// largest spec in Fedora is about 2 MB and the largest patches a few MB
// (DefaultMaxFileSize keeps 30 times that); a kernel tarball is about
// 140 MB compressed (hashed, not kept: DefaultMaxArchiveSize), and the
// largest source RPMs (game data, TeX Live, Chromium) hold 1 to 3 GB of
// already-compressed tarballs, which bounds both what is hashed
// (DefaultMaxHashSize) and what a payload decompresses to
// (DefaultMaxPayloadSize).
const (
	DefaultMaxFileSize    = 64 << 20
	DefaultMaxArchiveSize = 1 << 20
	DefaultMaxTotalSize   = 1 << 30
	DefaultMaxFiles       = 100000
	DefaultMaxHashSize    = 4 << 30
	DefaultMaxPayloadSize = 4 << 30
)

// Options tune loading; they are passed by value, and the zero value of
// each field means its default (so Options{} is all defaults).
type Options struct {
	// MaxFileSize is the largest file whose bytes are kept; larger files
	// are recorded with name, size and SHA-256 but Omitted. The spec and
	// lookaside list must fit, or Load fails with input.ErrTooLarge.
	MaxFileSize int64
	// MaxArchiveSize is the largest archive (tarball, zip, gem, crate...)
	// whose bytes are kept; set it negative to never keep archive bytes.
	MaxArchiveSize int64
	// MaxTotalSize caps the bytes kept over all files; beyond it Load
	// fails with input.ErrTooLarge.
	MaxTotalSize int64
	// MaxFiles caps the number of files read.
	MaxFiles int
	// MaxHashSize is the largest file read at all: a file of a directory
	// or git tree, or an SRPM member, that is larger (by its size as
	// stated before reading) is neither kept nor hashed but listed in
	// Package.Skipped.
	MaxHashSize int64
	// MaxPayloadSize caps the decompressed size of an SRPM payload read,
	// against decompression bombs; beyond it Load fails with input.ErrTooLarge.
	MaxPayloadSize int64
	// Spec names the spec to read (base name or path) when a directory or
	// tree holds several; by default the only one, or the one named after
	// the .PKG.metadata list, is read.
	Spec string
	// Progress, when not nil, is called as long work advances, with the
	// stages "read", "payload" and "history" (see package progress).
	Progress progress.Func
	// History makes git sources fill File.Introduced (one first-parent
	// walk for all files).
	History bool
	// Since bounds git history walks: first-parent commits committed
	// before Since are not visited, so a file unchanged since then is
	// reported as introduced by the oldest commit visited. Zero means no
	// bound.
	Since time.Time
	// ObjectCacheSize is the go-git object cache size in bytes for git
	// sources opened from disk (default 96 MiB).
	ObjectCacheSize int64
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxArchiveSize == 0 {
		o.MaxArchiveSize = DefaultMaxArchiveSize
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = DefaultMaxHashSize
	}
	if o.MaxPayloadSize <= 0 {
		o.MaxPayloadSize = DefaultMaxPayloadSize
	}
	if o.ObjectCacheSize <= 0 {
		o.ObjectCacheSize = 96 << 20
	}
	return o
}

// Errors returned (wrapped) by loaders. Input beyond a cap of Options
// wraps input.ErrTooLarge.
var (
	// ErrNoSpec means no spec file was found.
	ErrNoSpec = errors.New("source: no spec file")
	// ErrAmbiguousSpec means several spec files were found and none could
	// be told to be the package's.
	ErrAmbiguousSpec = errors.New("source: several spec files")
	// ErrMissing means a file is listed but its content is absent (a git
	// blob missing from a partial clone).
	ErrMissing = errors.New("source: file content missing")
	// ErrFormat means the input is malformed (bad SRPM, bad cpio, bad
	// overlay configuration, bad NEVR).
	ErrFormat = errors.New("source: malformed input")
	// ErrRefused means a file that must be read (the spec, the lookaside
	// list) is not a regular file: a symbolic link, which is never
	// followed, or a FIFO, socket or device, which is never opened.
	ErrRefused = errors.New("source: not a regular file")
)

// Open returns the Source for location, dispatching on its form:
//
//   - PATH.src.rpm (or any .rpm file): a source RPM;
//   - GITDIR@REF: a git repository (bare git dir, or work tree holding
//     .git) at REF, a branch, tag or commit (full or abbreviated);
//   - a directory: read as it is on disk (a git work tree's files, not its
//     history).
//
// name is the name the user gives the source (Package.Origin).
func Open(name, location string, opts Options) (Source, error) {
	if location == "" {
		return nil, fmt.Errorf("source %q: empty location", name)
	}
	if fi, err := os.Stat(location); err == nil {
		if fi.IsDir() {
			return Dir(name, location, opts)
		}
		if strings.HasSuffix(location, ".rpm") || looksLikeRPM(location) {
			return SRPMFile(name, location, opts), nil
		}
		return nil, fmt.Errorf("source %q: %s is neither a directory, an .rpm file nor GITDIR@REF", name, location)
	}
	if i := strings.LastIndexByte(location, '@'); i > 0 {
		dir, ref := location[:i], location[i+1:]
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			if ref == "" {
				ref = "HEAD"
			}
			return GitDir(name, dir, ref, opts)
		}
	}
	_, err := os.Stat(location)
	return nil, fmt.Errorf("source %q: %w", name, err)
}

func looksLikeRPM(path string) bool {
	f, err := input.OpenFile(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.Read(b[:]); err != nil {
		return false
	}
	return b == [4]byte{0xed, 0xab, 0xee, 0xdb}
}

// cleanLocation makes a path absolute for Package.Location, falling back
// to the path as given.
func cleanLocation(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
