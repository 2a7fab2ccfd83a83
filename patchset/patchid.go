package patchset

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"runtime"
	"slices"
)

// PatchIDMode selects one of git patch-id's algorithms.
type PatchIDMode uint8

const (
	// PatchIDUnstable is `git patch-id` (and `--unstable`): one SHA-1 over
	// the whole whitespace-stripped diff, so the order of files matters.
	PatchIDUnstable PatchIDMode = iota
	// PatchIDStable is `git patch-id --stable`: one SHA-1 per file section,
	// summed, so the order of files does not matter. git uses this id
	// internally (cherry, rebase).
	PatchIDStable
	// PatchIDVerbatim is `git patch-id --verbatim`: like PatchIDStable but
	// without whitespace stripping.
	PatchIDVerbatim
)

// String returns the git option that selects the mode.
func (m PatchIDMode) String() string {
	switch m {
	case PatchIDUnstable:
		return "--unstable"
	case PatchIDStable:
		return "--stable"
	case PatchIDVerbatim:
		return "--verbatim"
	}
	return "PatchIDMode(?)"
}

// patchIDBufSize is the line buffer; longer lines are handled in pieces.
const patchIDBufSize = 1 << 20

// stageSize is how many stripped bytes are gathered before SHA-1 sees them.
const stageSize = 1 << 16

// PatchIDScanner computes git patch-ids over a stream of patches (git log
// -p output, format-patch mboxes, plain git diffs), exactly as `git
// patch-id` does, in memory that does not depend on the input's size.
//
// It reproduces git 2.39's quirks: a line of 40 hex digits (optionally after
// "commit " or "From ") ends the current patch and names the next one, even
// inside a message; text after a hunk whose counts are used up ends the
// patch (what follows is attributed to the all-zero commit until the next
// such line); "index" lines are not hashed but their object names are for
// binary files; a NUL byte ends a line. Lines longer than 1 MiB are hashed
// exactly, but if such a line is a hunk or index header only its first MiB
// is interpreted.
type PatchIDScanner struct {
	rd       io.Reader
	buf      []byte // buf[r:w] is read but not yet used
	r, w     int
	rerr     error // sticky read error or io.EOF
	nul      int   // index of the first NUL in buf[r:searched], or -1
	searched int
	stable   bool
	verbatim bool

	// The id being computed (git's get_one_patchid state).
	h          hash.Hash
	stage      []byte
	result     [20]byte
	patchLen   int64
	before     int32
	after      int32
	binary     bool
	pre, post  []byte
	commit     [20]byte // names the patch being computed
	nextCommit [20]byte
	foundNext  bool
	outID      [20]byte
	outCommit  [20]byte
	sum        [20]byte
	err        error
	eof        bool
	rest       restMode // what to do with the rest of a long line

	// Set while the scanner works on one segment of a parallel run:
	// inherit delivers the index object names left by the segments before
	// (git keeps them from patch to patch), needed only if a binary file
	// comes before this segment's own first index line; ownPre says that
	// the segment parsed an index line of its own.
	inherit <-chan preState
	stop    <-chan struct{}
	ownPre  bool

	// A segment is scanned in place (buf is the segment) as long as its
	// lines are complete and no longer than lineMax, the size of the own
	// line buffer; then the rest is read through the line buffer, so a
	// long or final line is handled as by a scanner that read it all.
	lineMax int
	own     []byte
	whole   *segJob
	br      bytes.Reader
}

// restMode says what happens to the pieces of a line longer than the buffer
// after the first.
type restMode uint8

const (
	restDrop         restMode = iota // not looked at (or after a NUL)
	restHash                         // hashed and counted
	restHashVerbatim                 // hashed as is, not counted (a "\ " line in verbatim mode)
)

// NewPatchIDScanner returns a scanner reading patches from r.
func NewPatchIDScanner(r io.Reader, mode PatchIDMode) *PatchIDScanner {
	return newPatchIDScanner(r, mode, patchIDBufSize)
}

// newPatchIDScanner allows a smaller buffer in tests; bufSize must be at
// least 64 so that the first piece of a long line decides like the whole.
func newPatchIDScanner(r io.Reader, mode PatchIDMode, bufSize int) *PatchIDScanner {
	bufSize = max(bufSize, 64)
	s := &PatchIDScanner{
		rd:       r,
		lineMax:  bufSize,
		buf:      make([]byte, bufSize),
		nul:      -1,
		stable:   mode != PatchIDUnstable,
		verbatim: mode == PatchIDVerbatim,
		h:        sha1.New(),
		stage:    make([]byte, 0, stageSize),
		pre:      make([]byte, 0, 64),
		post:     make([]byte, 0, 64),
	}
	s.own = s.buf
	s.reset()
	return s
}

func (s *PatchIDScanner) reset() {
	// The hash and the stage are empty here (endPatch flushed them).
	s.result = [20]byte{}
	s.patchLen = 0
	s.before, s.after = -1, -1
	s.binary = false
	s.foundNext = false
}

// fill moves unread data to the front of the buffer and reads more.
func (s *PatchIDScanner) fill() {
	if s.r > 0 {
		copy(s.buf, s.buf[s.r:s.w])
		s.w -= s.r
		s.searched -= s.r
		if s.nul >= 0 {
			s.nul -= s.r
		}
		s.r = 0
	}
	for tries := 0; s.w < len(s.buf) && s.rerr == nil && tries < 100; tries++ {
		n, err := s.rd.Read(s.buf[s.w:])
		if n < 0 || n > len(s.buf)-s.w {
			err = errors.New("patchset: invalid Read count")
			n = 0
		}
		s.w += n
		s.rerr = err
		if n > 0 {
			break
		}
	}
	if s.nul < 0 {
		if i := bytes.IndexByte(s.buf[s.searched:s.w], 0); i >= 0 {
			s.nul = s.searched + i
		}
	}
	s.searched = s.w
}

// consumed notes that the buffer up to s.r was used.
func (s *PatchIDScanner) consumed() {
	if s.nul >= 0 && s.nul < s.r {
		s.nul = -1
		if i := bytes.IndexByte(s.buf[s.r:s.searched], 0); i >= 0 {
			s.nul = s.r + i
		}
	}
}

// Scan advances to the next patch id. It returns false at the end of the
// input or on a read error (see Err).
func (s *PatchIDScanner) Scan() bool {
	for !s.eof {
		// Complete lines in the buffer; the common hunk line is handled
		// here without a call.
		for {
			i := bytes.IndexByte(s.buf[s.r:s.w], '\n')
			if i < 0 || i >= s.lineMax {
				break
			}
			line := s.buf[s.r : s.r+i+1]
			s.r += i + 1
			if s.nul >= 0 && s.nul < s.r {
				s.consumed()
				if s.lineStart(line, false, true) {
					return true
				}
				continue
			}
			if c0 := line[0]; (c0 == ' ' || c0 == '+' || c0 == '-') && s.patchLen != 0 && s.before != -1 && s.before|s.after != 0 && !s.binary {
				// Inside a hunk (the same test as in lineStart).
				if c0 != '+' {
					s.before--
				}
				if c0 != '-' {
					s.after--
				}
				if s.verbatim {
					s.update(line)
					s.patchLen += int64(len(line))
					continue
				}
				n := len(s.stage)
				if cap(s.stage)-n < len(line) {
					if len(line) > cap(s.stage) {
						s.patchLen += int64(s.hashLine(line))
						continue
					}
					s.flushStage()
					n = 0
				}
				k := stripSpace(s.stage[n:n+len(line)], line)
				s.stage = s.stage[:n+k]
				s.patchLen += int64(k)
				continue
			}
			if s.lineStart(line, false, false) {
				return true
			}
		}
		if s.whole != nil {
			s.leaveWhole()
			continue
		}
		if s.rerr != nil {
			s.eof = true
			if s.rerr != io.EOF {
				s.err = s.rerr
				return false
			}
			if s.r < s.w {
				line := s.buf[s.r:s.w]
				s.r = s.w
				hasNUL := s.nul >= 0
				s.consumed()
				if s.lineStart(line, false, hasNUL) {
					return true // a patch ended on the last line; nothing follows
				}
			}
			return s.finish()
		}
		if s.w-s.r < len(s.buf) {
			s.fill()
			continue
		}
		// A line longer than the buffer: the first piece decides, the
		// rest follows piece by piece.
		piece := s.buf[s.r:s.w]
		s.r = s.w
		hasNUL := s.nul >= 0
		s.consumed()
		ready := s.lineStart(piece, true, hasNUL)
		for {
			s.fill()
			i := bytes.IndexByte(s.buf[s.r:s.w], '\n')
			end := s.w
			if i >= 0 {
				end = s.r + i + 1
			}
			piece := s.buf[s.r:end]
			s.r = end
			hasNUL := s.nul >= 0 && s.nul < end
			s.consumed()
			s.lineMore(piece, hasNUL)
			if i >= 0 || s.rerr != nil && s.r == s.w {
				break
			}
		}
		s.rest = restDrop
		if ready {
			return true
		}
	}
	return false
}

// ID returns the patch id found by the last successful Scan.
func (s *PatchIDScanner) ID() [20]byte { return s.outID }

// Commit returns the commit the last id belongs to: the object name on the
// "commit"/"From" line before it, or all zeros.
func (s *PatchIDScanner) Commit() [20]byte { return s.outCommit }

// Err returns the first read error, if any.
func (s *PatchIDScanner) Err() error { return s.err }

// finish ends the current patch at the end of the input.
func (s *PatchIDScanner) finish() bool {
	ok := s.endPatch()
	s.reset()
	return ok
}

// endPatch completes the current id (git's flush_one_hunk at the end of
// get_one_patchid and flush_current_id) and moves to the next patch. It
// reports whether an id was produced.
func (s *PatchIDScanner) endPatch() bool {
	s.flushHunk()
	produced := s.patchLen != 0
	if produced {
		s.outID, s.outCommit = s.result, s.commit
	}
	if s.foundNext {
		s.commit = s.nextCommit
	} else {
		s.commit = [20]byte{}
	}
	return produced
}

func (s *PatchIDScanner) flushStage() {
	if len(s.stage) > 0 {
		s.h.Write(s.stage)
		s.stage = s.stage[:0]
	}
}

// flushHunk is git's flush_one_hunk: add the SHA-1 of what was hashed
// since the last flush into result, with carry.
func (s *PatchIDScanner) flushHunk() {
	s.flushStage()
	sum := s.h.Sum(s.sum[:0])
	s.h.Reset()
	var carry uint16
	for i := 0; i < 20; i++ {
		carry += uint16(s.result[i]) + uint16(sum[i])
		s.result[i] = byte(carry)
		carry >>= 8
	}
}

// update hashes b as is.
func (s *PatchIDScanner) update(b []byte) {
	if len(b) > cap(s.stage)-len(s.stage) {
		s.flushStage()
		if len(b) >= cap(s.stage) {
			s.h.Write(b)
			return
		}
	}
	s.stage = append(s.stage, b...)
}

// notSpace is 1 for bytes git's isspace does not count as whitespace
// (git's own ctype: only SP, TAB, LF and CR are space).
var notSpace = func() (t [256]byte) {
	for i := range t {
		t[i] = 1
	}
	t[' '], t['\t'], t['\n'], t['\r'] = 0, 0, 0, 0
	return t
}()

// hashLine hashes a (piece of a) line, stripped of whitespace unless in
// verbatim mode, and returns how many bytes were hashed.
func (s *PatchIDScanner) hashLine(b []byte) int {
	if s.verbatim {
		s.update(b)
		return len(b)
	}
	total := 0
	for len(b) > 0 {
		if cap(s.stage)-len(s.stage) < len(b) && len(s.stage) > 0 {
			s.flushStage()
		}
		piece := b
		if len(piece) > cap(s.stage) {
			piece = piece[:cap(s.stage)]
		}
		b = b[len(piece):]
		n := len(s.stage)
		k := stripSpace(s.stage[n:n+len(piece)], piece)
		s.stage = s.stage[:n+k]
		total += k
	}
	return total
}

// stripSpace copies src to dst without git's whitespace and returns the
// number of bytes written; len(dst) must be at least len(src). (A
// branch-free byte loop; eight-byte word tricks measured slower on source
// code, where most words hold a space.)
func stripSpace(dst, src []byte) int {
	k := 0
	for _, c := range src {
		dst[k] = c
		k += int(notSpace[c])
	}
	return k
}

// cutNUL returns line up to its first NUL and whether there was one.
func cutNUL(line []byte) ([]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return line[:i], true
	}
	return line, false
}

// lineMore handles a further piece of a long line.
func (s *PatchIDScanner) lineMore(piece []byte, hasNUL bool) {
	if s.rest == restDrop {
		return
	}
	nul := false
	if hasNUL {
		piece, nul = cutNUL(piece)
	}
	switch s.rest {
	case restHash:
		s.patchLen += int64(s.hashLine(piece))
	case restHashVerbatim:
		s.update(piece)
	}
	if nul {
		s.rest = restDrop
	}
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// oidHex is git's get_oid_hex: 40 hex digits at the start of p.
func oidHex(p []byte, oid *[20]byte) bool {
	if len(p) < 40 {
		return false
	}
	for i := 0; i < 20; i++ {
		a, ok1 := hexVal(p[2*i])
		b, ok2 := hexVal(p[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		oid[i] = a<<4 | b
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// lineStart handles a whole line, or the first piece of a long one (more
// is true then). It reports whether a patch id is ready.
func (s *PatchIDScanner) lineStart(line []byte, more, hasNUL bool) bool {
	nul := false
	if hasNUL {
		line, nul = cutNUL(line)
	}
	s.rest = restDrop
	more = more && !nul // the rest of the line is beyond the NUL
	var c0 byte
	if len(line) > 0 {
		c0 = line[0]
	}
	// The common case first: a line inside a hunk.
	if (c0 == ' ' || c0 == '+' || c0 == '-') && s.patchLen != 0 && s.before != -1 && !s.binary && (s.before != 0 || s.after != 0) {
		if c0 != '+' {
			s.before--
		}
		if c0 != '-' {
			s.after--
		}
		s.patchLen += int64(s.hashLine(line))
		if more {
			s.rest = restHash
		}
		return false
	}

	// Possibly skip over the prefix added by "log" or "format-patch".
	p := line
	switch {
	case bytes.HasPrefix(line, []byte("commit ")):
		p = line[7:]
	case bytes.HasPrefix(line, []byte("From ")):
		p = line[5:]
	case bytes.HasPrefix(line, []byte(`\ `)) && (len(line) > 12 || more):
		if s.verbatim {
			// Hashed whole, but not counted in the patch's length.
			s.update(line)
			if more {
				s.rest = restHashVerbatim
			}
		}
		return false
	}
	if len(p) >= 40 {
		if _, ok := hexVal(p[0]); ok && oidHex(p, &s.nextCommit) {
			s.foundNext = true
			return s.finishAndReset()
		}
	}
	// Ignore commit comments.
	if s.patchLen == 0 && !bytes.HasPrefix(line, []byte("diff ")) {
		return false
	}
	// Parsing the diff header?
	if s.before == -1 {
		switch {
		case bytes.HasPrefix(line, []byte("GIT binary patch")), bytes.HasPrefix(line, []byte("Binary files")):
			if s.inherit != nil {
				s.inheritPre()
			}
			s.binary = true
			s.before = 0
			s.update(s.pre)
			s.update(s.post)
			if s.stable {
				s.flushHunk()
			}
			return false
		case bytes.HasPrefix(line, []byte("index ")):
			s.parseIndex(line)
			return false
		case bytes.HasPrefix(line, []byte("--- ")):
			s.before, s.after = 1, 1
		case !isAlpha(c0):
			return s.finishAndReset()
		}
	}
	if s.binary {
		if bytes.HasPrefix(line, []byte("diff ")) {
			s.binary = false
			s.before = -1
		}
		return false
	}
	// Looking for a valid hunk header?
	if s.before == 0 && s.after == 0 {
		if bytes.HasPrefix(line, []byte("@@ -")) {
			scanHunkHeader(line, &s.before, &s.after)
			return false
		}
		// Split at the end of the patch.
		if !bytes.HasPrefix(line, []byte("diff ")) {
			return s.finishAndReset()
		}
		// Else another file header.
		if s.stable {
			s.flushHunk()
		}
		s.before, s.after = -1, -1
	}
	// Inside a hunk.
	if c0 == '-' || c0 == ' ' {
		s.before--
	}
	if c0 == '+' || c0 == ' ' {
		s.after--
	}
	s.patchLen += int64(s.hashLine(line))
	if more {
		s.rest = restHash
	}
	return false
}

// finishAndReset ends the current patch in the middle of the input.
func (s *PatchIDScanner) finishAndReset() bool {
	ok := s.endPatch()
	s.reset()
	return ok
}

// parseIndex keeps the object names of an "index <a>..<b>[ <mode>]" line,
// as git does (it hashes them for binary files).
func (s *PatchIDScanner) parseIndex(line []byte) {
	dots := bytes.Index(line, []byte(".."))
	if dots < 0 {
		return
	}
	end := bytes.IndexByte(line[dots:], ' ')
	if end >= 0 {
		end += dots
	} else {
		end = len(line) - 1
	}
	pre := line[6:dots]
	var post []byte
	if end >= dots+2 {
		post = line[dots+2 : end]
	}
	if len(pre) > 64 {
		pre = pre[:64]
	}
	if len(post) > 64 {
		post = post[:64]
	}
	s.pre = append(s.pre[:0], pre...)
	s.post = append(s.post[:0], post...)
	s.inherit = nil
	s.ownPre = true
}

// cIsSpace is the C library's isspace in the C locale, which atoi uses.
func cIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// atoi is glibc's atoi: (int)strtol(s, NULL, 10), saturating at the
// limits of a 64-bit long before truncation to 32 bits.
func atoi(b []byte) int32 {
	i := 0
	for i < len(b) && cIsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v uint64
	over := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (1<<63-d)/10 {
			over = true
		}
		if !over {
			v = v*10 + d
		}
	}
	var l int64
	switch {
	case over && neg:
		l = -1 << 63
	case over:
		l = 1<<63 - 1
	case neg:
		if v == 1<<63 {
			l = -1 << 63
		} else {
			l = -int64(v)
		}
	default:
		if v > 1<<63-1 {
			l = 1<<63 - 1
		} else {
			l = int64(v)
		}
	}
	return int32(l)
}

func digitSpan(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// scanHunkHeader is git's scan_hunk_header: it sets the line counts of
// "@@ -a[,b] +c[,d]", a missing count being 1, and stops early (leaving
// a count as it is) on a malformed header, as git does.
func scanHunkHeader(line []byte, before, after *int32) {
	q := line[4:]
	n := digitSpan(q)
	if at(q, n) == ',' {
		q = q[n+1:]
		*before = atoi(q)
		n = digitSpan(q)
	} else {
		*before = 1
	}
	if n == 0 || at(q, n) != ' ' || at(q, n+1) != '+' {
		return
	}
	r := q[n+2:]
	n = digitSpan(r)
	if at(r, n) == ',' {
		r = r[n+1:]
		*after = atoi(r)
	} else {
		*after = 1
	}
}

// PatchIDs calls fn with each patch id in r and the commit it belongs to
// (all zeros when the patch is not preceded by a commit or From line), in
// the order `git patch-id` prints them. Memory use does not depend on the
// input's size.
//
// When more than one CPU is available and the input is larger than a
// block (1 MiB), the input is cut into segments at the lines that start a
// new patch (40 hex digits, optionally after "commit " or "From "; git
// starts from a fresh state at each), the segments are scanned in
// parallel and fn is called in input order from the calling goroutine. r
// must not be used by others meanwhile, and after an early return (a
// cancelled ctx) a goroutine may still be reading from r.
func PatchIDs(r io.Reader, mode PatchIDMode, fn func(id, commit [20]byte)) error {
	return PatchIDsContext(context.Background(), r, mode, fn)
}

// PatchIDsContext is PatchIDs that stops with ctx.Err() when ctx is done.
func PatchIDsContext(ctx context.Context, r io.Reader, mode PatchIDMode, fn func(id, commit [20]byte)) error {
	workers := min(runtime.GOMAXPROCS(0), maxWorkers)
	if workers < 2 {
		return scanIDs(ctx, NewPatchIDScanner(r, mode), fn)
	}
	return parallelPatchIDs(ctx, r, mode, fn, parallelConfig{block: defaultBlockSize, workers: workers, scanBuf: patchIDBufSize})
}

// scanIDs runs one scanner to the end.
func scanIDs(ctx context.Context, s *PatchIDScanner, fn func(id, commit [20]byte)) error {
	for s.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		fn(s.ID(), s.Commit())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Err()
}

// maxWorkers bounds the scanning goroutines (and so the memory: about two
// segments of a few MiB each per worker).
const maxWorkers = 16

// defaultBlockSize is how much the parallel reader reads at a time; a
// segment is cut from about that much input.
const defaultBlockSize = 1 << 20

// parallelConfig are the knobs of a parallel run (small values in tests
// make cut points fall everywhere).
type parallelConfig struct {
	block   int // bytes read at a time
	workers int // scanning goroutines
	scanBuf int // each scanner's line buffer
}

// preState is the index object names a scanner keeps between patches.
type preState struct{ pre, post []byte }

type idPair struct{ id, commit [20]byte }

// segJob is one segment of the input: it starts with a line that starts a
// patch (or at the start of the input) and ends where the next one
// starts. A fixed number of jobs circulate, so memory stays bounded.
type segJob struct {
	data []byte
	err  error // read error after data (or after the stream)

	// A segment longer than the reader's limit is streamed: its data
	// comes in chunks over stream (each acknowledged on ack, as the
	// reader reuses its buffer) and its ids go out over out.
	stream chan []byte
	ack    chan struct{}
	out    chan idPair

	ids     []idPair
	done    chan struct{} // capacity 1: the worker is done with ids
	inherit chan preState // capacity 1: sent by the collector
	scanErr error
	ownPre  bool
	pre     []byte
	post    []byte
}

type parallelRun struct {
	cfg    parallelConfig
	maxSeg int
	free   chan *segJob
	work   chan *segJob
	order  chan *segJob
	stop   chan struct{}
}

// readBlock reads into b until it is full, the input ends or fails, or
// the reader makes no progress.
func readBlock(r io.Reader, b []byte) (int, error) {
	n := 0
	for zero := 0; n < len(b); {
		k, err := r.Read(b[n:])
		if k < 0 || k > len(b)-n {
			return n, errors.New("patchset: invalid Read count")
		}
		n += k
		if err != nil {
			return n, err
		}
		if k > 0 {
			zero = 0
		} else if zero++; zero >= 100 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// errReader returns err after the data of its first reader.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func parallelPatchIDs(ctx context.Context, r io.Reader, mode PatchIDMode, fn func(id, commit [20]byte), cfg parallelConfig) error {
	first := make([]byte, cfg.block)
	n, err := readBlock(r, first)
	if err != nil {
		// A small input (or one that failed early): one scanner.
		var rd io.Reader = bytes.NewReader(first[:n])
		if err != io.EOF {
			rd = io.MultiReader(rd, errReader{err})
		}
		return scanIDs(ctx, newPatchIDScanner(rd, mode, min(n+1, cfg.scanBuf)), fn)
	}
	jobs := 2*cfg.workers + 2
	p := &parallelRun{
		cfg:    cfg,
		maxSeg: 4 * cfg.block,
		free:   make(chan *segJob, jobs),
		work:   make(chan *segJob, jobs),
		order:  make(chan *segJob, jobs),
		stop:   make(chan struct{}),
	}
	defer close(p.stop)
	for i := 0; i < jobs; i++ {
		p.free <- &segJob{
			done:    make(chan struct{}, 1),
			inherit: make(chan preState, 1),
		}
	}
	for i := 0; i < cfg.workers; i++ {
		go p.worker(newPatchIDScanner(nil, mode, cfg.scanBuf))
	}
	go p.reader(r, first)
	return p.collect(ctx, fn)
}

// collect calls fn with the ids of the segments in input order and gives
// each segment the index object names left by those before it.
func (p *parallelRun) collect(ctx context.Context, fn func(id, commit [20]byte)) error {
	var cur preState
	for j := range p.order {
		if err := ctx.Err(); err != nil {
			return err
		}
		j.inherit <- cur
		if j.out != nil {
			for id := range j.out {
				if err := ctx.Err(); err != nil {
					return err
				}
				fn(id.id, id.commit)
			}
		} else {
			<-j.done
			for _, id := range j.ids {
				if err := ctx.Err(); err != nil {
					return err
				}
				fn(id.id, id.commit)
			}
		}
		if j.scanErr != nil {
			return j.scanErr
		}
		if j.ownPre {
			cur.pre = append(cur.pre[:0], j.pre...)
			cur.post = append(cur.post[:0], j.post...)
		}
		select {
		case <-j.inherit: // not needed by the segment
		default:
		}
		j.data, j.err, j.ids, j.scanErr = j.data[:0], nil, j.ids[:0], nil
		j.stream, j.ack, j.out = nil, nil, nil
		p.free <- j
	}
	return ctx.Err()
}

// worker scans segments with its own scanner.
func (p *parallelRun) worker(s *PatchIDScanner) {
	for {
		var j *segJob
		select {
		case j = <-p.work:
		case <-p.stop:
			return
		}
		if j == nil {
			return
		}
		if j.stream != nil {
			s.restart(&chanReader{j: j, stop: p.stop}, j.inherit, p.stop)
		} else {
			s.restartWhole(j, p.stop)
		}
		for s.Scan() {
			if j.out != nil {
				select {
				case j.out <- idPair{s.ID(), s.Commit()}:
				case <-p.stop:
					return
				}
			} else {
				j.ids = append(j.ids, idPair{s.ID(), s.Commit()})
			}
		}
		j.scanErr = s.Err()
		j.ownPre = s.ownPre
		if s.ownPre {
			j.pre = append(j.pre[:0], s.pre...)
			j.post = append(j.post[:0], s.post...)
		}
		s.rd, s.inherit, s.whole, s.buf = nil, nil, nil, s.own
		if j.out != nil {
			close(j.out)
		} else {
			j.done <- struct{}{}
		}
	}
}

// leaveWhole reads the rest of the segment scanned in place through the
// line buffer.
func (s *PatchIDScanner) leaveWhole() {
	j := s.whole
	s.whole = nil
	s.br.Reset(s.buf[s.r:s.w])
	s.rd = &s.br
	if j.err != nil {
		s.rd = io.MultiReader(&s.br, errReader{j.err})
	}
	s.buf = s.own
	s.r, s.w, s.searched = 0, 0, 0
	s.nul = -1
}

// restartWhole prepares the scanner for the segment j.data, scanned in
// place, in the state of a new scanner.
func (s *PatchIDScanner) restartWhole(j *segJob, stop <-chan struct{}) {
	s.restart(nil, j.inherit, stop)
	s.whole = j
	s.buf = j.data
	s.w, s.searched = len(j.data), len(j.data)
	s.nul = bytes.IndexByte(j.data, 0)
}

// restart prepares the scanner for a new segment read from r, in the
// state of a new scanner.
func (s *PatchIDScanner) restart(r io.Reader, inherit <-chan preState, stop <-chan struct{}) {
	s.rd = r
	s.buf, s.whole = s.own, nil
	s.r, s.w, s.searched = 0, 0, 0
	s.rerr, s.err = nil, nil
	s.nul = -1
	s.eof = false
	s.rest = restDrop
	s.commit = [20]byte{}
	s.pre, s.post = s.pre[:0], s.post[:0]
	s.h.Reset()
	s.stage = s.stage[:0]
	s.inherit, s.stop, s.ownPre = inherit, stop, false
	s.reset()
}

// inheritPre waits for the index object names the segments before this
// one left.
func (s *PatchIDScanner) inheritPre() {
	select {
	case st := <-s.inherit:
		s.pre = append(s.pre[:0], st.pre...)
		s.post = append(s.post[:0], st.post...)
	case <-s.stop:
		runtime.Goexit()
	}
	s.inherit = nil
}

// chanReader reads a streamed segment.
type chanReader struct {
	j       *segJob
	cur     []byte
	pending bool // cur's chunk is not acknowledged yet
	stop    <-chan struct{}
}

func (c *chanReader) Read(b []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.pending {
			c.pending = false
			select {
			case c.j.ack <- struct{}{}:
			case <-c.stop:
				runtime.Goexit()
			}
		}
		select {
		case chunk, ok := <-c.j.stream:
			if !ok {
				if c.j.err != nil {
					return 0, c.j.err
				}
				return 0, io.EOF
			}
			c.cur, c.pending = chunk, true
		case <-c.stop:
			runtime.Goexit()
		}
	}
	n := copy(b, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// startsPatch reports whether the line at data[i:] starts a new patch in
// git (40 hex digits, optionally after "commit " or "From ", before any
// NUL) and whether that is decided by the bytes at hand.
func startsPatch(data []byte, i int, eof bool) (yes, decided bool) {
	line := data[i:]
	decided = eof || len(line) >= 47
	if len(line) > 47 {
		line = line[:47]
	}
	if k := bytes.IndexByte(line, '\n'); k >= 0 {
		line, decided = line[:k], true
	}
	if k := bytes.IndexByte(line, 0); k >= 0 {
		line, decided = line[:k], true
	}
	if !decided {
		return false, false
	}
	switch {
	case bytes.HasPrefix(line, []byte("commit ")):
		line = line[7:]
	case bytes.HasPrefix(line, []byte("From ")):
		line = line[5:]
	}
	var oid [20]byte
	return oidHex(line, &oid), true
}

// lastCut returns the start of the last line at or after from that starts
// a patch, or -1, and where to look again once more data is appended.
func lastCut(data []byte, from int) (cut, next int) {
	next = max(from, bytes.LastIndexByte(data, '\n')+1)
	end := len(data)
	for {
		i := bytes.LastIndexByte(data[:end], '\n')
		ls := i + 1
		if ls < from || i < 0 {
			return -1, next
		}
		if yes, _ := startsPatch(data, ls, false); yes {
			return ls, next
		}
		end = i
	}
}

func (p *parallelRun) getJob() *segJob {
	select {
	case j := <-p.free:
		return j
	case <-p.stop:
		runtime.Goexit()
	}
	return nil
}

func (p *parallelRun) send(j *segJob) {
	select {
	case p.order <- j:
	case <-p.stop:
		runtime.Goexit()
	}
	select {
	case p.work <- j:
	case <-p.stop:
		runtime.Goexit()
	}
}

// grow reads the next block onto j.data.
func (p *parallelRun) grow(r io.Reader, buf []byte) ([]byte, error) {
	buf = slices.Grow(buf, p.cfg.block)
	n, err := readBlock(r, buf[len(buf):len(buf)+p.cfg.block])
	return buf[:len(buf)+n], err
}

// reader cuts the input into segments.
func (p *parallelRun) reader(r io.Reader, first []byte) {
	defer close(p.work)
	defer close(p.order)
	j := p.getJob()
	j.data = first
	from := 1 // line starts before from do not start a patch
	for {
		cut, next := lastCut(j.data, from)
		if cut > 0 {
			nj := p.getJob()
			nj.data = append(nj.data[:0], j.data[cut:]...)
			j.data = j.data[:cut]
			p.send(j)
			j, from = nj, 1
		} else if from = next; len(j.data) >= p.maxSeg {
			if j = p.streamSegment(r, j, from); j == nil {
				return
			}
			from = 1
		}
		var err error
		j.data, err = p.grow(r, j.data)
		if err != nil {
			if err != io.EOF {
				j.err = err
			}
			p.send(j)
			return
		}
	}
}

// streamSegment hands a long segment to a worker piece by piece until the
// next line that starts a patch; it returns a job holding the rest read so
// far, or nil at the end of the input. Line starts in j.data before from
// do not start a patch.
func (p *parallelRun) streamSegment(r io.Reader, j *segJob, from int) *segJob {
	j.stream = make(chan []byte)
	j.ack = make(chan struct{})
	j.out = make(chan idPair, 64)
	stream, ack := j.stream, j.ack
	p.send(j)
	push := func(b []byte) {
		if len(b) == 0 {
			return
		}
		select {
		case stream <- b:
		case <-p.stop:
			runtime.Goexit()
		}
		select {
		case <-ack:
		case <-p.stop:
			runtime.Goexit()
		}
	}
	// j.data is no longer j's: the worker reads the stream and the
	// collector waits for the stream's end before it reuses j.
	buf := j.data
	if bytes.IndexByte(buf, '\n') < 0 {
		from = -1 // the next line start is after the next newline
	}
	for {
		// Find the first line start at or after from that starts a
		// patch or cannot be decided yet.
		ls := from
		if ls < 0 {
			ls = bytes.IndexByte(buf, '\n') + 1
			if ls == 0 {
				ls = -1
			}
		}
		for ls >= 0 {
			yes, decided := startsPatch(buf, ls, false)
			if yes || !decided {
				break
			}
			k := bytes.IndexByte(buf[ls:], '\n')
			if k < 0 {
				ls = -1
				break
			}
			ls += k + 1
		}
		if ls >= 0 {
			if yes, _ := startsPatch(buf, ls, false); yes {
				push(buf[:ls])
				nj := p.getJob()
				nj.data = append(nj.data[:0], buf[ls:]...)
				close(stream)
				return nj
			}
			push(buf[:ls])
			buf = append(buf[:0], buf[ls:]...)
			from = 0
		} else {
			push(buf)
			buf, from = buf[:0], -1
		}
		var err error
		buf, err = p.grow(r, buf)
		if err != nil {
			push(buf)
			if err != io.EOF {
				j.err = err
			}
			close(stream)
			return nil
		}
	}
}

// AppendPatchIDLine appends the line `git patch-id` prints for an id:
// "<id> <commit>\n" in lower-case hex.
func AppendPatchIDLine(dst []byte, id, commit [20]byte) []byte {
	dst = hex.AppendEncode(dst, id[:])
	dst = append(dst, ' ')
	dst = hex.AppendEncode(dst, commit[:])
	return append(dst, '\n')
}

// PatchID returns the patch id of p as `git patch-id` computes it from
// p.Bytes(), and whether there is one (a patch without a "diff" line, such
// as a plain `diff -u` without a diff command line, has none). If git would
// split p into several patches (a message line that starts with 40 hex
// digits), the first id is returned.
func (p *Patch) PatchID(mode PatchIDMode) ([20]byte, bool) {
	// A buffer longer than the patch: no line is cut into pieces.
	s := newPatchIDScanner(bytes.NewReader(p.raw), mode, min(len(p.raw)+1, patchIDBufSize))
	if s.Scan() {
		return s.ID(), true
	}
	return [20]byte{}, false
}
