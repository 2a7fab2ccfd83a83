package patchset

import (
	"cmp"
	"slices"
	"strings"
)

// Ports: a fix redone on older code, after upstream moved and renamed it.
//
// A backport to a branch that predates a refactoring keeps the logic of
// the upstream fix but not its names: Curl_conncache_add(data, conn) may
// be Curl_conncache_add_conn(conn) in the old code, data->set.foo may be
// conn->data->set.foo, and the function may live in another file. Lines
// then differ only in identifiers, which no line hash sees. The shape of a
// line (LineShape) replaces each identifier by its rank of first
// appearance in the line, keeping keywords, literals and punctuation; two
// lines of the same shape are the same line under a renaming of
// identifiers. ComparePort pairs such lines across all files and keeps a
// pair only when its renames agree with the renames of the other pairs:
// a port renames the same way everywhere, a coincidence does not.

// maxShapeCandidates bounds the lines of B a line of A is compared with
// among those of its shape, so that generated code with thousands of
// lines of one shape stays linear.
const maxShapeCandidates = 64

// MinRenameSupport is the number of changed lines (occurrences) that must
// rename an identifier the same way before ComparePort trusts the rename.
const MinRenameSupport = 2

// LineShape returns the hash of a code line's shape: its tokens, with
// every identifier replaced by the rank of its first appearance in the line
// (keywords of C, C++, shell, Python and Go, literals, comments and
// punctuation kept as written, whitespace ignored), and the line's
// identifiers in order of first appearance. ok is false when the line has
// no identifier or fewer than three tokens: such a shape says nothing.
func LineShape(line string) (hash uint64, idents []string, ok bool) {
	h := uint64(fnvOffset64)
	ntok := 0
	mix := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= fnvPrime64
		}
		h ^= 0x1f
		h *= fnvPrime64
		ntok++
	}
	for tok, isIdent := range codeTokens(line) {
		if !isIdent {
			mix(tok)
			continue
		}
		rank := slices.Index(idents, tok)
		if rank < 0 {
			rank = len(idents)
			idents = append(idents, tok)
		}
		mix(string([]byte{0x01, byte(rank), byte(rank >> 8)}))
	}
	return h, idents, len(idents) > 0 && ntok >= 3
}

// codeKeywords are kept as written in a shape: renaming never touches
// them.
var codeKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`auto break case char const continue default do double else enum extern float for
	goto if inline int long register restrict return short signed sizeof static struct switch typedef typeof union
	unsigned void volatile while bool true false NULL nullptr class namespace template typename public private
	protected virtual operator new delete this throw try catch using include define undef ifdef ifndef endif elif
	pragma defined def import from as pass None True False raise except finally with yield lambda not and or in is
	elif self then fi esac done local function func package var type range map chan go defer select interface nil
	let mut fn impl pub use mod match loop echo exit export unset shift`) {
		codeKeywords[k] = true
	}
}

// codeTokens yields the tokens of a line of code and whether each is an
// identifier (not a keyword): identifiers and numbers, string and char
// literals and comments whole, and single punctuation characters.
func codeTokens(line string) func(yield func(string, bool) bool) {
	return func(yield func(string, bool) bool) {
		for i := 0; i < len(line); {
			c := line[i]
			switch {
			case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
				i++
				continue
			case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				j := i + 1
				for j < len(line) && isIdentByte(line[j]) {
					j++
				}
				w := line[i:j]
				if !yield(w, !codeKeywords[w]) {
					return
				}
				i = j
				continue
			case c >= '0' && c <= '9':
				j := i + 1
				for j < len(line) && (isIdentByte(line[j]) || line[j] == '.') {
					j++
				}
				if !yield(line[i:j], false) {
					return
				}
				i = j
				continue
			case c == '"' || c == '\'':
				if j := closingQuote(line, i); j > 0 {
					if !yield(line[i:j+1], false) {
						return
					}
					i = j + 1
					continue
				}
			case c == '/' && i+1 < len(line) && (line[i+1] == '/' || line[i+1] == '*'):
				end := len(line)
				if line[i+1] == '*' {
					if k := strings.Index(line[i+2:], "*/"); k >= 0 {
						end = i + 2 + k + 2
					}
				}
				if !yield(normalizedText(line[i:end]), false) {
					return
				}
				i = end
				continue
			}
			if !yield(line[i:i+1], false) {
				return
			}
			i++
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// closingQuote returns the index of the quote closing the literal opened
// at i, honouring backslash escapes, or -1 when the line does not close it.
func closingQuote(line string, i int) int {
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return -1
}

// PortComparison is the result of ComparePort.
type PortComparison struct {
	// Exact counts the changed lines of A (occurrences) found with the
	// same sign and text in B, in any file.
	Exact int
	// Renamed counts the further lines of A found in B under the renames
	// of Renames.
	Renamed int
	// Moved counts the matched lines (exact or renamed) whose files in A
	// and B have different base names: code that moved between files.
	Moved int
	// InB is the share of A's changed lines matched in B; InA the share of
	// B's changed lines matched in A (the matching is one to one).
	InB, InA float64
	// Renames are the identifier renames the matching relied on, from A's
	// name to B's, most used first.
	Renames []Rename
}

// Rename is one identifier renamed between the two sides of ComparePort.
type Rename struct {
	// From is the identifier in A, To the one in B.
	From, To string
	// Lines counts the changed line occurrences that support it.
	Lines int
}

// portLine is one residual changed line of one side.
type portLine struct {
	file   int
	text   string
	sign   int
	count  int // occurrences still unmatched
	shape  uint64
	idents []string
	ok     bool
}

// ComparePort compares two changes as a port of one to other code: every
// changed line of A is looked for in all files of B, first as the same
// line, then as a line of the same shape (LineShape) whose identifiers map
// to B's by renames that other lines agree on. Each identifier maps to
// the name it is most often paired with (identifiers left as they are
// vote for the identity); a rename made by at least MinRenameSupport line
// occurrences is confirmed, and a line may add one rename of its own (a
// function renamed once) when two other identifiers vouch for it. Pseudo-lines (binary files, renames) only match
// exactly. Use it where CompareChanges finds too little: a fix redone on
// older code after upstream moved and renamed it.
func ComparePort(a, b []FileChange) PortComparison {
	var pc PortComparison
	la, lb := portLines(a), portLines(b)
	wa, wb := 0, 0
	for _, l := range la {
		wa += l.count
	}
	for _, l := range lb {
		wb += l.count
	}

	// The same line, anywhere in B.
	votes := map[[2]string]int{}
	byText := map[string][]int{}
	for j, l := range lb {
		byText[l.text+"\x00"+signKey(l.sign)] = append(byText[l.text+"\x00"+signKey(l.sign)], j)
	}
	for i := range la {
		x := &la[i]
		for _, j := range byText[x.text+"\x00"+signKey(x.sign)] {
			y := &lb[j]
			n := min(x.count, y.count)
			if n == 0 {
				continue
			}
			x.count -= n
			y.count -= n
			pc.Exact += n
			if baseName(a[x.file].Path) != baseName(b[y.file].Path) {
				pc.Moved += n
			}
			for _, id := range x.idents {
				votes[[2]string{id, id}] += n
			}
		}
	}

	// Lines of the same shape: tentative pairs, then renames by vote.
	type pair struct{ i, j, n int }
	var pairs []pair
	byShape := map[uint64][]int{}
	for j, l := range lb {
		if l.count > 0 && l.ok {
			k := l.shape ^ uint64(l.sign+1)
			byShape[k] = append(byShape[k], j)
		}
	}
	for i := range la {
		x := &la[i]
		for x.count > 0 && x.ok {
			best, bestSame := -1, -1
			group := byShape[x.shape^uint64(x.sign+1)]
			for len(group) > 0 && lb[group[0]].count == 0 {
				group = group[1:] // drop the used-up head
			}
			byShape[x.shape^uint64(x.sign+1)] = group
			for n, j := range group {
				y := &lb[j]
				if n == maxShapeCandidates {
					break
				}
				if y.count == 0 || len(y.idents) != len(x.idents) {
					continue
				}
				same := 0
				for k := range x.idents {
					if x.idents[k] == y.idents[k] {
						same++
					}
				}
				if same > bestSame {
					best, bestSame = j, same
				}
			}
			if best < 0 {
				break
			}
			y := &lb[best]
			n := min(x.count, y.count)
			x.count -= n
			y.count -= n
			pairs = append(pairs, pair{i, best, n})
			for k := range x.idents {
				votes[[2]string{x.idents[k], y.idents[k]}] += n
			}
		}
	}
	to, from := bestRenames(votes)
	used := map[[2]string]int{}
	for _, p := range pairs {
		x, y := &la[p.i], &lb[p.j]
		if !trustedPair(x.idents, y.idents, to, from, votes) {
			continue
		}
		pc.Renamed += p.n
		if baseName(a[x.file].Path) != baseName(b[y.file].Path) {
			pc.Moved += p.n
		}
		for k := range x.idents {
			if x.idents[k] != y.idents[k] {
				used[[2]string{x.idents[k], y.idents[k]}] = votes[[2]string{x.idents[k], y.idents[k]}]
			}
		}
	}
	for m, n := range used {
		pc.Renames = append(pc.Renames, Rename{From: m[0], To: m[1], Lines: n})
	}
	slices.SortFunc(pc.Renames, func(x, y Rename) int {
		if c := cmp.Compare(y.Lines, x.Lines); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	matched := pc.Exact + pc.Renamed
	if wa > 0 {
		pc.InB = float64(matched) / float64(wa)
	}
	if wb > 0 {
		pc.InA = float64(matched) / float64(wb)
	}
	return pc
}

// trustedPair reports whether a pair of same-shape lines is a port: each
// identifier maps to the name it maps to most often, both ways; something
// is renamed (else the lines would be equal); and either every rename is
// confirmed (made by at least MinRenameSupport lines) with at least one
// identifier confirmed, or one rename is made by this line alone (a
// function or flag renamed once) and at least two other identifiers are
// confirmed (unchanged or renamed by other lines) to vouch for it:
// "free(a)" and "free(b)" are not a port, "check->state != STATE_NONE &&
// wantNTLM" and "check->state != STATE_NONE && wantNTLMhttp" are.
func trustedPair(xs, ys []string, to, from map[string]string, votes map[[2]string]int) bool {
	confirmed, single, renamed := 0, 0, false
	for k := range xs {
		x, y := xs[k], ys[k]
		if to[x] != y || from[y] != x {
			return false
		}
		switch {
		case x == y:
			confirmed++
		case votes[[2]string{x, y}] >= MinRenameSupport:
			confirmed++
			renamed = true
		default:
			single++
			renamed = true
		}
	}
	return renamed && (single == 0 && confirmed > 0 || single == 1 && confirmed >= 2)
}

func signKey(s int) string {
	if s < 0 {
		return "-"
	}
	return "+"
}

// portLines flattens the changed lines of all files, with their shapes.
func portLines(fs []FileChange) []portLine {
	var out []portLine
	for fi := range fs {
		for _, l := range fs[fi].Lines {
			pl := portLine{file: fi, text: normalizedText(l.Text), sign: 1, count: l.Count}
			if l.Count < 0 {
				pl.sign, pl.count = -1, -l.Count
			}
			if len(l.Text) == 0 || l.Text[0] != 0 {
				pl.shape, pl.idents, pl.ok = LineShape(l.Text)
			}
			out = append(out, pl)
		}
	}
	return out
}

// bestRenames returns, for each identifier of A, the name of B it is most
// often paired with, and for each of B the name of A (ties go to the same
// name, then to the smaller name).
func bestRenames(votes map[[2]string]int) (to, from map[string]string) {
	to, from = map[string]string{}, map[string]string{}
	toN, fromN := map[string]int{}, map[string]int{}
	better := func(cur string, curN int, cand string, candN int, self string) bool {
		switch {
		case candN != curN:
			return candN > curN
		case cand == self:
			return true
		case cur == self:
			return false
		}
		return cand < cur
	}
	keys := make([][2]string, 0, len(votes))
	for k := range votes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	for _, k := range keys {
		n := votes[k]
		if cur, ok := to[k[0]]; !ok || better(cur, toN[k[0]], k[1], n, k[0]) {
			to[k[0]], toN[k[0]] = k[1], n
		}
		if cur, ok := from[k[1]]; !ok || better(cur, fromN[k[1]], k[0], n, k[1]) {
			from[k[1]], fromN[k[1]] = k[0], n
		}
	}
	return to, from
}
