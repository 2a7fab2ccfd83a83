package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
	decompressor "github.com/patchtrace/patchtrace/internal/decompress"
	"github.com/patchtrace/patchtrace/progress"
)

// SRPMInfo is what an SRPM header says beyond the NEVR.
type SRPMInfo struct {
	// Sources and Patches are the SOURCE and PATCH tags: file names (or
	// URLs, as the spec wrote them) in header order.
	Sources, Patches []string
	// NoSource and NoPatch list the numbers of sources and patches left
	// out of the package (NoSource:/NoPatch:).
	NoSource, NoPatch []int64
	// Arch is the ARCH tag (the build host's arch for SRPMs).
	Arch string
	// PayloadFormat and PayloadCompressor are as the header states
	// ("cpio"; "gzip", "xz", "zstd" ...); the reader sniffs the actual
	// compression from the payload's magic bytes.
	PayloadFormat, PayloadCompressor string
	// SpecFileFlag is true when the spec was found by its
	// RPMFILE_SPECFILE flag (false: by its .spec name).
	SpecFileFlag bool
}

// SRPMSource reads a source RPM file.
type SRPMSource struct {
	name string
	path string
	opts Options
}

// SRPMFile returns a Source reading the source RPM at path. Nothing is
// written to disk: the payload is decompressed as a stream, in memory.
func SRPMFile(name, path string, opts Options) *SRPMSource {
	return &SRPMSource{name: name, path: path, opts: opts.withDefaults()}
}

// Name returns the name given to the source.
func (s *SRPMSource) Name() string { return s.name }

// Load reads the SRPM's header and payload.
func (s *SRPMSource) Load(ctx context.Context) (*Package, error) {
	f, err := input.OpenFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.name, err)
	}
	defer f.Close()
	var total int64
	if fi, err := f.Stat(); err == nil {
		total = fi.Size()
	}
	p, err := readSRPM(ctx, f, total, &s.opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: %s: %w", s.name, s.path, err)
	}
	p.Origin = s.name
	p.Location = cleanLocation(s.path)
	srpm, opts := s.path, s.opts
	p.reopen = func(ctx context.Context, member string) (io.ReadCloser, error) {
		return openSRPMMember(ctx, srpm, member, &opts)
	}
	return p, nil
}

// ReadSRPM reads a source RPM from r (name is used as Package.Origin and
// Location). size, when positive, is r's length, used for progress.
func ReadSRPM(ctx context.Context, name string, r io.Reader, size int64, opts Options) (*Package, error) {
	o := opts.withDefaults()
	p, err := readSRPM(ctx, r, size, &o)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	p.Origin, p.Location = name, name
	return p, nil
}

// ctxReader fails reads once ctx is done and reports progress.
type ctxReader struct {
	ctx   context.Context
	r     *offsetReader
	o     *Options
	total int64
	last  int64
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.o.Progress != nil && c.r.off-c.last >= 1<<20 {
		c.last = c.r.off
		c.o.Progress.Send(progress.Report{Stage: "payload", Done: c.r.off, Total: c.total})
	}
	return n, err
}

// payloadReader reads the decompressed payload, turning decompressor
// failures (corrupt or truncated data) into ErrFormat errors.
type payloadReader struct{ r io.Reader }

func (p *payloadReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	var de *decompressor.Error
	if err != nil && errors.As(err, &de) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return n, err
}

// srpmStream is an SRPM read up to its payload, and the payload's cpio
// archive being walked.
type srpmStream struct {
	nevr     NEVR
	info     *SRPMInfo
	specName string // the member flagged RPMFILE_SPECFILE, cleaned; "" when none

	or           *offsetReader
	br           *bufio.Reader
	cr           *cpioReader
	names        []string
	sizes, modes []int64
	closeDec     func()

	member string // the current member's name as stored, "" between members
	start  int64  // payload offset of the current member's header
	seen   map[string]int64
	max    int // members
}

// openSRPM reads the lead and headers of the SRPM r and opens its payload.
func openSRPM(ctx context.Context, r io.Reader, total int64, o *Options) (*srpmStream, error) {
	or := &offsetReader{r: r}
	isSource, err := readLead(or)
	if err != nil {
		return nil, err
	}
	if _, err := readHeader(or, "signature header", true); err != nil {
		return nil, err
	}
	h, err := readHeader(or, "header", false)
	if err != nil {
		return nil, err
	}
	s := &srpmStream{or: or, seen: map[string]int64{}, max: o.MaxFiles}
	s.nevr = NEVR{Name: h.str(tagName), Version: h.str(tagVersion), Release: h.str(tagRelease)}
	if e := h.ints(tagEpoch); len(e) > 0 {
		s.nevr.Epoch = strconv.FormatInt(e[0], 10)
	}
	if s.nevr.Name == "" || s.nevr.Version == "" || s.nevr.Release == "" {
		return nil, fmt.Errorf("%w: header lacks NAME, VERSION or RELEASE", ErrFormat)
	}
	s.info = &SRPMInfo{
		Sources:           h.strs(tagSource),
		Patches:           h.strs(tagPatch),
		NoSource:          h.ints(tagNoSource),
		NoPatch:           h.ints(tagNoPatch),
		Arch:              h.str(tagArch),
		PayloadFormat:     h.str(tagPayloadFormat),
		PayloadCompressor: h.str(tagPayloadCompressor),
	}
	if !isSource && !h.has(tagSourcePackage) {
		return nil, fmt.Errorf("%w: a binary RPM, not a source RPM", ErrFormat)
	}
	if s.names, err = h.fileNames(); err != nil {
		return nil, err
	}
	flags := h.ints(tagFileFlags)
	s.modes = h.ints(tagFileModes)
	if s.sizes = h.ints(tagLongFileSizes); len(s.sizes) == 0 {
		s.sizes = h.ints(tagFileSizes)
	}
	for i, nm := range s.names {
		if i < len(flags) && flags[i]&fileFlagSpec != 0 {
			if s.specName, err = cleanCpioName(nm); err != nil {
				return nil, fmt.Errorf("header: %w", err)
			}
			s.info.SpecFileFlag = true
			break
		}
	}
	s.br = bufio.NewReaderSize(&ctxReader{ctx: ctx, r: or, o: o, total: total}, 64<<10)
	dec, closeDec, err := decompress(s.br, s.info.PayloadCompressor)
	if err != nil {
		closeDec()
		return nil, input.Errorf(input.Position{Offset: or.off - int64(s.br.Buffered())}, "payload: %w", err)
	}
	s.closeDec = closeDec
	s.cr = &cpioReader{r: &payloadReader{r: input.CapReader(dec, o.MaxPayloadSize, "payload")}}
	return s, nil
}

// close releases the decompressor.
func (s *srpmStream) close() { s.closeDec() }

// at positions an error: how far the (compressed) file was read, the
// exact payload offset, and the member being read.
func (s *srpmStream) at(err error) error {
	pos := input.Position{Offset: s.or.off - int64(s.br.Buffered())}
	if s.member == "" {
		return input.Errorf(pos, "payload byte %d (cpio header): %w", s.start, err)
	}
	return input.Errorf(pos, "payload byte %d (member %q at byte %d): %w", s.cr.off, s.member, s.start, err)
}

// next moves to the next member (the previous one must be finished) and
// returns its header and clean name; nil at the end of the archive, which
// is read to its end so that the compression's own checks (gzip's CRC-32,
// xz's check) run. Names with "..", duplicate names and duplicate base
// names are errors. Errors are positioned.
func (s *srpmStream) next() (*cpioHeader, string, error) {
	s.member, s.start = "", s.cr.off
	hdr, err := s.cr.next(s.names, s.sizes, s.modes)
	if err != nil {
		return nil, "", s.at(err)
	}
	if hdr == nil {
		if _, err := io.Copy(io.Discard, s.cr.r); err != nil {
			return nil, "", s.at(fmt.Errorf("after the cpio trailer: %w", err))
		}
		return nil, "", nil
	}
	s.member = hdr.name
	if len(s.seen) >= 2*s.max {
		return nil, "", s.at(fmt.Errorf("%w: more than %d members", input.ErrTooLarge, s.max))
	}
	name, err := cleanCpioName(hdr.name)
	if err != nil {
		return nil, "", s.at(err)
	}
	for _, k := range []string{name, "/" + path.Base(name)} {
		if prev, dup := s.seen[k]; dup {
			return nil, "", s.at(fmt.Errorf("%w: duplicate member name %s (first at payload byte %d)", ErrFormat, strings.TrimPrefix(k, "/"), prev))
		}
		s.seen[k] = s.start
	}
	return hdr, name, nil
}

func readSRPM(ctx context.Context, r io.Reader, total int64, o *Options) (*Package, error) {
	s, err := openSRPM(ctx, r, total, o)
	if err != nil {
		return nil, err
	}
	defer s.close()
	p := &Package{Layout: SRPM, NEVR: &s.nevr, SRPM: s.info}
	b := &budget{opts: o}
	var specs []File
	for {
		hdr, name, err := s.next()
		if err != nil {
			return nil, err
		}
		if hdr == nil {
			break
		}
		if !hdr.regular {
			p.Skipped = append(p.Skipped, Skipped{Path: name, Reason: input.Kind(hdr.mode) + " (only regular files are read)"})
			if err := s.cr.skip(); err != nil {
				return nil, s.at(err)
			}
			continue
		}
		o.Progress.Send(progress.Report{Stage: "payload", Done: s.or.off, Total: total, Detail: name})
		isSpec := name == s.specName || s.specName == "" && strings.HasSuffix(name, ".spec") && !strings.Contains(name, "/")
		f, skip, err := b.readFile(s.cr.body(), name, hdr.size, isSpec)
		if err != nil {
			return nil, s.at(err)
		}
		if err := s.cr.finish(); err != nil {
			return nil, s.at(err)
		}
		switch {
		case skip != nil:
			p.Skipped = append(p.Skipped, *skip)
		case isSpec:
			specs = append(specs, f)
		default:
			p.Files = append(p.Files, f)
		}
	}
	switch {
	case len(specs) == 0:
		return nil, ErrNoSpec
	case len(specs) > 1:
		var l []string
		for _, s := range specs {
			l = append(l, s.Path)
		}
		return nil, fmt.Errorf("%w: %s", ErrAmbiguousSpec, strings.Join(l, ", "))
	}
	p.SpecName, p.Spec = specs[0].Path, specs[0].Data
	o.Progress.Send(progress.Report{Stage: "payload", Done: s.or.off, Total: total})
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
	return p, nil
}

// openSRPMMember opens the SRPM file at srpmPath again and returns a
// reader of the member's body (see Package.Open).
func openSRPMMember(ctx context.Context, srpmPath, member string, o *Options) (io.ReadCloser, error) {
	f, err := input.OpenFile(srpmPath)
	if err != nil {
		return nil, err
	}
	s, err := openSRPM(ctx, f, 0, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	for {
		hdr, name, err := s.next()
		if err == nil && hdr == nil {
			err = fmt.Errorf("%s: %w", member, fs.ErrNotExist)
		}
		if err != nil {
			s.close()
			f.Close()
			return nil, err
		}
		if name == member && hdr.regular {
			return &memberReader{s: s, f: f, r: s.cr.body()}, nil
		}
		if err := s.cr.skip(); err != nil {
			s.close()
			f.Close()
			return nil, s.at(err)
		}
	}
}

// memberReader streams one SRPM member; errors are positioned.
type memberReader struct {
	s *srpmStream
	f io.Closer
	r io.Reader
}

func (m *memberReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = m.s.at(err)
	}
	return n, err
}

func (m *memberReader) Close() error {
	m.s.close()
	return m.f.Close()
}

// cleanCpioName returns a member's name as a path inside the package:
// without rpm's leading "./" or "/", cleaned. A name with a ".."
// component, or none left, is an error: it would shadow or escape.
func cleanCpioName(s string) (string, error) {
	name := strings.TrimLeft(strings.TrimPrefix(s, "./"), "/")
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", fmt.Errorf("%w: member name %q has a .. component", ErrFormat, s)
		}
	}
	name = path.Clean(name)
	if name == "." || name == "" {
		return "", fmt.Errorf("%w: member name %q is empty", ErrFormat, s)
	}
	return name, nil
}

// decompress returns the payload's cpio stream: as is when it starts with
// cpio's magic, else through the shared decompressor (internal/decompress),
// its errors wrapped in ErrFormat or input.ErrTooLarge.
func decompress(br *bufio.Reader, declared string) (io.Reader, func(), error) {
	if magic, _ := br.Peek(4); bytes.HasPrefix(magic, []byte("0707")) {
		return br, func() {}, nil
	}
	r, done, err := decompressor.NewReader(br, declared)
	var de *decompressor.Error
	switch {
	case err == nil:
		return r, done, nil
	case errors.As(err, &de) && de.TooLarge:
		return nil, done, fmt.Errorf("%w: %w", input.ErrTooLarge, err)
	case errors.Is(err, decompressor.ErrUnknown):
		magic, _ := br.Peek(6)
		return nil, done, fmt.Errorf("%w: unknown payload compression (header says %q, magic % x)", ErrFormat, declared, magic)
	case de != nil:
		return nil, done, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return nil, done, err
}

// cpioHeader is one archive member.
type cpioHeader struct {
	name    string
	size    int64
	regular bool
	mode    fs.FileMode // type bits
}

// cpioReader reads rpm's cpio payloads: "newc" (070701), "crc" (070702)
// and rpm's stripped format (07070X, whose file names and sizes come from
// the header).
type cpioReader struct {
	r    io.Reader
	off  int64
	left int64 // bytes of the current body not yet read
	pad  int64 // padding after the current body
}

func (c *cpioReader) read(n int) ([]byte, error) {
	b := make([]byte, n)
	k, err := io.ReadFull(c.r, b)
	c.off += int64(k)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: cpio truncated", ErrFormat)
		}
		return nil, err
	}
	return b, nil
}

func (c *cpioReader) discard(n int64) error {
	k, err := io.CopyN(io.Discard, c.r, n)
	c.off += k
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: cpio truncated", ErrFormat)
		}
		return err
	}
	return nil
}

func hex8(b []byte) (int64, bool) {
	v, err := strconv.ParseUint(string(b), 16, 32)
	return int64(v), err == nil
}

// next returns the next member's header, or nil at the trailer; the
// previous member must be finished (finish or skip).
func (c *cpioReader) next(names []string, sizes, modes []int64) (*cpioHeader, error) {
	magic, err := c.read(6)
	if err != nil {
		return nil, err
	}
	switch string(magic) {
	case "070701", "070702":
	case "07070X":
		b, err := c.read(8)
		if err != nil {
			return nil, err
		}
		idx, ok := hex8(b)
		if !ok {
			return nil, fmt.Errorf("%w: cpio: bad stripped header", ErrFormat)
		}
		if err := c.discard((4 - c.off%4) % 4); err != nil {
			return nil, err
		}
		if idx >= int64(len(names)) || idx >= int64(len(sizes)) {
			return nil, fmt.Errorf("%w: cpio: file index %d out of range", ErrFormat, idx)
		}
		mode := int64(0o100000)
		if idx < int64(len(modes)) {
			mode = modes[idx]
		}
		h := &cpioHeader{name: names[idx], size: sizes[idx], regular: mode&0o170000 == 0o100000, mode: cpioType(mode)}
		c.left, c.pad = h.size, (4-(c.off+h.size)%4)%4
		return h, nil
	default:
		return nil, fmt.Errorf("%w: cpio: bad magic %q", ErrFormat, magic)
	}
	rest, err := c.read(104)
	if err != nil {
		return nil, err
	}
	field := func(i int) (int64, error) {
		v, ok := hex8(rest[i*8 : i*8+8])
		if !ok {
			return 0, fmt.Errorf("%w: cpio: bad header field", ErrFormat)
		}
		return v, nil
	}
	mode, err := field(1)
	if err != nil {
		return nil, err
	}
	size, err := field(6)
	if err != nil {
		return nil, err
	}
	nameSize, err := field(11)
	if err != nil {
		return nil, err
	}
	if nameSize < 1 || nameSize > 4096 {
		return nil, fmt.Errorf("%w: cpio: name size %d", ErrFormat, nameSize)
	}
	nb, err := c.read(int(nameSize))
	if err != nil {
		return nil, err
	}
	if err := c.discard((4 - c.off%4) % 4); err != nil {
		return nil, err
	}
	name := string(bytes.TrimRight(nb, "\x00"))
	if name == "TRAILER!!!" {
		return nil, nil
	}
	h := &cpioHeader{name: name, size: size, regular: mode&0o170000 == 0o100000, mode: cpioType(mode)}
	c.left, c.pad = size, (4-(c.off+size)%4)%4
	return h, nil
}

// cpioType returns the fs type bits of a cpio (st_mode) mode.
func cpioType(mode int64) fs.FileMode {
	switch mode & 0o170000 {
	case 0o100000:
		return 0
	case 0o040000:
		return fs.ModeDir
	case 0o120000:
		return fs.ModeSymlink
	case 0o010000:
		return fs.ModeNamedPipe
	case 0o140000:
		return fs.ModeSocket
	case 0o020000:
		return fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

// body returns a reader of the current member's data.
func (c *cpioReader) body() io.Reader { return &cpioBody{c: c} }

type cpioBody struct{ c *cpioReader }

func (b *cpioBody) Read(p []byte) (int, error) {
	c := b.c
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.off += int64(n)
	if err == io.EOF {
		if c.left > 0 {
			return n, fmt.Errorf("%w: cpio truncated", ErrFormat)
		}
		err = nil
	}
	return n, err
}

// finish skips what is left of the current member and its padding.
func (c *cpioReader) finish() error {
	if err := c.discard(c.left + c.pad); err != nil {
		return err
	}
	c.left, c.pad = 0, 0
	return nil
}

// skip is finish for members not read.
func (c *cpioReader) skip() error { return c.finish() }
