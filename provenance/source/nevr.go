package source

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/internal/rpmver"
)

// NEVR is a package's name, epoch, version and release.
type NEVR struct {
	Name    string // package name
	Epoch   string // "" when none
	Version string // version, without epoch
	Release string // release, including any dist tag
}

// String returns N-V-R, or N-E:V-R when the epoch is set.
func (n NEVR) String() string {
	if n.Epoch != "" {
		return n.Name + "-" + n.Epoch + ":" + n.Version + "-" + n.Release
	}
	return n.Name + "-" + n.Version + "-" + n.Release
}

// EVR returns [E:]V-R.
func (n NEVR) EVR() string {
	s := n.Version + "-" + n.Release
	if n.Epoch != "" {
		s = n.Epoch + ":" + s
	}
	return s
}

// knownArches are the architectures ParseNEVR strips from a package file
// name (NAME-V-R.ARCH.rpm).
var knownArches = map[string]bool{
	"src": true, "nosrc": true, "noarch": true, "x86_64": true, "i686": true,
	"i386": true, "i586": true, "aarch64": true, "ppc64le": true, "ppc64": true,
	"s390x": true, "s390": true, "armv7hl": true, "riscv64": true, "x86_64_v2": true,
	"ppc": true, "ia64": true, "loongarch64": true,
}

// ParseNEVR parses "N-V-R", "N-E:V-R" or "E:N-V-R" (as yum prints it). A
// package file name ("N-V-R.ARCH.rpm", e.g. "curl-7.61.1-30.el8.src.rpm")
// is accepted too: the ".rpm" suffix and a known architecture are
// dropped. Errors wrap ErrFormat.
func ParseNEVR(s string) (NEVR, error) {
	orig := s
	bad := func(why string) (NEVR, error) {
		return NEVR{}, fmt.Errorf("%w: NEVR %q: %s", ErrFormat, orig, why)
	}
	if strings.ContainsAny(s, " \t\r\n/\x00") {
		return bad("contains white space, '/' or NUL")
	}
	if t, ok := strings.CutSuffix(s, ".rpm"); ok {
		if i := strings.LastIndexByte(t, '.'); i >= 0 && knownArches[t[i+1:]] {
			t = t[:i]
		}
		s = t
	}
	var n NEVR
	// E:N-V-R: an all-digit prefix before ':' that precedes every '-'.
	if i := strings.IndexByte(s, ':'); i > 0 && !strings.Contains(s[:i], "-") {
		n.Epoch = s[:i]
		s = s[i+1:]
	}
	r := strings.LastIndexByte(s, '-')
	if r < 0 {
		return bad("no '-' before the release")
	}
	n.Release = s[r+1:]
	s = s[:r]
	v := strings.LastIndexByte(s, '-')
	if v < 0 {
		return bad("no '-' before the version")
	}
	n.Version = s[v+1:]
	n.Name = s[:v]
	if i := strings.IndexByte(n.Version, ':'); i >= 0 {
		if n.Epoch != "" {
			return bad("two epochs")
		}
		n.Epoch, n.Version = n.Version[:i], n.Version[i+1:]
	}
	switch {
	case n.Name == "":
		return bad("empty name")
	case n.Version == "":
		return bad("empty version")
	case n.Release == "":
		return bad("empty release")
	case strings.Contains(n.Release, ":") || strings.Contains(n.Version, ":"):
		return bad("':' outside the epoch")
	}
	if n.Epoch != "" {
		if _, err := strconv.ParseUint(n.Epoch, 10, 32); err != nil {
			return bad("epoch is not a number")
		}
	}
	return n, nil
}

// distTag matches a distribution tag as one or more dot-separated release
// components: .el8, .el8_8, .el9_10, .fc39, .eln130, .amzn2023, and
// module streams (.module+el8.9.0+19496+23cdb03b, .module_el8.9.0+...).
var distTag = regexp.MustCompile(`\.(?:module[+_](?:el|fc)\d+(?:\.\d+)*\+\d+\+[0-9a-f]+|(?:el|fc|eln|amzn|mga|oe|an|ky)\d+(?:_\d+)*)(?:\.|$)`)

// BaseRelease returns the release as the rebuild's origin built it,
// seeing through what a rebuild appends after the distribution tag.
// After the dist tag (.elN, .elN_M, .fcN, a module tag ...) the origin
// itself may only add z-stream bumps: numeric components without a
// leading zero (".el8_8.3", ".el9_2.4"). Everything from the first other
// component on is the rebuild's: ".alma.1", ".rocky.0.1",
// ".openela.0.1", Oracle's ".0.1", CIQ's ".ciqlts.3", ".0.ciqlts",
// ".86ciq_lts". A release without a dist tag is returned unchanged.
func (n NEVR) BaseRelease() string { return BaseRelease(n.Release) }

// BaseRelease is NEVR.BaseRelease on a bare release string.
func BaseRelease(release string) string {
	locs := distTag.FindAllStringIndex(release, -1)
	if len(locs) == 0 {
		return release
	}
	end := locs[len(locs)-1][1]
	if end <= len(release) && end > 0 && release[end-1] == '.' {
		end--
	}
	rest := release[end:]
	keep := 0
	for rest != "" {
		// rest starts with '.'
		comp := rest[1:]
		if i := strings.IndexByte(comp, '.'); i >= 0 {
			comp = comp[:i]
		}
		if comp == "" || comp[0] == '0' || strings.Trim(comp, "0123456789") != "" {
			break
		}
		keep += 1 + len(comp)
		rest = rest[1+len(comp):]
	}
	return release[:end+keep]
}

// RebuildSuffix returns what BaseRelease strips ("" when nothing), without
// its leading '.'.
func (n NEVR) RebuildSuffix() string {
	b := n.BaseRelease()
	return strings.TrimPrefix(n.Release[len(b):], ".")
}

// SameBuild reports whether a and b name the same origin build: same
// name, epoch (none counts as 0), version and BaseRelease. For example
// curl-7.61.1-30.el8_8.3 and curl-7.61.1-30.el8_8.3.alma.1.
func SameBuild(a, b NEVR) bool {
	return a.Name == b.Name && epochValue(a.Epoch) == epochValue(b.Epoch) &&
		a.Version == b.Version && a.BaseRelease() == b.BaseRelease()
}

func epochValue(e string) string {
	e = strings.TrimLeft(e, "0")
	if e == "" {
		return "0"
	}
	return e
}

// CompareEVR compares a and b by epoch (numeric, none counts as 0), then
// version, then release, each with rpm's version comparison; names are
// not compared. It returns -1, 0 or 1.
func CompareEVR(a, b NEVR) int {
	if c := Compare(epochValue(a.Epoch), epochValue(b.Epoch)); c != 0 {
		return c
	}
	if c := Compare(a.Version, b.Version); c != 0 {
		return c
	}
	return Compare(a.Release, b.Release)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// Compare compares two version (or release) strings the way rpm's
// rpmvercmp does (rpm 4.18): alternating runs of digits and letters are
// compared, digits numerically and letters by byte order, numbers newer
// than letters; separators are ignored but '~' sorts before anything
// (even the end) and '^' sorts after the end but before anything else.
// It returns -1, 0 or 1.
func Compare(a, b string) int { return rpmver.Compare(a, b) }
