package patchset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// MaxInputSize is the largest input Parse accepts.
const MaxInputSize = 1 << 30

// Errors wrapped by the *input.Error values Parse returns; test for them
// with errors.Is. Input beyond MaxInputSize wraps input.ErrTooLarge.
var (
	// ErrTruncatedHunk: the input ends, or a line that cannot be part of a
	// hunk appears, before the hunk holds as many lines as its header says.
	ErrTruncatedHunk = errors.New("truncated hunk")
	// ErrHunkCount: a hunk holds a line its header has no room for.
	ErrHunkCount = errors.New("hunk line counts do not match its header")
	// ErrHunkHeader: a "@@" line that is not a valid hunk header.
	ErrHunkHeader = errors.New("malformed hunk header")
	// ErrBinaryPatch: a "GIT binary patch" block that is cut short.
	ErrBinaryPatch = errors.New("malformed GIT binary patch")
)

// Parse reads the patch file called name from r. See ParseBytes.
func Parse(name string, r io.Reader) ([]*Patch, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, err
	}
	return ParseBytes(name, data)
}

// ParseBytes parses data, the content of the patch file called name (used
// in error messages only). It returns one Patch per mbox message or git log
// commit, or a single Patch for a plain diff. Text that is neither header
// nor diff (a format-patch signature, "Only in" lines, prose) is kept in the
// patches' bytes but not interpreted. Errors are *input.Error values that
// carry name:line.
//
// Patch.Bytes share data's memory; hunk line texts share one string copy
// of data, so keeping any of them keeps that copy alive.
func ParseBytes(name string, data []byte) ([]*Patch, error) {
	if name == "" {
		name = "<input>"
	}
	if len(data) > MaxInputSize {
		return nil, &input.Error{Pos: input.Position{File: name}, Err: input.ErrTooLarge}
	}
	lines := splitLines(data)
	// One string for all line texts: hunk lines are substrings of it.
	text := string(data)
	offs := make([]int, len(lines))
	o := 0
	for i, l := range lines {
		offs[i] = o
		o += len(l)
	}
	starts := []int{0}
	for i := 1; i < len(lines); i++ {
		if isPatchStart(lines, i) {
			starts = append(starts, i)
		}
	}
	// Text before the first mbox message or commit that holds no diff (a
	// description prepended to a format-patch file) is kept with the first
	// patch but not parsed as its header.
	if len(starts) > 1 {
		pp := &patchParser{name: name, lines: lines[:starts[1]], text: text, offs: offs}
		hasDiff := false
		for i := range pp.lines {
			if pp.fileStart(i) {
				hasDiff = true
				break
			}
		}
		if !hasDiff {
			starts = starts[1:]
		}
	}
	var patches []*Patch
	off := 0
	for k, s := range starts {
		e := len(lines)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		n := 0
		from := s
		if k == 0 {
			from = 0
		}
		for _, l := range lines[from:e] {
			n += len(l)
		}
		p := &Patch{Name: name, Line: s + 1, raw: data[off : off+n : off+n]}
		off += n
		ps := &patchParser{name: name, lines: lines[s:e], base: s, text: text, offs: offs}
		if err := ps.parse(p); err != nil {
			return nil, err
		}
		if from < s {
			pre := make([]string, s-from)
			for i := range pre {
				pre[i] = string(chomp(lines[from+i]))
			}
			p.Header.Hints = append(extractHints(pre, from+1), p.Header.Hints...)
		}
		patches = append(patches, p)
	}
	if len(patches) == 1 && len(data) == 0 {
		patches[0].raw = data
	}
	return patches, nil
}

// splitLines splits data after each '\n'; the last line may lack one.
func splitLines(data []byte) [][]byte {
	n := bytes.Count(data, []byte{'\n'}) + 1
	lines := make([][]byte, 0, n)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1:i+1])
		data = data[i+1:]
	}
	return lines
}

// chomp returns l without its "\n" or "\r\n" terminator.
func chomp(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\n' {
		l = l[:n-1]
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
	}
	return l
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(b) > 0
}

// leadingSHA returns the 40-hex object name that starts b, if any, when it
// is followed by the end of the line or a space.
func leadingSHA(b []byte) (string, bool) {
	if len(b) < 40 || !isHex(b[:40]) {
		return "", false
	}
	if len(b) > 40 && b[40] != ' ' && b[40] != '\t' {
		return "", false
	}
	return strings.ToLower(string(b[:40])), true
}

// isHeaderField reports whether l looks like an RFC 822 header line.
func isHeaderField(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range l[:i] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isPatchStart reports whether lines[i] starts a new patch: an mbox
// "From " line (format-patch's "From <sha> <date>" or a classic From_ line
// followed by header fields) or a git log "commit <sha>" line followed by
// Author:/Merge:.
func isPatchStart(lines [][]byte, i int) bool {
	l := chomp(lines[i])
	next := []byte(nil)
	if i+1 < len(lines) {
		next = chomp(lines[i+1])
	}
	if rest, ok := bytes.CutPrefix(l, []byte("From ")); ok {
		if _, ok := leadingSHA(rest); ok {
			return true
		}
		prevBlank := i == 0 || len(chomp(lines[i-1])) == 0
		return prevBlank && isHeaderField(next) && bytes.Count(rest, []byte(" ")) >= 2
	}
	if rest, ok := bytes.CutPrefix(l, []byte("commit ")); ok {
		if _, ok := leadingSHA(rest); ok {
			return bytes.HasPrefix(next, []byte("Author:")) || bytes.HasPrefix(next, []byte("Merge:"))
		}
	}
	return false
}

type patchParser struct {
	name  string
	lines [][]byte
	base  int // index of lines[0] in the whole input
	i     int
	text  string // the whole input
	offs  []int  // offset in text of each line of the whole input

	scratch []Line // parseHunk's line buffer, reused from hunk to hunk
}

// lineText returns line i without its terminator as a substring of the
// input (no copy).
func (ps *patchParser) lineText(i int) string {
	o := ps.offs[ps.base+i]
	return ps.text[o : o+len(ps.line(i))]
}

func (ps *patchParser) errf(i int, err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg != "" {
		err = fmt.Errorf("%w: %s", err, msg)
	}
	return &input.Error{Pos: input.Position{File: ps.name, Line: ps.base + i + 1}, Err: err}
}

func (ps *patchParser) line(i int) []byte { return chomp(ps.lines[i]) }

// fileStart reports whether a file section starts at line i.
func (ps *patchParser) fileStart(i int) bool {
	l := ps.line(i)
	switch {
	case bytes.HasPrefix(l, []byte("diff --git ")), bytes.HasPrefix(l, []byte("diff -")):
		return true
	case bytes.HasPrefix(l, []byte("diff ")):
		// "diff a b" without options: a diff command line only if a
		// diff follows (not prose in a message).
		if i+1 < len(ps.lines) {
			n := ps.line(i + 1)
			return bytes.HasPrefix(n, []byte("--- ")) || bytes.HasPrefix(n, []byte("Binary files ")) || bytes.HasPrefix(n, []byte("index "))
		}
		return false
	case bytes.HasPrefix(l, []byte("--- ")):
		return i+1 < len(ps.lines) && bytes.HasPrefix(ps.line(i+1), []byte("+++ "))
	case bytes.HasPrefix(l, []byte("Index: ")):
		return i+1 < len(ps.lines) && bytes.HasPrefix(ps.line(i+1), []byte("===="))
	case bytes.HasPrefix(l, []byte("*** ")):
		return ps.contextHeader(i)
	}
	return false
}

// contextHeader reports whether a context diff ("*** old", "--- new",
// "***************") starts at line i.
func (ps *patchParser) contextHeader(i int) bool {
	return i+2 < len(ps.lines) && bytes.HasPrefix(ps.line(i), []byte("*** ")) &&
		bytes.HasPrefix(ps.line(i+1), []byte("--- ")) && bytes.HasPrefix(ps.line(i+2), []byte("***************"))
}

func (ps *patchParser) parse(p *Patch) error {
	// Header: everything before the first file section.
	end := 0
	for end < len(ps.lines) && !ps.fileStart(end) {
		end++
	}
	ps.parseHeader(&p.Header, end)
	ps.i = end
	for ps.i < len(ps.lines) {
		if !ps.fileStart(ps.i) {
			ps.i++ // text between or after file sections
			continue
		}
		f, err := ps.parseFile()
		if err != nil {
			return err
		}
		if f.empty {
			// A plain "diff" command line with no diff after it (as
			// patch(1), it is ignored; its bytes are kept).
			continue
		}
		p.Files = append(p.Files, f)
	}
	return nil
}

// parseHeader fills h from lines [0, end).
func (ps *patchParser) parseHeader(h *Header, end int) {
	i := 0
	var fields []field
	var body []string
	if len(ps.lines) == 0 {
		return
	}
	first := ps.line(0)
	switch {
	case bytes.HasPrefix(first, []byte("From ")) && end > 0:
		if sha, ok := leadingSHA(first[5:]); ok {
			h.CommitID = sha
		}
		i = 1
		fields, i = ps.readFields(i, end)
		if i < end && len(ps.line(i)) == 0 {
			i++
		}
		for ; i < end; i++ {
			body = append(body, string(ps.line(i)))
		}
	case bytes.HasPrefix(first, []byte("commit ")) && end > 0:
		if sha, ok := leadingSHA(first[7:]); ok {
			h.CommitID = sha
		}
		i = 1
		fields, i = ps.readFields(i, end)
		if i < end && len(ps.line(i)) == 0 {
			i++
		}
		for ; i < end; i++ {
			s := string(ps.line(i))
			body = append(body, strings.TrimPrefix(s, "    "))
		}
	default:
		for ; i < end; i++ {
			body = append(body, string(ps.line(i)))
		}
	}
	// The format-patch "---" separator ends the message; the diffstat
	// follows it.
	for k, s := range body {
		if s == "---" {
			body = body[:k]
			break
		}
	}
	for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
		body = body[:len(body)-1]
	}
	h.Message = strings.Join(body, "\n")
	for _, f := range fields {
		switch strings.ToLower(f.name) {
		case "from", "author":
			if h.Author == "" {
				h.Author = decodeWords(f.value)
			}
		case "date", "authordate":
			if h.Date == "" {
				h.Date = f.value
			}
		case "subject":
			if h.Subject == "" {
				h.Subject = cleanSubject(decodeWords(f.value))
			}
		}
	}
	if h.Subject == "" && h.CommitID != "" && len(fields) > 0 && fields[0].name != "From" {
		// git log: the subject is the message's first paragraph.
		var para []string
		for _, s := range body {
			if strings.TrimSpace(s) == "" {
				if len(para) > 0 {
					break
				}
				continue
			}
			para = append(para, strings.TrimSpace(s))
		}
		h.Subject = strings.Join(para, " ")
	}
	// DEP-3 and other free-form headers at the top of a plain patch.
	if h.Subject == "" || h.Author == "" {
		for _, s := range body {
			name, value, ok := splitField(s)
			if !ok {
				continue
			}
			switch strings.ToLower(name) {
			case "description", "subject":
				if h.Subject == "" {
					h.Subject = cleanSubject(value)
				}
			case "author", "from":
				if h.Author == "" {
					h.Author = decodeWords(value)
				}
			case "date":
				if h.Date == "" {
					h.Date = value
				}
			}
		}
	}
	h.Hints = extractHints(ps.headerLines(end), ps.base+1)
	// A folded mail Subject: is reported whole.
	for k := range h.Hints {
		if hk := &h.Hints[k]; hk.Kind == HintSubject && hk.Field == "Subject" && h.Subject != "" && strings.HasPrefix(h.Subject, strings.TrimSpace(cleanSubject(hk.Value))) {
			hk.Value = h.Subject
		}
	}
}

func (ps *patchParser) headerLines(end int) []string {
	out := make([]string, end)
	for i := 0; i < end; i++ {
		out[i] = string(ps.line(i))
	}
	return out
}

type field struct{ name, value string }

// readFields reads RFC 822 style fields with continuation lines from i
// until a line that is not a field.
func (ps *patchParser) readFields(i, end int) ([]field, int) {
	var fs []field
	for ; i < end; i++ {
		l := ps.line(i)
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') && len(fs) > 0 {
			fs[len(fs)-1].value += " " + strings.TrimSpace(string(l))
			continue
		}
		name, value, ok := splitField(string(l))
		if !ok {
			break
		}
		fs = append(fs, field{name, value})
	}
	return fs, i
}

// splitField splits "Name: value".
func splitField(s string) (name, value string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isHeaderField([]byte(s[:i+1])) {
		return "", "", false
	}
	return s[:i], strings.TrimSpace(s[i+1:]), true
}

var wordDecoder = &mime.WordDecoder{}

func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// cleanSubject removes leading "[PATCH ...]"-style tags and "Re:" prefixes,
// as git mailinfo does.
func cleanSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		switch {
		case strings.HasPrefix(s, "["):
			j := strings.IndexByte(s, ']')
			if j < 0 {
				return s
			}
			s = strings.TrimSpace(s[j+1:])
		case len(s) >= 3 && strings.EqualFold(s[:3], "re:"):
			s = strings.TrimSpace(s[3:])
		default:
			return s
		}
	}
}

// parseFile parses one file section starting at ps.i, in phases: the
// header (git extended header, "Index:" block or diff command line), the
// unified names, a context diff, a binary marker, the unified hunks, and
// for plain diffs the new/deleted correction.
func (ps *patchParser) parseFile() (*File, error) {
	i := ps.i
	f := &File{Line: ps.base + i + 1}
	l := ps.line(i)
	gitDiff := bytes.HasPrefix(l, []byte("diff --git "))
	switch {
	case gitDiff:
		i = ps.gitHeader(f, i)
	case bytes.HasPrefix(l, []byte("Index: ")):
		i = ps.indexHeader(f, i)
	case bytes.HasPrefix(l, []byte("diff ")):
		ps.addHeader(f, i)
		i++
		args := strings.Fields(string(l))
		if len(args) >= 3 {
			f.OldName, f.NewName = args[len(args)-2], args[len(args)-1]
		}
	}
	i = ps.unifiedNames(f, i, gitDiff)
	i, err := ps.contextFile(f, i)
	if err != nil {
		return nil, err
	}
	if i, err = ps.binaryMarker(f, i); err != nil {
		return nil, err
	}
	if i, err = ps.hunks(f, i, "@@ ", ps.parseHunk); err != nil {
		return nil, err
	}
	if !gitDiff {
		settlePlainFile(f, l)
	}
	if i == ps.i {
		i++ // never stall
	}
	ps.i = i
	return f, nil
}

// addHeader appends line k to f's header lines.
func (ps *patchParser) addHeader(f *File, k int) { f.Header = append(f.Header, string(ps.line(k))) }

// gitHeader reads a "diff --git" line at i and its extended header lines
// (modes, copies, renames, similarity, index) into f; it returns the index
// of the first line after them.
func (ps *patchParser) gitHeader(f *File, i int) int {
	l := ps.line(i)
	var renameFrom, renameTo string
	ps.addHeader(f, i)
	i++
	for ; i < len(ps.lines); i++ {
		h := string(ps.line(i))
		switch {
		case strings.HasPrefix(h, "old mode "):
			f.OldMode = parseMode(h[9:])
		case strings.HasPrefix(h, "new mode "):
			f.NewMode = parseMode(h[9:])
		case strings.HasPrefix(h, "deleted file mode "):
			f.IsDelete = true
			f.OldMode = parseMode(h[18:])
		case strings.HasPrefix(h, "new file mode "):
			f.IsNew = true
			f.NewMode = parseMode(h[14:])
		case strings.HasPrefix(h, "similarity index "),
			strings.HasPrefix(h, "dissimilarity index "),
			strings.HasPrefix(h, "index "):
		default:
			if !gitCopyRename(f, h, &renameFrom, &renameTo) {
				goto doneExt
			}
		}
		ps.addHeader(f, i)
	}
doneExt:
	f.OldName, f.NewName = splitGitNames(string(l[len("diff --git "):]), renameFrom, renameTo)
	if f.IsNew {
		f.OldName = "/dev/null"
	}
	if f.IsDelete {
		f.NewName = "/dev/null"
	}
	return i
}

// gitCopyRenames are the extended header lines that name a copy's or a
// rename's source (from) or destination.
var gitCopyRenames = []struct {
	prefix   string
	copy, to bool
}{
	{"copy from ", true, false},
	{"copy to ", true, true},
	{"rename from ", false, false},
	{"rename to ", false, true},
	{"rename old ", false, false},
	{"rename new ", false, true},
}

// gitCopyRename reads h when it is one of gitCopyRenames: it marks f a
// copy or a rename and sets *from or *to to the (unquoted) name.
func gitCopyRename(f *File, h string, from, to *string) bool {
	for _, r := range gitCopyRenames {
		v, ok := strings.CutPrefix(h, r.prefix)
		if !ok {
			continue
		}
		if r.copy {
			f.IsCopy = true
		} else {
			f.IsRename = true
		}
		if r.to {
			*to = unquote(v)
		} else {
			*from = unquote(v)
		}
		return true
	}
	return false
}

// indexHeader reads an "Index: name" line at i (svn, cvs) and the lines
// that follow it up to the ---/@@ lines: "====", then possibly RCS/CVS
// lines and a diff command line. It returns the index of the next line.
func (ps *patchParser) indexHeader(f *File, i int) int {
	l := ps.line(i)
	ps.addHeader(f, i)
	i++
	for ; i < len(ps.lines); i++ {
		h := ps.line(i)
		if bytes.HasPrefix(h, []byte("--- ")) || bytes.HasPrefix(h, []byte("@@ ")) {
			break
		}
		if i > ps.i+1 && !bytes.HasPrefix(h, []byte("RCS file:")) && !bytes.HasPrefix(h, []byte("retrieving ")) && !bytes.HasPrefix(h, []byte("diff ")) {
			break
		}
		ps.addHeader(f, i)
	}
	f.OldName = strings.TrimSpace(string(l[7:]))
	f.NewName = f.OldName
	return i
}

// unifiedNames reads unified ---/+++ lines at i, when there are, into f's
// names (and, outside git diffs, new/deleted from epoch timestamps). It
// returns the index of the next line.
func (ps *patchParser) unifiedNames(f *File, i int, gitDiff bool) int {
	if i+1 >= len(ps.lines) || !bytes.HasPrefix(ps.line(i), []byte("--- ")) || !bytes.HasPrefix(ps.line(i+1), []byte("+++ ")) {
		return i
	}
	oldTime, newTime := ps.namePair(f, i)
	i += 2
	if !gitDiff {
		if isEpoch(oldTime) {
			f.IsNew = true
		}
		if isEpoch(newTime) {
			f.IsDelete = true
		}
	}
	if f.OldName == "/dev/null" {
		f.IsNew = true
	}
	if f.NewName == "/dev/null" {
		f.IsDelete = true
	}
	return i
}

// contextFile reads a context diff (diff -c) at i, when there is one: its
// ***/--- name lines and its hunks. It returns the index of the next line.
func (ps *patchParser) contextFile(f *File, i int) (int, error) {
	if !ps.contextHeader(i) {
		return i, nil
	}
	oldTime, newTime := ps.namePair(f, i)
	i += 2
	f.IsNew = isEpoch(oldTime) || f.OldName == "/dev/null"
	f.IsDelete = isEpoch(newTime) || f.NewName == "/dev/null"
	return ps.hunks(f, i, "***************", ps.parseContextHunk)
}

// namePair reads the two name lines at i (---/+++, or ***/--- in a
// context diff) into f's names and header lines and returns their
// timestamps.
func (ps *patchParser) namePair(f *File, i int) (oldTime, newTime string) {
	f.OldName, oldTime = diffName(string(ps.line(i)[4:]))
	f.NewName, newTime = diffName(string(ps.line(i + 1)[4:]))
	ps.addHeader(f, i)
	ps.addHeader(f, i+1)
	return oldTime, newTime
}

// hunks reads into f the hunks at i whose first line starts with marker,
// each with parse, and returns the index of the line after them.
func (ps *patchParser) hunks(f *File, i int, marker string, parse func(int) (*Hunk, int, error)) (int, error) {
	for i < len(ps.lines) && bytes.HasPrefix(ps.line(i), []byte(marker)) {
		h, next, err := parse(i)
		if err != nil {
			return i, err
		}
		f.Hunks = append(f.Hunks, h)
		i = next
	}
	return i, nil
}

// binaryMarker reads a "Binary files ... differ" line or a "GIT binary
// patch" block at i, when there is one, marking f binary. It returns the
// index of the next line.
func (ps *patchParser) binaryMarker(f *File, i int) (int, error) {
	if i >= len(ps.lines) {
		return i, nil
	}
	h := ps.line(i)
	if bytes.HasPrefix(h, []byte("Binary files ")) {
		f.IsBinary = true
		ps.addHeader(f, i)
		return i + 1, nil
	}
	if bytes.HasPrefix(h, []byte("GIT binary patch")) {
		f.IsBinary = true
		ps.addHeader(f, i)
		return ps.skipBinary(i + 1)
	}
	return i, nil
}

// settlePlainFile corrects what the timestamps of a plain (not git) diff
// said, once its hunks are read: a side with an epoch timestamp is only
// new or deleted if it is really empty. l is the file's first line; a
// lone "diff" command line without hunks marks the file empty.
func settlePlainFile(f *File, l []byte) {
	for _, h := range f.Hunks {
		if h.OldLines != 0 && f.OldName != "/dev/null" {
			f.IsNew = false
		}
		if h.NewLines != 0 && f.NewName != "/dev/null" {
			f.IsDelete = false
		}
	}
	if f.OldName != "" && len(f.Header) == 1 && len(f.Hunks) == 0 && !f.IsBinary && bytes.HasPrefix(l, []byte("diff ")) {
		f.empty = true
	}
}

// skipBinary skips the literal/delta blocks of a GIT binary patch starting
// at line i and returns the index after them.
func (ps *patchParser) skipBinary(i int) (int, error) {
	for block := 0; block < 2; block++ {
		if i >= len(ps.lines) {
			if block == 0 {
				return i, ps.errf(i-1, ErrBinaryPatch, "no literal or delta block")
			}
			return i, nil
		}
		h := ps.line(i)
		if !bytes.HasPrefix(h, []byte("literal ")) && !bytes.HasPrefix(h, []byte("delta ")) {
			if block == 0 {
				return i, ps.errf(i, ErrBinaryPatch, "want literal or delta, have %q", truncate(h))
			}
			return i, nil
		}
		i++
		for ; i < len(ps.lines); i++ {
			if len(ps.line(i)) == 0 {
				i++
				break
			}
		}
	}
	return i, nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func parseMode(s string) uint32 {
	s = strings.TrimSpace(s)
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0
	}
	return uint32(m)
}

// diffName splits a ---/+++ name from its timestamp.
func diffName(s string) (name, stamp string) {
	if strings.HasPrefix(s, `"`) {
		if q, rest, ok := cutQuoted(s); ok {
			return q, strings.TrimSpace(rest)
		}
	}
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		return s[:i], s[i+1:]
	}
	// Some tools separate the timestamp with spaces.
	if i := strings.Index(s, "  "); i > 0 {
		return s[:i], strings.TrimSpace(s[i:])
	}
	return strings.TrimRight(s, " "), ""
}

// isEpoch reports whether a diff timestamp is the Unix epoch, which
// diff -N writes for an absent file.
func isEpoch(stamp string) bool {
	return strings.HasPrefix(stamp, "1970-01-01 ") || strings.HasPrefix(stamp, "1969-12-31 ") ||
		strings.Contains(stamp, "Jan  1") && strings.HasSuffix(stamp, " 1970") ||
		strings.Contains(stamp, "Dec 31") && strings.HasSuffix(stamp, " 1969")
}

// cutQuoted parses a C-style quoted name at the start of s, as git writes
// names with special characters.
func cutQuoted(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			i++
			if i >= len(s) {
				return "", s, false
			}
			switch e := s[i]; e {
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'v':
				b.WriteByte('\v')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '0', '1', '2', '3':
				if i+2 < len(s) {
					v, err := strconv.ParseUint(s[i:i+3], 8, 8)
					if err == nil {
						b.WriteByte(byte(v))
						i += 2
						continue
					}
				}
				return "", s, false
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

func unquote(s string) string {
	if q, _, ok := cutQuoted(s); ok {
		return q
	}
	return s
}

// splitGitNames splits the names of a "diff --git" line. Unquoted names may
// contain spaces, so the split is chosen where both halves name the same
// path (or the rename/copy source and destination).
func splitGitNames(s, from, to string) (string, string) {
	if strings.HasPrefix(s, `"`) {
		a, rest, ok := cutQuoted(s)
		if ok {
			rest = strings.TrimLeft(rest, " ")
			if b, _, ok := cutQuoted(rest); ok {
				return a, b
			}
			return a, rest
		}
	}
	if i := strings.Index(s, ` "`); i >= 0 && strings.HasSuffix(s, `"`) {
		if b, _, ok := cutQuoted(s[i+1:]); ok {
			return s[:i], b
		}
	}
	var cands []int
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			cands = append(cands, i)
		}
	}
	for _, i := range cands {
		a, b := s[:i], s[i+1:]
		if from != "" && to != "" {
			if strings.HasSuffix(a, from) && strings.HasSuffix(b, to) {
				return a, b
			}
			continue
		}
		if stripPath(a, 1) == stripPath(b, 1) {
			return a, b
		}
	}
	if len(cands) > 0 {
		i := cands[len(cands)/2]
		return s[:i], s[i+1:]
	}
	return s, s
}

// parseHunk parses the hunk whose header is line i and returns it and the
// index of the line after it.
func (ps *patchParser) parseHunk(i int) (*Hunk, int, error) {
	h := &Hunk{Line: ps.base + i + 1}
	hdr := ps.line(i)
	if !parseHunkHeader(ps.lineText(i), h) {
		return nil, 0, ps.errf(i, ErrHunkHeader, "%q", truncate(hdr))
	}
	oldRem, newRem := h.OldLines, h.NewLines
	// Lines gather in the parser's scratch slice and are copied once at
	// the end into a slice of the exact length: the header's counts are
	// not trusted for an allocation (they may claim 999999999 lines).
	lines := ps.scratch[:0]
	defer func() { ps.scratch = lines[:0] }()
	i++
	for oldRem > 0 || newRem > 0 {
		if i >= len(ps.lines) {
			return nil, 0, ps.errf(i-1, ErrTruncatedHunk, "hunk at line %d ends early: %d old and %d new lines missing", h.Line, oldRem, newRem)
		}
		l := ps.line(i)
		var op byte = ' '
		text := ps.lineText(i)
		if len(l) > 0 {
			op = l[0]
			text = text[1:]
		}
		switch op {
		case ' ':
			if oldRem == 0 || newRem == 0 {
				return nil, 0, ps.errf(i, ErrHunkCount, "context line but the hunk at line %d has no %s lines left", h.Line, map[bool]string{true: "old", false: "new"}[oldRem == 0])
			}
			oldRem--
			newRem--
		case '-':
			if oldRem == 0 {
				return nil, 0, ps.errf(i, ErrHunkCount, "removed line but the hunk at line %d has no old lines left", h.Line)
			}
			oldRem--
		case '+':
			if newRem == 0 {
				return nil, 0, ps.errf(i, ErrHunkCount, "added line but the hunk at line %d has no new lines left", h.Line)
			}
			newRem--
		case '\\':
			if n := len(lines); n > 0 {
				lines[n-1].NoNewline = true
			}
			i++
			continue
		default:
			return nil, 0, ps.errf(i, ErrTruncatedHunk, "hunk at line %d ends early: %d old and %d new lines missing", h.Line, oldRem, newRem)
		}
		lines = append(lines, Line{Op: op, Text: text})
		i++
	}
	if i < len(ps.lines) && bytes.HasPrefix(ps.lines[i], []byte(`\`)) {
		if n := len(lines); n > 0 {
			lines[n-1].NoNewline = true
		}
		i++
	}
	h.Lines = append(make([]Line, 0, len(lines)), lines...)
	return h, i, nil
}

// parseHunkHeader parses "@@ -a[,b] +c[,d] @@[ section]".
func parseHunkHeader(s string, h *Hunk) bool {
	if !strings.HasPrefix(s, "@@ -") {
		return false
	}
	s = s[4:]
	var ok bool
	if h.OldStart, h.OldLines, s, ok = parseRange(s); !ok {
		return false
	}
	if !strings.HasPrefix(s, " +") {
		return false
	}
	if h.NewStart, h.NewLines, s, ok = parseRange(s[2:]); !ok {
		return false
	}
	if !strings.HasPrefix(s, " @@") {
		return false
	}
	s = s[3:]
	h.Section = strings.TrimPrefix(s, " ")
	return true
}

func parseRange(s string) (start, n int, rest string, ok bool) {
	start, s, ok = parseNum(s)
	if !ok {
		return
	}
	n = 1
	if strings.HasPrefix(s, ",") {
		if n, s, ok = parseNum(s[1:]); !ok {
			return
		}
	}
	return start, n, s, true
}

func parseNum(s string) (int, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:], true
}

// ctxLine is one line of a context diff hunk section.
type ctxLine struct {
	op        byte // ' ', '-', '+' or '!'
	text      string
	noNewline bool
}

// parseContextRange parses "*** a[,b] ****" or "--- a[,b] ----" and
// returns the start and the most lines the section can hold.
func parseContextRange(l []byte, lead, tail string) (start, most int, ok bool) {
	s := string(l)
	if !strings.HasPrefix(s, lead) || !strings.HasSuffix(s, tail) || len(s) < len(lead)+len(tail) {
		return 0, 0, false
	}
	s = strings.TrimSpace(s[len(lead) : len(s)-len(tail)])
	a, rest, ok := parseNum(s)
	if !ok {
		return 0, 0, false
	}
	if rest == "" {
		return a, 1, true // one line, or none after line a
	}
	if !strings.HasPrefix(rest, ",") {
		return 0, 0, false
	}
	b, rest, ok := parseNum(rest[1:])
	if !ok || rest != "" || b < a {
		return 0, 0, false
	}
	return a, b - a + 1, true
}

// readContextSection reads up to most lines whose two-byte prefix is one of
// ops followed by a space, and "\ No newline" markers.
func (ps *patchParser) readContextSection(i, most int, ops string) ([]ctxLine, int) {
	var out []ctxLine
	for i < len(ps.lines) {
		l := ps.line(i)
		if len(l) > 0 && l[0] == '\\' && len(out) > 0 {
			out[len(out)-1].noNewline = true
			i++
			continue
		}
		if len(out) == most || len(l) < 1 || strings.IndexByte(ops, l[0]) < 0 || len(l) >= 2 && l[1] != ' ' && l[1] != '\t' {
			break
		}
		text := ""
		if len(l) >= 2 {
			text = ps.lineText(i)[2:]
		}
		out = append(out, ctxLine{op: l[0], text: text})
		i++
	}
	return out, i
}

// parseContextHunk parses a context diff hunk ("***************", the old
// range and lines, the new range and lines) starting at line i and turns
// it into a unified hunk.
func (ps *patchParser) parseContextHunk(i int) (*Hunk, int, error) {
	h := &Hunk{Line: ps.base + i + 1}
	if s := string(ps.line(i)); len(s) > 15 {
		h.Section = strings.TrimSpace(s[15:])
	}
	i++
	if i >= len(ps.lines) {
		return nil, 0, ps.errf(i-1, ErrTruncatedHunk, "context hunk without ranges")
	}
	oldStart, oldMost, ok := parseContextRange(ps.line(i), "*** ", " ****")
	if !ok {
		return nil, 0, ps.errf(i, ErrHunkHeader, "%q", truncate(ps.line(i)))
	}
	i++
	var old []ctxLine
	isNewRange := func(k int) bool {
		_, _, ok := parseContextRange(ps.line(k), "--- ", " ----")
		return k < len(ps.lines) && ok
	}
	if i < len(ps.lines) && !isNewRange(i) {
		old, i = ps.readContextSection(i, oldMost, " -!")
	}
	if i >= len(ps.lines) || !isNewRange(i) {
		return nil, 0, ps.errf(min(i, len(ps.lines)-1), ErrTruncatedHunk, "context hunk at line %d: want the new range (--- a,b ----)", h.Line)
	}
	newStart, newMost, _ := parseContextRange(ps.line(i), "--- ", " ----")
	i++
	nw, next := ps.readContextSection(i, newMost, " +!")
	i = next
	// An omitted section holds only the other one's context lines.
	if old == nil {
		for _, l := range nw {
			if l.op == ' ' {
				old = append(old, l)
			}
		}
	}
	if nw == nil {
		for _, l := range old {
			if l.op == ' ' {
				nw = append(nw, l)
			}
		}
	}
	a, b := 0, 0
	emit := func(op byte, l ctxLine) {
		h.Lines = append(h.Lines, Line{Op: op, Text: l.text, NoNewline: l.noNewline})
		if op != '+' {
			h.OldLines++
		}
		if op != '-' {
			h.NewLines++
		}
	}
	for a < len(old) || b < len(nw) {
		switch {
		case a < len(old) && old[a].op == '-':
			emit('-', old[a])
			a++
		case b < len(nw) && nw[b].op == '+':
			emit('+', nw[b])
			b++
		case a < len(old) && old[a].op == '!':
			for ; a < len(old) && old[a].op == '!'; a++ {
				emit('-', old[a])
			}
			for ; b < len(nw) && nw[b].op == '!'; b++ {
				emit('+', nw[b])
			}
		case b < len(nw) && nw[b].op == '!':
			for ; b < len(nw) && nw[b].op == '!'; b++ {
				emit('+', nw[b])
			}
		case a < len(old) && b < len(nw):
			l := old[a]
			l.noNewline = l.noNewline || nw[b].noNewline
			emit(' ', l)
			a++
			b++
		default:
			return nil, 0, ps.errf(i-1, ErrHunkCount, "context hunk at line %d: old and new context differ", h.Line)
		}
	}
	h.OldStart, h.NewStart = oldStart, newStart
	if h.OldLines == 0 && oldMost == 1 {
		h.OldStart = oldStart // "after line N", as unified "-N,0"
	}
	return h, i, nil
}
