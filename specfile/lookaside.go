package specfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// LookasideEntry is one line of a lookaside list: a file kept out of git
// (a tarball) and the digest the lookaside cache stores it under.
type LookasideEntry struct {
	// File is the file's base name, as Source tags name it
	// ("curl-7.61.1.tar.xz").
	File string
	// Path is the path as written in the list: the same as File in a
	// dist-git `sources` file, "SOURCES/curl-7.61.1.tar.xz" in a
	// .PKG.metadata file.
	Path string
	// Algo is the digest algorithm in lower case: "md5", "sha1", "sha224",
	// "sha256", "sha384" or "sha512".
	Algo string
	// Hash is the digest in lower-case hex.
	Hash string
	// Line is the entry's 1-based line.
	Line int
}

// ErrLookaside is the cause (see errors.Is) of every error ParseSources and
// ParseMetadata report; they come wrapped in an *input.Error naming file:line.
var ErrLookaside = errors.New("bad lookaside list")

// bsdSum splits a line "ALGO (file) = digest" into the whole line, the
// algorithm, the file and the digest; nil when the line has another form.
func bsdSum(t string) []string {
	open := strings.IndexByte(t, '(')
	if open < 1 {
		return nil
	}
	algo := strings.TrimRight(t[:open], " \t")
	if algo == "" || !(algo[0] >= 'A' && algo[0] <= 'Z' || algo[0] >= 'a' && algo[0] <= 'z') {
		return nil
	}
	for i := 0; i < len(algo); i++ {
		c := algo[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return nil
		}
	}
	closing := strings.LastIndexByte(t, ')')
	if closing < open {
		return nil
	}
	rest := strings.TrimLeft(t[closing+1:], " \t")
	if !strings.HasPrefix(rest, "=") {
		return nil
	}
	digest := strings.TrimLeft(rest[1:], " \t")
	if digest == "" || strings.ContainsAny(digest, " \t") {
		return nil
	}
	return []string{t, algo, t[open+1 : closing], digest}
}

// legacySum splits a line "digest  file" into the whole line, the digest
// and the file; nil when the line has another form.
func legacySum(t string) []string {
	i := strings.IndexAny(t, " \t")
	if i < 1 || !isHex(t[:i]) {
		return nil
	}
	file := strings.TrimLeft(t[i:], " \t")
	if file == "" {
		return nil
	}
	return []string{t, t[:i], file}
}

const (
	maxLookasideLine    = 64 << 10
	maxLookasideEntries = 1 << 16
)

// hexDigestAlgo maps the length of a hex digest to its algorithm.
func hexDigestAlgo(n int) string {
	switch n {
	case 32:
		return "md5"
	case 40:
		return "sha1"
	case 56:
		return "sha224"
	case 64:
		return "sha256"
	case 96:
		return "sha384"
	case 128:
		return "sha512"
	}
	return ""
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// lookasideLines calls fn for each line of r with its 1-based number,
// without the line terminator; it reports overlong lines and too many
// lines as errors naming name:line.
func lookasideLines(r io.Reader, name string, fn func(line string, n int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLookasideLine)
	n := 0
	for sc.Scan() {
		n++
		if n > maxLookasideEntries {
			return &input.Error{Pos: input.Position{File: name, Line: n}, Err: fmt.Errorf("%w: more than %d lines", ErrLookaside, maxLookasideEntries)}
		}
		if err := fn(strings.TrimSuffix(sc.Text(), "\r"), n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &input.Error{Pos: input.Position{File: name, Line: n + 1}, Err: fmt.Errorf("%w: line longer than %d bytes", ErrLookaside, maxLookasideLine)}
		}
		return &input.Error{Pos: input.Position{File: name, Line: n + 1}, Err: err}
	}
	return nil
}

// checkLookasideFile rejects file names that could escape the sources
// directory or that are not plain names.
func checkLookasideFile(p string) error {
	if p == "" {
		return errors.New("empty file name")
	}
	if strings.ContainsAny(p, "\x00") {
		return errors.New("NUL byte in file name")
	}
	if strings.HasPrefix(p, "/") || p == "." || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
		return fmt.Errorf("unsafe path %q", p)
	}
	return nil
}

// ParseSources parses a dist-git `sources` file (Fedora, CentOS Stream):
// lines "SHA512 (file) = hex" (BSD-style, any algorithm in md5, sha1,
// sha224, sha256, sha384, sha512) or the legacy "hex  file" form (md5).
// Blank lines are skipped. As for Fedora's tooling, one file must use a
// single algorithm: mixing them is an error, as are unknown algorithms,
// digests of the wrong length, unsafe file names and duplicate files.
// Errors are *input.Error values naming name:line and wrapping ErrLookaside.
func ParseSources(name string, r io.Reader) ([]LookasideEntry, error) {
	var out []LookasideEntry
	seen := map[string]int{}
	err := lookasideLines(r, name, func(line string, n int) error {
		fail := func(format string, args ...any) error {
			return &input.Error{Pos: input.Position{File: name, Line: n}, Err: fmt.Errorf("%w: "+format, append([]any{ErrLookaside}, args...)...)}
		}
		t := strings.TrimSpace(line)
		if t == "" {
			return nil
		}
		var e LookasideEntry
		if m := bsdSum(t); m != nil {
			e.Algo, e.Path, e.Hash = strings.ToLower(m[1]), m[2], m[3]
			want := digestLen(e.Algo)
			switch {
			case want == 0:
				return fail("unknown digest algorithm %q", m[1])
			case !isHex(e.Hash):
				return fail("digest %q is not hex", clTruncate(e.Hash, 80))
			case len(e.Hash) != want:
				return fail("%s digest has %d hex digits, want %d", m[1], len(e.Hash), want)
			}
		} else if m := legacySum(t); m != nil {
			e.Algo, e.Path, e.Hash = "md5", m[2], m[1]
			if len(e.Hash) != 32 {
				return fail("legacy line %q: %d hex digits, want 32 (md5)", clTruncate(t, 80), len(e.Hash))
			}
		} else {
			return fail("want %q or %q, got %q", "ALGO (file) = hex", "hex  file", clTruncate(t, 80))
		}
		e.Hash = strings.ToLower(e.Hash)
		if err := checkLookasideFile(e.Path); err != nil {
			return fail("%v", err)
		}
		e.File = path.Base(e.Path)
		e.Line = n
		if len(out) > 0 && out[0].Algo != e.Algo {
			return fail("%s entry in a list that uses %s (line %d): one file must use one hash type",
				strings.ToUpper(e.Algo), strings.ToUpper(out[0].Algo), out[0].Line)
		}
		if l, ok := seen[e.Path]; ok {
			return fail("%s is listed twice (line %d)", e.Path, l)
		}
		seen[e.Path] = n
		out = append(out, e)
		return nil
	})
	return out, err
}

// digestLen returns the hex length of algo's digests, 0 when unknown.
func digestLen(algo string) int {
	for _, n := range []int{32, 40, 56, 64, 96, 128} {
		if hexDigestAlgo(n) == algo {
			return n
		}
	}
	return 0
}

// ParseMetadata parses a .PKG.metadata file (git.centos.org, OpenELA,
// Rocky, AlmaLinux): lines "hex SOURCES/file" separated by one or more
// blanks. The algorithm follows from the digest's length (sha1, sha256
// and sha512 are all seen, even mixed in one file). Blank lines are
// skipped; a missing final newline is fine. Errors are *input.Error values
// naming name:line and wrapping ErrLookaside: a line without two fields,
// a digest that is not hex or of no known length, an unsafe path, a
// duplicate path.
func ParseMetadata(name string, r io.Reader) ([]LookasideEntry, error) {
	var out []LookasideEntry
	seen := map[string]int{}
	err := lookasideLines(r, name, func(line string, n int) error {
		fail := func(format string, args ...any) error {
			return &input.Error{Pos: input.Position{File: name, Line: n}, Err: fmt.Errorf("%w: "+format, append([]any{ErrLookaside}, args...)...)}
		}
		t := strings.TrimSpace(line)
		if t == "" {
			return nil
		}
		f := strings.Fields(t)
		if len(f) < 2 {
			return fail("want %q, got %q", "hex SOURCES/file", clTruncate(t, 80))
		}
		e := LookasideEntry{Hash: strings.ToLower(f[0]), Path: strings.TrimSpace(t[len(f[0]):]), Line: n}
		if !isHex(e.Hash) {
			return fail("digest %q is not hex", clTruncate(f[0], 80))
		}
		if e.Algo = hexDigestAlgo(len(e.Hash)); e.Algo == "" {
			return fail("digest has %d hex digits: not md5, sha1, sha224, sha256, sha384 or sha512", len(e.Hash))
		}
		if err := checkLookasideFile(e.Path); err != nil {
			return fail("%v", err)
		}
		e.File = path.Base(e.Path)
		if l, ok := seen[e.Path]; ok {
			return fail("%s is listed twice (line %d)", e.Path, l)
		}
		seen[e.Path] = n
		out = append(out, e)
		return nil
	})
	return out, err
}
