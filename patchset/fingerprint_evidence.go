package patchset

import "strings"

// Evidential reports whether a changed line may serve as evidence that
// two changes are the same: an added line (Count > 0) that is not
// Boilerplate. Removed lines only say what a change replaces, and many
// unrelated changes remove the same old text (a deleted man page, a
// dropped function); boilerplate is shared by unrelated changes. Matching
// counts such lines in coverages but never lets them alone make a match.
func Evidential(l LineCount) bool {
	return l.Count > 0 && !Boilerplate(l.Text)
}

// Boilerplate reports whether a line's text (as in LineCount.Text:
// trimmed; "" when not kept) is common to unrelated changes: a line
// without letters or digits ("}", "*/"), a pseudo-line, a line of one
// short word ("else", "break;", "#endif", ".PP", "fi"), an include or
// import, a document heading (".SH NAME", "## Usage", "== Options",
// "@section Foo") or a copyright or license line. An unknown text ("") is not
// boilerplate: the caller has no way to tell.
func Boilerplate(text string) bool {
	if text == "" {
		return false
	}
	if (LineCount{Text: text}).Trivial() {
		return true
	}
	if n, longest := words(text); n <= 1 && longest <= 8 {
		return true
	}
	lower := strings.ToLower(text)
	for _, p := range boilerPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	body := strings.TrimLeft(lower, "/*#;!-% \t")
	for _, p := range licensePrefixes {
		if strings.HasPrefix(body, p) {
			return true
		}
	}
	for _, s := range licenseWords {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return isHeading(text)
}

// boilerPrefixes start include, import and conditional-compilation lines
// (lower case).
var boilerPrefixes = []string{
	"#include", "# include", "#import", "import ", "from ", "using ", "require ", "require(", "use ",
	"#endif", "#else", "#pragma once", "package ",
}

// licensePrefixes start copyright lines, after comment markers (lower case).
var licensePrefixes = []string{"copyright", "(c) ", "all rights reserved", "spdx-"}

// licenseWords are found in license texts only (lower case).
var licenseWords = []string{
	"spdx-license-identifier", "general public license", "permission is hereby granted",
	"licensed under", "without warranty", "free software foundation", "redistribution and use",
}

// isHeading reports a document heading: a roff section or title macro, a
// Markdown or AsciiDoc heading, a Texinfo sectioning command.
func isHeading(text string) bool {
	switch {
	case strings.HasPrefix(text, ".SH ") || strings.HasPrefix(text, ".SS ") || strings.HasPrefix(text, ".TH ") ||
		strings.HasPrefix(text, ".Sh ") || strings.HasPrefix(text, ".Ss ") || strings.HasPrefix(text, ".Dt "):
		return true
	case strings.HasPrefix(text, "#"):
		t := strings.TrimLeft(text, "#")
		n, _ := words(t)
		return len(text)-len(t) <= 6 && strings.HasPrefix(t, " ") && n <= 4 && !strings.ContainsAny(t, "=();{}.,:")
	case strings.HasPrefix(text, "=="):
		return strings.HasPrefix(strings.TrimLeft(text, "="), " ")
	case strings.HasPrefix(text, "@"):
		cmd, _, _ := strings.Cut(text[1:], " ")
		switch cmd {
		case "node", "chapter", "section", "subsection", "subsubsection", "unnumbered", "appendix", "top", "heading", "subheading":
			return true
		}
	}
	return false
}

// words counts the runs of letters and digits (and '_') in s and returns
// the length of the longest.
func words(s string) (n, longest int) {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 {
			if run == 0 {
				n++
			}
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return n, longest
}
