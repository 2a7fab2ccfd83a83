package specfile

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	reDistMacro   = regexp.MustCompile(`%\{\??dist\}|%dist\b`)
	reRebuildTail = regexp.MustCompile(`(\.[A-Za-z][A-Za-z0-9_]*(\.[0-9]+)*)+$`)
	reAutorelease = regexp.MustCompile(`%\{?autorelease\b`)
	reReleaseTag  = regexp.MustCompile(`^([ \t]*[Rr][Ee][Ll][Ee][Aa][Ss][Ee][ \t]*:[ \t]*)(.*?)([ \t]*)$`)
)

// SetReleaseSuffix puts a rebuild suffix such as ".alma.1" at the end of
// the Release tag, after the dist tag: `Release: 28%{?dist}` becomes
// `Release: 28%{?dist}.alma.1`, `26%{?dist}.3` becomes
// `26%{?dist}.3.alma.1`. A rebuild suffix already there (text after the
// dist tag that starts with a letter: ".openela.0.1", ".alma.1",
// ".rocky.0.1") is replaced rather than stacked.
//
// For rpmautospec's %autorelease, which renders
// <pkgrel>[.<extraver>][.<snapinfo>]%{?dist} (its -e option is extraver,
// placed BEFORE the dist tag), the macro gets -n (documented as "don't
// render the dist tag, e.g. if the dist tag is added later") and the dist
// tag is written after it: `%autorelease -b 2` becomes
// `%{autorelease -b 2 -n}%{?dist}.alma.1`.
//
// Every Release tag of the main package is edited (several may sit in
// %if branches).
func (e *Editor) SetReleaseSuffix(suffix string) error {
	if suffix == "" {
		return fmt.Errorf("%w: empty release suffix", ErrEdit)
	}
	if !strings.HasPrefix(suffix, ".") {
		suffix = "." + suffix
	}
	if strings.ContainsAny(suffix, " \t\r\n-%{}") {
		return fmt.Errorf("%w: release suffix %q: no blanks, dashes or macros allowed", ErrEdit, suffix)
	}
	pre := e.sectionRanges("preamble")
	var edits []edit
	for n := 1; n <= len(e.lines); n++ {
		if len(pre) > 0 && !inRanges(n, pre) {
			continue
		}
		m := reReleaseTag.FindStringSubmatch(e.text(n))
		if m == nil || m[2] == "" {
			continue
		}
		edits = append(edits, edit{from: n, to: n, repl: []string{m[1] + withReleaseSuffix(m[2], suffix) + m[3]}})
	}
	if len(edits) == 0 {
		return fmt.Errorf("%w: no Release tag in the main package", ErrNoTag)
	}
	return e.apply(edits, func(ns *Spec) error {
		if ns.Release != "" && !strings.Contains(ns.Release, suffix) {
			return fmt.Errorf("%w: after the edit, Release expands to %q, without %q", ErrEdit, ns.Release, suffix)
		}
		return nil
	})
}

// withReleaseSuffix returns Release value v with suffix placed after its
// dist tag (see SetReleaseSuffix).
func withReleaseSuffix(v, suffix string) string {
	if loc := reAutorelease.FindStringIndex(v); loc != nil && !hasAutoreleaseN(v) {
		if v[loc[0]+1] == '{' {
			// %{autorelease ...}: add -n inside the braces.
			end := strings.IndexByte(v[loc[0]:], '}')
			if end < 0 {
				return v + suffix
			}
			end += loc[0]
			return v[:end] + " -n" + v[end:] + "%{?dist}" + suffix
		}
		// %autorelease [args to the end of the line].
		args := strings.TrimSpace(v[loc[1]:])
		call := "%{autorelease"
		if args != "" {
			call += " " + args
		}
		return v[:loc[0]] + call + " -n}%{?dist}" + suffix
	}
	locs := reDistMacro.FindAllStringIndex(v, -1)
	if len(locs) == 0 {
		word := strings.SplitN(suffix[1:], ".", 2)[0]
		if i := strings.LastIndex(v, "."+word); i >= 0 && reRebuildTail.MatchString(v[i:]) && reRebuildTail.FindString(v[i:]) == v[i:] {
			v = v[:i]
		}
		return v + suffix
	}
	end := locs[len(locs)-1][1]
	tail := v[end:]
	tail = reRebuildTail.ReplaceAllString(tail, "")
	return v[:end] + tail + suffix
}

// hasAutoreleaseN reports whether the %autorelease call in v has -n.
func hasAutoreleaseN(v string) bool {
	loc := reAutorelease.FindStringIndex(v)
	if loc == nil {
		return false
	}
	args := v[loc[1]:]
	if v[loc[0]+1] == '{' {
		if end := strings.IndexByte(args, '}'); end >= 0 {
			args = args[:end]
		}
	}
	for _, t := range strings.Fields(args) {
		if t == "-n" {
			return true
		}
	}
	return false
}
