package patchset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// FingerprintVersion prefixes Digest values; it changes whenever the
// normalisation or hashing changes.
const FingerprintVersion = "pt1"

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// isSpace reports the bytes removed by line normalisation.
func isSpace(c byte) bool { return spaceTable[c] }

var spaceTable = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '\v': true, '\f': true}

// LineHash returns the 64-bit FNV-1a hash of the normalised form of line
// (all ASCII whitespace removed) and whether the line counts at all (false
// for blank lines).
func LineHash(line string) (uint64, bool) {
	h := uint64(fnvOffset64)
	n := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if isSpace(c) {
			continue
		}
		h ^= uint64(c)
		h *= fnvPrime64
		n++
	}
	return h, n > 0
}

// LineCount is one element of a signed multiset of normalised lines.
type LineCount struct {
	// Hash is LineHash of the line.
	Hash uint64
	// Count is the net count: > 0 added, < 0 removed; never 0 in a
	// fingerprint.
	Count int
	// Text is one occurrence of the line with surrounding whitespace
	// trimmed (for display and character-level similarity); pseudo-lines
	// for binary files, renames and mode changes start with "\x00".
	Text string
}

// Trivial reports whether the line carries no letter or digit (a brace, a
// lone ");" or "*/"), or is a pseudo-line that names no content (a rename,
// mode change or empty file; a binary file with a blob id is not trivial):
// such lines are common to unrelated changes, so an inverted index may skip
// them as keys. They still count in fingerprints and comparisons.
func (l LineCount) Trivial() bool {
	if len(l.Text) > 0 && l.Text[0] == 0 {
		return !strings.HasPrefix(l.Text, "\x00binary:")
	}
	for i := 0; i < len(l.Text); i++ {
		c := l.Text[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}

// HunkChange is the net multiset of one hunk of a patch.
type HunkChange struct {
	// Index is the position of the hunk in its File.Hunks.
	Index int
	// OldStart and NewStart are the hunk's line numbers as written;
	// OldLines and NewLines its line counts.
	OldStart, NewStart, OldLines, NewLines int
	// Body is the hunk as written, one entry per line in order: context,
	// added and removed lines, blank ones included. It lets a hunk be
	// placed in a file's lines (see HunkChange.Fits).
	Body []HunkLine
	// Lines is the hunk's net signed multiset, sorted by Hash.
	Lines []LineCount
	// Added and Removed are the sums of the positive and of the negative
	// counts (as a positive number) in Lines.
	Added, Removed int
}

// Weight is Added + Removed.
func (h *HunkChange) Weight() int { return h.Added + h.Removed }

// HunkLine is one line of a hunk's Body.
type HunkLine struct {
	// Op is ' ' (context), '+' or '-'.
	Op byte
	// Hash is LineHash of the line's text (also for a blank line, whose
	// hash is that of the empty string).
	Hash uint64
}

// Fits reports whether one side of the hunk, its context lines and its
// removed lines (side '-') or its context and added lines (side '+'),
// sits at its stated start in the file whose line hashes (LineHash of
// every line, blank ones included) are lines: whitespace aside, the file
// is the one the hunk was made against (side '-') or yields (side '+').
// A side with no lines fits anywhere.
func (h *HunkChange) Fits(side byte, lines []uint64) bool {
	start, count := h.OldStart, h.OldLines
	if side == '+' {
		start, count = h.NewStart, h.NewLines
	}
	if count == 0 {
		return true
	}
	i := start - 1
	if i < 0 {
		return false
	}
	for _, l := range h.Body {
		if l.Op != ' ' && l.Op != side {
			continue
		}
		if i >= len(lines) || lines[i] != l.Hash {
			return false
		}
		i++
	}
	return true
}

// FileLines returns LineHash of every line of data, blank lines included:
// the form HunkChange.Fits places hunks in.
func FileLines(data []byte) []uint64 {
	var out []uint64
	eachLine(data, func(l []byte) {
		h, _ := LineHashBytes(l)
		out = append(out, h)
	})
	return out
}

// OnlyHunk returns the change of fc restricted to its hunk at position k
// of fc.Hunks: a query for one hunk alone.
func (fc *FileChange) OnlyHunk(k int) FileChange {
	h := fc.Hunks[k]
	one := *fc
	one.Hunks = []HunkChange{h}
	one.Lines, one.Added, one.Removed = h.Lines, h.Added, h.Removed
	one.ExactHash, one.EquivHash = 0, 0
	return one
}

// FileChange is the net change a patch (or a pair of blobs) makes to one
// file: a signed multiset of normalised line hashes plus the path, usable as
// an index key. Build one with ChangesFromPatch or ChangeFromBlobs.
//
// The multiset is the net effect of a diff on one file, as a signed
// multiset of normalised lines: every added line counts +1, every removed
// line -1, and equal lines cancel. For any diff that turns file A into file
// B, (added lines) - (removed lines) = lines(B) - lines(A) as multisets, so
// the fingerprint does not depend on the diff algorithm, on the context size
// or on line offsets, and it can be computed from the two versions of a file
// without running a diff (ChangeFromBlobs).
//
// Normalisation of a line, decided once and versioned by FingerprintVersion:
//   - every ASCII whitespace byte (space, tab, CR, LF, VT, FF) is removed,
//     anywhere in the line (the rule of git patch-id);
//   - a line that is empty after that (a blank line) is ignored;
//   - "\ No newline at end of file" markers are ignored;
//   - nothing else: case, comments and punctuation are kept, so "}" is a
//     line like any other (an index may skip such keys, see
//     LineCount.Trivial).
//
// The line hash is 64-bit FNV-1a over the normalised bytes (LineHash):
// deterministic across processes and machines, so fingerprints may be
// stored. A binary file is known by its base name and the first 7 hex
// digits of the git blob id of its new content (from the patch's index
// line, or computed from the blob), by its base name alone when there is
// no index line.
//
// Files without lines of their own (binary files, pure renames and mode
// changes, empty new files) get one pseudo-line named after their base name,
// so that they still take part in comparisons; its Text starts with "\x00".
type FileChange struct {
	// Path is the path used for matching (NormalizePath of the new name, or
	// of the old name for a deletion): strip applied, backup suffixes such
	// as ".orig" or ".cve20843" removed. Compare paths with PathSimilarity,
	// not ==, to see through -p2 prefixes and moved files.
	Path string
	// OldPath is the normalised old path when it differs from Path (a
	// rename or copy), else "".
	OldPath string
	// IsNew, IsDelete and IsBinary describe the file as the patch does.
	IsNew, IsDelete, IsBinary bool
	// Lines is the net signed multiset of normalised lines, sorted by Hash,
	// with no zero counts.
	Lines []LineCount
	// Added and Removed are the sums of the positive and of the negative
	// counts (as a positive number) in Lines.
	Added, Removed int
	// Hunks holds the per-hunk multisets of a patch; nil for blobs.
	Hunks []HunkChange
	// ExactHash identifies the exact diff text of this file (names as
	// written, modes, hunk positions, every line verbatim); 0 when unknown
	// (ChangeFromBlobs).
	ExactHash uint64
	// EquivHash identifies the diff modulo whitespace and paths (hunk
	// positions, op and normalised text of every non-blank line, context
	// included); 0 when unknown.
	EquivHash uint64
}

// Weight is Added + Removed: the size of the net change.
func (fc *FileChange) Weight() int { return fc.Added + fc.Removed }

// Count returns the net count of the line hash h in fc (0 when absent).
func (fc *FileChange) Count(h uint64) int { return CountOf(fc.Lines, h) }

// CountOf returns the net count of the line hash h in lines (sorted by
// Hash), 0 when absent.
func CountOf(lines []LineCount, h uint64) int {
	i := sort.Search(len(lines), func(i int) bool { return lines[i].Hash >= h })
	if i < len(lines) && lines[i].Hash == h {
		return lines[i].Count
	}
	return 0
}

// entry is one signed line occurrence before aggregation.
type entry struct {
	hash uint64
	sign int
	text string
}

// aggregate sorts es by hash and folds it into a multiset without zero
// counts; it returns the multiset and its added/removed sums.
func aggregate(es []entry) ([]LineCount, int, int) {
	if len(es) == 0 {
		return nil, 0, 0
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	out := make([]LineCount, 0, len(es))
	added, removed := 0, 0
	for i := 0; i < len(es); {
		j, n := i, 0
		text := ""
		for ; j < len(es) && es[j].hash == es[i].hash; j++ {
			n += es[j].sign
			if text == "" {
				text = es[j].text
			}
		}
		if n != 0 {
			out = append(out, LineCount{Hash: es[i].hash, Count: n, Text: strings.TrimSpace(text)})
			if n > 0 {
				added += n
			} else {
				removed -= n
			}
		}
		i = j
	}
	if len(out) == 0 {
		return nil, 0, 0
	}
	return slices.Clip(out), added, removed
}

// hasher is a small incremental FNV-1a used for structural hashes.
type hasher uint64

func newHasher() hasher { return fnvOffset64 }

func (h *hasher) bytes(s string) {
	x := uint64(*h)
	for i := 0; i < len(s); i++ {
		x ^= uint64(s[i])
		x *= fnvPrime64
	}
	// A separator so that ("ab","c") and ("a","bc") differ.
	x ^= 0xff
	x *= fnvPrime64
	*h = hasher(x)
}

// bytesAndLine is h.bytes(s) fused with LineHash(s): one pass over s.
func (h *hasher) bytesAndLine(s string) (uint64, bool) {
	x := uint64(*h)
	l := uint64(fnvOffset64)
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		x ^= uint64(c)
		x *= fnvPrime64
		if !spaceTable[c] {
			l ^= uint64(c)
			l *= fnvPrime64
			n++
		}
	}
	x ^= 0xff
	x *= fnvPrime64
	*h = hasher(x)
	return l, n > 0
}

// word hashes the 8 bytes of x.
func (h *hasher) word(x uint64) {
	v := uint64(*h)
	for i := 0; i < 8; i++ {
		v ^= x & 0xff
		v *= fnvPrime64
		x >>= 8
	}
	*h = hasher(v)
}

// op hashes one byte, then a separator.
func (h *hasher) op(c byte) {
	x := uint64(*h)
	x ^= uint64(c)
	x *= fnvPrime64
	x ^= 0xff
	x *= fnvPrime64
	*h = hasher(x)
}

func (h *hasher) int(n int) {
	var b [20]byte
	h.bytes(string(strconv.AppendInt(b[:0], int64(n), 10)))
}

func (h *hasher) sum() uint64 {
	if *h == 0 {
		return 1 // 0 means "unknown"
	}
	return uint64(*h)
}

// normalizedText returns line with all ASCII whitespace removed.
func normalizedText(line string) string {
	clean := true
	for i := 0; i < len(line); i++ {
		if isSpace(line[i]) {
			clean = false
			break
		}
	}
	if clean {
		return line
	}
	b := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if !isSpace(line[i]) {
			b = append(b, line[i])
		}
	}
	return string(b)
}

// pseudoLine returns the pseudo-line standing for a file change that has no
// lines of its own.
func pseudoLine(kind, path string) entry {
	text := "\x00" + kind + " " + baseName(path)
	h, _ := LineHash(text)
	return entry{hash: h, sign: 1, text: text}
}

// ChangesFromPatch returns the net change of every file of p, in patch
// order. strip removes that many leading path components, as patch -pN
// does; strip < 0 detects it per file (1 for git-style a/ b/ names and for
// plain diffs between two differently named or versioned trees, else 0).
// Hunks are taken as parsed; a nil patch yields nil.
func ChangesFromPatch(p *Patch, strip int) []FileChange {
	if p == nil {
		return nil
	}
	out := make([]FileChange, 0, len(p.Files))
	for _, f := range p.Files {
		if f == nil {
			continue
		}
		out = append(out, fileChange(f, strip))
	}
	return out
}

// ChangesFromPatches concatenates ChangesFromPatch over ps: the change of a
// whole mbox or of a squashed series.
func ChangesFromPatches(ps []*Patch, strip int) []FileChange {
	var out []FileChange
	for _, p := range ps {
		out = append(out, ChangesFromPatch(p, strip)...)
	}
	return out
}

func fileChange(f *File, strip int) FileChange {
	s := strip
	if s < 0 {
		s = DetectStrip(f.OldName, f.NewName)
	}
	fc := FileChange{IsNew: f.IsNew, IsDelete: f.IsDelete, IsBinary: f.IsBinary}
	newName, oldName := f.NewName, f.OldName
	if isDevNull(newName) {
		fc.IsDelete = true
	}
	if isDevNull(oldName) {
		fc.IsNew = true
	}
	if fc.IsDelete && !isDevNull(oldName) {
		fc.Path = NormalizePath(oldName, s)
	} else {
		fc.Path = NormalizePath(newName, s)
	}
	if !fc.IsNew && !fc.IsDelete && !isDevNull(oldName) {
		if op := NormalizePath(oldName, s); op != fc.Path && op != "" {
			fc.OldPath = op
		}
	}

	exact, equiv := newHasher(), newHasher()
	exact.bytes(f.OldName)
	exact.bytes(f.NewName)
	exact.int(int(f.OldMode))
	exact.int(int(f.NewMode))
	for _, b := range []bool{f.IsNew, f.IsDelete, f.IsRename, f.IsCopy, f.IsBinary} {
		if b {
			exact.bytes("1")
		} else {
			exact.bytes("0")
		}
	}
	equiv.bytes(strconv.FormatBool(fc.IsNew) + strconv.FormatBool(fc.IsDelete) + strconv.FormatBool(f.IsBinary))

	var scratch, all []entry
	fc.Hunks = make([]HunkChange, 0, len(f.Hunks))
	for hi, h := range f.Hunks {
		if h == nil {
			continue
		}
		exact.int(h.OldStart)
		exact.int(h.OldLines)
		exact.int(h.NewStart)
		exact.int(h.NewLines)
		equiv.int(h.OldStart)
		equiv.int(h.NewStart)
		scratch = scratch[:0]
		body := make([]HunkLine, len(h.Lines))
		for k, l := range h.Lines {
			exact.op(l.Op)
			hash, ok := exact.bytesAndLine(l.Text)
			body[k] = HunkLine{l.Op, hash}
			if !ok {
				continue
			}
			equiv.word(hash ^ uint64(l.Op)<<56)
			switch l.Op {
			case '+':
				scratch = append(scratch, entry{hash, 1, l.Text})
			case '-':
				scratch = append(scratch, entry{hash, -1, l.Text})
			}
		}
		lines, a, r := aggregate(scratch)
		fc.Hunks = append(fc.Hunks, HunkChange{Index: hi, OldStart: h.OldStart, NewStart: h.NewStart,
			OldLines: h.OldLines, NewLines: h.NewLines, Body: body, Lines: lines, Added: a, Removed: r})
	}
	if len(fc.Hunks) == 1 {
		h := fc.Hunks[0]
		fc.Lines, fc.Added, fc.Removed = h.Lines, h.Added, h.Removed
	} else {
		for _, h := range fc.Hunks {
			for _, l := range h.Lines {
				all = append(all, entry{l.Hash, l.Count, l.Text})
			}
		}
		fc.Lines, fc.Added, fc.Removed = aggregate(all)
	}
	if fc.Lines == nil {
		switch {
		case f.IsBinary:
			fc.Lines, fc.Added, fc.Removed = pseudo(binaryKind(indexOID(f, fc.IsDelete)), fc)
		case fc.OldPath != "" || f.IsRename || f.IsCopy:
			fc.Lines, fc.Added, fc.Removed = pseudo("rename", fc)
		case f.OldMode != f.NewMode && f.OldMode != 0 && f.NewMode != 0:
			fc.Lines, fc.Added, fc.Removed = pseudo("mode", fc)
		case fc.IsNew || fc.IsDelete:
			fc.Lines, fc.Added, fc.Removed = pseudo("empty", fc)
		}
	}
	fc.ExactHash = exact.sum()
	fc.EquivHash = equiv.sum()
	return fc
}

// binaryKind names the pseudo-line of a binary file: "binary" plus the
// first 7 hex digits of its git blob id when known (the shortest
// abbreviation git writes, so full and abbreviated index lines agree).
func binaryKind(oid string) string {
	if len(oid) < 7 {
		return "binary"
	}
	return "binary:" + oid[:7]
}

// indexOID returns the blob id an "index OLD..NEW" header line gives for
// the file's new content (the old one for a deletion), or "" when there is
// none or it is all zeros.
func indexOID(f *File, deleted bool) string {
	for _, l := range f.Header {
		rest, ok := strings.CutPrefix(l, "index ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, " ")
		o, n, ok := strings.Cut(rest, "..")
		if !ok {
			return ""
		}
		oid := n
		if deleted {
			oid = o
		}
		oid = strings.ToLower(strings.TrimSpace(oid))
		if strings.Trim(oid, "0") == "" || strings.Trim(oid, "0123456789abcdef") != "" {
			return ""
		}
		return oid
	}
	return ""
}

func pseudo(kind string, fc FileChange) ([]LineCount, int, int) {
	e := pseudoLine(kind, fc.Path)
	if fc.IsDelete {
		e.sign = -1
	}
	return aggregate([]entry{e})
}

// Merge folds the multisets of files into one path-independent multiset
// (sorted by Hash, no zero counts): the change of a whole patch as an
// inverted index or a series pairing sees it.
func Merge(files []FileChange) []LineCount {
	n := 0
	for i := range files {
		n += len(files[i].Lines)
	}
	es := make([]entry, 0, n)
	for i := range files {
		for _, l := range files[i].Lines {
			es = append(es, entry{l.Hash, l.Count, l.Text})
		}
	}
	// aggregate folds signs of ±1 only by summing; counts may exceed one.
	lines, _, _ := aggregate(es)
	return lines
}

// Weight returns the sum of the absolute counts of lines.
func Weight(lines []LineCount) int {
	w := 0
	for _, l := range lines {
		if l.Count < 0 {
			w -= l.Count
		} else {
			w += l.Count
		}
	}
	return w
}

// SharedLines calls fn, in Hash order, for every line hash that a and b
// (both sorted by Hash) change in the same direction, with its indices in
// a and b and the shared count min(|a[i].Count|, |b[j].Count|), a
// positive number. It is the one intersection of line multisets that
// overlaps, containments and line coverages are computed with.
func SharedLines(a, b []LineCount, fn func(i, j, n int)) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].Hash < b[j].Hash:
			i++
		case a[i].Hash > b[j].Hash:
			j++
		default:
			x, y := a[i].Count, b[j].Count
			if x > 0 && y > 0 {
				fn(i, j, min(x, y))
			} else if x < 0 && y < 0 {
				fn(i, j, min(-x, -y))
			}
			i++
			j++
		}
	}
}

// Overlap returns how many line occurrences two multisets share with the
// same sign: the sum over common hashes of min(|a|, |b|) when the counts
// have the same sign. Both must be sorted by Hash.
func Overlap(a, b []LineCount) int {
	o := 0
	SharedLines(a, b, func(_, _, n int) { o += n })
	return o
}

// Containment returns the fraction of a's change that is also in b:
// Overlap(a, b) / Weight(a), 0 for an empty a. Use it on hunks
// (HunkChange.Lines), files (FileChange.Lines) or whole patches (Merge) to
// see partial backports, splits and squashes.
func Containment(a, b []LineCount) float64 {
	w := Weight(a)
	if w == 0 {
		return 0
	}
	return float64(Overlap(a, b)) / float64(w)
}

// Digest returns a stable string that identifies the content of files: the
// net multisets, keyed by each file's base name (so path prefixes and moved
// directories do not matter), independent of file order, context and
// offsets. Two patches with equal digests make the same changes. The form is
// FingerprintVersion + ":" + 32 hex digits.
func Digest(files []FileChange) string {
	keys := make([][]byte, 0, len(files))
	for i := range files {
		fc := &files[i]
		if len(fc.Lines) == 0 {
			continue
		}
		b := make([]byte, 0, 16+len(fc.Path)+16*len(fc.Lines))
		b = append(b, baseName(fc.Path)...)
		b = append(b, 0)
		for _, l := range fc.Lines {
			b = binary.BigEndian.AppendUint64(b, l.Hash)
			b = binary.BigEndian.AppendUint64(b, uint64(int64(l.Count)))
		}
		keys = append(keys, b)
	}
	slices.SortFunc(keys, bytes.Compare)
	h := sha256.New()
	for _, k := range keys {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h.Write(n[:])
		h.Write(k)
	}
	sum := h.Sum(nil)
	return FingerprintVersion + ":" + hex.EncodeToString(sum[:16])
}
