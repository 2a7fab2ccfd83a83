package patchset

import (
	"strings"
)

// Path normalisation and similarity for matching files across patches whose
// names differ by prefix (-p1 vs -p2 trees), by directory (moved files) or
// by the backup suffix that rpm's -b option and gendiff leave on the old
// name (xmlparse.c.cve20843, foo.c.orig).

// isDevNull reports the names diff uses for an absent side.
func isDevNull(name string) bool {
	return name == "/dev/null" || name == "" || strings.HasSuffix(name, "/dev/null")
}

// splitPath splits a cleaned path into its non-empty components.
func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// baseName returns the last component of p ("" for "").
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// DetectStrip guesses the -p level for one file of a patch from its old and
// new names as written: 1 when both carry git's one-letter prefixes
// (a/ b/, or i/ w/ c/ o/ for git's mnemonic prefixes), when the two names
// start with different directories (curl-7.61.1.orig/ vs curl-7.61.1/), or
// when the first directory looks like a versioned source tree
// (libexpat-R_2_2_5/, openssl-3.0.7/); else 0. It never guesses above 1:
// deeper prefixes are seen through by PathSimilarity.
func DetectStrip(oldName, newName string) int {
	o, n := splitPath(stripTimestamp(oldName)), splitPath(stripTimestamp(newName))
	if isDevNull(oldName) {
		o = nil
	}
	if isDevNull(newName) {
		n = nil
	}
	letter := func(c []string) bool { return len(c) >= 2 && len(c[0]) == 1 }
	switch {
	case o != nil && n != nil:
		if letter(o) && letter(n) && o[0] != n[0] {
			return 1
		}
		if len(o) >= 2 && len(n) >= 2 && o[0] != n[0] {
			return 1
		}
		if len(o) >= 2 && len(n) >= 2 && looksVersionedDir(n[0]) {
			return 1
		}
	case n != nil:
		if len(n) >= 2 && (n[0] == "b" || n[0] == "w" || looksVersionedDir(n[0])) {
			return 1
		}
	case o != nil:
		if len(o) >= 2 && (o[0] == "a" || o[0] == "i" || o[0] == "c" || looksVersionedDir(o[0])) {
			return 1
		}
	}
	return 0
}

// looksVersionedDir reports a directory name of the form name-version
// (curl-7.61.1, libexpat-R_2_2_5) or a backup tree (foo.orig, foo-orig).
func looksVersionedDir(s string) bool {
	if strings.HasSuffix(s, ".orig") || strings.HasSuffix(s, "-orig") || strings.HasSuffix(s, ".old") || strings.HasSuffix(s, ".new") {
		return true
	}
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	return strings.ContainsAny(s[i+1:], "0123456789")
}

// stripTimestamp removes the tab-separated timestamp some diffs append to
// the ---/+++ names.
func stripTimestamp(name string) string {
	if i := strings.IndexByte(name, '\t'); i >= 0 {
		name = name[:i]
	}
	return strings.TrimSpace(name)
}

// NormalizePath returns name as used for matching: timestamp and quotes
// removed, strip leading components dropped (keeping at least the base
// name), "./" and duplicate slashes removed, and a backup suffix removed
// from the base name (see StripBackupSuffix). "/dev/null" yields "".
func NormalizePath(name string, strip int) string {
	name = stripTimestamp(name)
	if isDevNull(name) {
		return ""
	}
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = name[1 : len(name)-1]
	}
	// Strip as patch(1) does: a component ends at a run of slashes, and
	// "." counts ("./lib/x.c" -p1 is "lib/x.c"); then clean.
	raw := strings.FieldsFunc(name, func(r rune) bool { return r == '/' })
	if len(raw) == 0 {
		return ""
	}
	if strip > len(raw)-1 {
		strip = len(raw) - 1
	}
	if strip > 0 {
		raw = raw[strip:]
	}
	parts := splitPath(strings.Join(raw, "/"))
	if len(parts) == 0 {
		return ""
	}
	parts[len(parts)-1] = StripBackupSuffix(parts[len(parts)-1])
	return strings.Join(parts, "/")
}

// sourceExt is the set of file extensions after which a further ".word" is
// taken for a backup suffix. Lower case.
var sourceExt = map[string]bool{
	"c": true, "h": true, "cc": true, "cpp": true, "cxx": true, "hpp": true, "hh": true, "hxx": true,
	"m": true, "mm": true, "go": true, "rs": true, "py": true, "pl": true, "pm": true, "t": true,
	"rb": true, "sh": true, "bash": true, "java": true, "js": true, "ts": true, "cs": true,
	"php": true, "lua": true, "tcl": true, "in": true, "am": true, "ac": true, "m4": true,
	"mk": true, "cmake": true, "txt": true, "md": true, "rst": true, "xml": true, "html": true,
	"htm": true, "css": true, "json": true, "yaml": true, "yml": true, "toml": true, "cfg": true,
	"conf": true, "cnf": true, "ini": true, "pem": true, "crt": true, "key": true, "csr": true,
	"der": true, "crl": true, "s": true, "asm": true, "y": true, "l": true, "def": true,
	"spec": true, "pc": true, "map": true, "sym": true, "ld": true, "inc": true, "po": true,
	"pod": true, "texi": true, "texinfo": true, "sgml": true, "xsl": true, "el": true,
	"1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true, "8": true,
	"service": true, "socket": true, "target": true, "timer": true, "desktop": true,
	"f": true, "f90": true, "ml": true, "mli": true, "hs": true, "swift": true, "kt": true,
	"scala": true, "sql": true, "awk": true, "sed": true, "bat": true, "ps1": true, "vim": true,
	"rc": true, "idl": true, "proto": true, "d": true, "inl": true, "tmpl": true, "tpl": true,
	"gz": true, "xz": true, "bz2": true, "zst": true, "tar": true, "zip": true,
}

// backupSuffix is the set of suffixes that mark a backup whatever precedes
// them.
var backupSuffix = map[string]bool{
	"orig": true, "rej": true, "bak": true, "old": true, "save": true, "sav": true, "backup": true,
}

// StripBackupSuffix removes from a base name the suffix that rpm's %patch -b
// and gendiff leave on backup copies: "~", a trailing ".orig", ".rej",
// ".bak", ".old", ".save", or any ".word" (letters, digits, '_', '-', '+',
// at most 40 bytes) that follows a known source extension, as in
// "xmlparse.c.cve20843" or "tool_msgs.c.fix-warnf". A name whose last
// extension is itself a source extension ("config.h.in") is left alone.
func StripBackupSuffix(base string) string {
	base = strings.TrimRight(base, "~")
	if base == "" {
		return base
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return base
	}
	last := base[i+1:]
	lower := strings.ToLower(last)
	if backupSuffix[lower] {
		return base[:i]
	}
	if sourceExt[lower] || len(last) > 40 {
		return base
	}
	for j := 0; j < len(last); j++ {
		c := last[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+') {
			return base
		}
	}
	stem := base[:i]
	k := strings.LastIndexByte(stem, '.')
	if k <= 0 || k == len(stem)-1 {
		return base
	}
	if sourceExt[strings.ToLower(stem[k+1:])] {
		return stem
	}
	return base
}

// PathSimilarity scores how likely two normalised paths name the same file,
// in [0, 1], by common suffix: 0 when the base names differ; otherwise
// (1 + common trailing directories) / (1 + directories of the shorter path).
// So "expat/lib/xmlparse.c" and "libexpat-R_2_2_5/expat/lib/xmlparse.c"
// score 1 (one is a suffix of the other), "lib/hostcheck.c" and
// "lib/vtls/hostcheck.c" score 0.5 (same base name, moved).
func PathSimilarity(a, b string) float64 {
	pa, pb := splitPath(a), splitPath(b)
	if len(pa) == 0 || len(pb) == 0 {
		return 0
	}
	if pa[len(pa)-1] != pb[len(pb)-1] {
		return 0
	}
	common := 0
	for i, j := len(pa)-2, len(pb)-2; i >= 0 && j >= 0 && pa[i] == pb[j]; i, j = i-1, j-1 {
		common++
	}
	short := min(len(pa), len(pb)) - 1
	return float64(1+common) / float64(1+short)
}
