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
