package patchset

import (
	"regexp"
	"strings"
)

// HintKind names what a Hint claims.
type HintKind string

// The kinds of provenance claims. The comment of each names where it is
// found; Hint.Field tells the exact header or trailer.
const (
	// HintCommit: the commit named by the "From <sha>" mbox line or the
	// "commit <sha>" line of git log output. For RHEL patches this is
	// often Red Hat's rebased commit, not upstream's.
	HintCommit HintKind = "commit"
	// HintAuthor: From:, Author: (mail header, git log, DEP-3).
	HintAuthor HintKind = "author"
	// HintDate: Date:.
	HintDate HintKind = "date"
	// HintSubject: Subject:, DEP-3 Description:.
	HintSubject HintKind = "subject"
	// HintUpstreamCommit: a claim that the patch is (a backport of) an
	// upstream commit: "Upstream-commit: <sha>", SUSE "Git-commit:",
	// "commit <sha> upstream.", "[ Upstream commit <sha> ]", "upstream
	// commit [id:] <sha>", "backport(ed) of/from [upstream] [commit]
	// <sha>", a message line holding only "commit <sha>", "commit:<sha>",
	// commit ids in
	// DEP-3 Origin/Applied-Upstream, OpenEmbedded "Upstream-Status:
	// Backport [<sha>]" and commit URLs (…/commit/<sha>, ?id=<sha>).
	// Value is the (possibly abbreviated) id in lower case.
	HintUpstreamCommit HintKind = "upstream-commit"
	// HintCherryPick: "(cherry picked from commit <sha>)", also without
	// the parentheses or the word commit.
	HintCherryPick HintKind = "cherry-picked-from"
	// HintCommitMention: a commit id named in running text ("commit
	// <sha>"), found by MentionedCommits only.
	HintCommitMention HintKind = "commit-mention"
	// HintFixes: "Fixes: <sha> ("subject")"; Value is the id.
	HintFixes HintKind = "fixes"
	// HintLink: "Link: <url>".
	HintLink HintKind = "link"
	// HintOrigin: DEP-3 "Origin: upstream|backport|vendor|other, <url>".
	HintOrigin HintKind = "origin"
	// HintBug: a bug reference: the DEP-3 Bug: field, rhbz#N, bsc#N
	// (boo#, bnc#), RHEL-N and bugzilla URLs anywhere. Value is normalised
	// ("rhbz#123", "bsc#123", "RHEL-123") or the URL.
	HintBug HintKind = "bug"
	// HintBugVendor: DEP-3 "Bug-<Vendor>:" (Bug-Debian, Bug-Ubuntu ...).
	HintBugVendor HintKind = "bug-vendor"
	// HintForwarded: DEP-3 "Forwarded:".
	HintForwarded HintKind = "forwarded"
	// HintAppliedUpstream: DEP-3 "Applied-Upstream:".
	HintAppliedUpstream HintKind = "applied-upstream"
	// HintLastUpdate: DEP-3 "Last-Update:".
	HintLastUpdate HintKind = "last-update"
	// HintPatchMainline: SUSE "Patch-mainline:" (v6.5-rc7, Queued, Never ...).
	HintPatchMainline HintKind = "patch-mainline"
	// HintGitRepo: SUSE "Git-repo:".
	HintGitRepo HintKind = "git-repo"
	// HintReferences: SUSE "References:" (its bug and CVE ids are also
	// reported as HintBug and HintCVE).
	HintReferences HintKind = "references"
	// HintUpstreamStatus: OpenEmbedded "Upstream-Status:", RHEL kernel
	// "Upstream Status:" and openSUSE spec comment tags
	// (PATCH-FIX-UPSTREAM, PATCH-FIX-OPENSUSE ...).
	HintUpstreamStatus HintKind = "upstream-status"
	// HintCVE: a CVE id anywhere in the header or message (including the
	// CVE: field); Value is upper case.
	HintCVE HintKind = "cve"
	// HintJIRA: RHEL "JIRA:" field.
	HintJIRA HintKind = "jira"
	// HintConflicts: RHEL kernel "Conflicts:" (the backport differs from
	// upstream).
	HintConflicts HintKind = "conflicts"
)

// Hint is a provenance claim found in a patch's header or message: an
// upstream commit id, a bug or CVE reference, an upstream status. Hints are
// claims made by whoever wrote the patch, not facts: ids can be mistyped,
// name a downstream rebase, or never have landed upstream. Confirm them by
// content before relying on them.
type Hint struct {
	// Kind says what is claimed.
	Kind HintKind
	// Value is the claimed value, normalised where the kind says so
	// (lower-case commit ids, upper-case CVE ids).
	Value string
	// Line is the 1-based line of the patch file the claim is on.
	Line int
	// Field is the header or trailer name the claim came from ("" when it
	// was found in running text).
	Field string
	// Text is the whole line as written.
	Text string
}

// HintsOf returns the hints of kind k in hs.
func HintsOf(hs []Hint, k HintKind) []Hint {
	var out []Hint
	for _, h := range hs {
		if h.Kind == k {
			out = append(out, h)
		}
	}
	return out
}

var (
	reField      = regexp.MustCompile(`^\s*(Upstream Status|[A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*?)\s*$`)
	reHex        = regexp.MustCompile(`\b[0-9a-fA-F]{7,40}\b`)
	reCommitURL  = regexp.MustCompile(`(?:/commits?/|/-/commit/|[?;&]id=|[?;&]h=|commit:)([0-9a-fA-F]{7,40})\b`)
	reUpstreamA  = regexp.MustCompile(`(?i)\bcommit ([0-9a-f]{12,40}) upstream\b`)
	reUpstreamB  = regexp.MustCompile(`(?i)\[\s*upstream commit ([0-9a-f]{7,40})\s*\]`)
	reCommitWord = regexp.MustCompile(`(?i)\b(?:upstream\s+commit|backport(?:ed)?\s+(?:of|from)(?:\s+upstream)?(?:\s+commit)?|cherry-pick\s+of(?:\s+commit)?)(?:\s+id)?:?\s+([0-9a-f]{7,40})\b`)
	reCommitLine = regexp.MustCompile(`(?i)^\s*(?:\[\s*)?(?:upstream\s+)?commit\s+([0-9a-f]{7,40})\s*(?:upstream\.?|\])?\s*$`)
	reMention    = regexp.MustCompile(`(?i)\bcommits?\s+([0-9a-f]{7,40})\b`)
	reSUSETag    = regexp.MustCompile(`\bPATCH-(?:FIX|FEATURE)-(?:UPSTREAM|OPENSUSE|SLE|FEDORA)\b|\bPATCH-MISSING-TAG\b`)
	reCherryPick = regexp.MustCompile(`(?i)cherry[- ]picked from (?:commit )?([0-9a-f]{7,40})\b`)
	reCVE        = regexp.MustCompile(`(?i)\bCVE-\d{4}-\d{4,}\b`)
	reRHBZ       = regexp.MustCompile(`(?i)\b(?:rhbz|rh bz|bz)\s*#\s*(\d+)\b|\brhbz\s*(\d+)\b`)
	reSUSEBug    = regexp.MustCompile(`\b(bsc|boo|bnc)#(\d+)\b`)
	reRHEL       = regexp.MustCompile(`\bRHEL-\d+\b`)
	reBugzilla   = regexp.MustCompile(`(?:https?://)?bugzilla\.[A-Za-z0-9.-]+/(?:show_bug\.cgi\?id=)?[A-Za-z0-9_-]+`)
)

// fieldKinds maps lower-case field names to what they claim.
var fieldKinds = map[string]HintKind{
	"from":             HintAuthor,
	"author":           HintAuthor,
	"date":             HintDate,
	"subject":          HintSubject,
	"description":      HintSubject,
	"origin":           HintOrigin,
	"bug":              HintBug,
	"forwarded":        HintForwarded,
	"applied-upstream": HintAppliedUpstream,
	"last-update":      HintLastUpdate,
	"patch-mainline":   HintPatchMainline,
	"git-commit":       HintUpstreamCommit,
	"upstream-commit":  HintUpstreamCommit,
	"git-repo":         HintGitRepo,
	"references":       HintReferences,
	"upstream-status":  HintUpstreamStatus,
	"upstream status":  HintUpstreamStatus,
	"cve":              HintCVE,
	"fixes":            HintFixes,
	"link":             HintLink,
	"jira":             HintJIRA,
	"conflicts":        HintConflicts,
}

// ExtractHints returns the provenance hints in text (a patch header, a
// spec comment block ...), numbering lines from firstLine.
func ExtractHints(text string, firstLine int) []Hint {
	return extractHints(strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), firstLine)
}

func extractHints(lines []string, firstLine int) []Hint {
	var hs []Hint
	seen := map[Hint]bool{}
	for k, line := range lines {
		ln := firstLine + k
		add := func(kind HintKind, value, field string) {
			value = strings.TrimSpace(value)
			if value == "" {
				return
			}
			h := Hint{Kind: kind, Value: value, Line: ln, Field: field, Text: line}
			if !seen[h] {
				seen[h] = true
				hs = append(hs, h)
			}
		}
		if k == 0 {
			for _, p := range []string{"From ", "commit "} {
				if rest, ok := strings.CutPrefix(line, p); ok {
					if sha, ok := leadingSHA([]byte(rest)); ok {
						add(HintCommit, sha, "")
					}
				}
			}
		}
		var m []string
		if i := strings.IndexByte(line, ':'); i > 0 {
			m = reField.FindStringSubmatch(line)
		}
		if m != nil {
			name, value := m[1], m[2]
			lname := strings.ToLower(name)
			kind, ok := fieldKinds[lname]
			if !ok && strings.HasPrefix(lname, "bug-") {
				kind, ok = HintBugVendor, true
			}
			if ok {
				switch kind {
				case HintUpstreamCommit, HintFixes:
					if sha := reHex.FindString(value); sha != "" {
						add(kind, strings.ToLower(sha), name)
					}
				case HintAuthor, HintSubject:
					add(kind, decodeWords(value), name)
				case HintCVE:
					// Reported below from the text.
				default:
					add(kind, value, name)
				}
				switch kind {
				case HintOrigin, HintAppliedUpstream, HintUpstreamStatus, HintLink, HintForwarded:
					if m := reCommitURL.FindStringSubmatch(value); m != nil {
						add(HintUpstreamCommit, strings.ToLower(m[1]), name)
					} else if kind == HintUpstreamStatus {
						// Upstream-Status: Backport [<sha>]
						if i := strings.IndexByte(value, '['); i >= 0 {
							if m := regexp.MustCompile(`^\[\s*([0-9a-fA-F]{7,40})\s*\]`).FindStringSubmatch(value[i:]); m != nil {
								add(HintUpstreamCommit, strings.ToLower(m[1]), name)
							}
						}
					}
				}
			}
		}
		// Cheap tests first: the regular expressions are slow.
		if hasFold(line, "upstream") {
			if m := reUpstreamA.FindStringSubmatch(line); m != nil {
				add(HintUpstreamCommit, strings.ToLower(m[1]), "")
			}
			if m := reUpstreamB.FindStringSubmatch(line); m != nil {
				add(HintUpstreamCommit, strings.ToLower(m[1]), "")
			}
		}
		if hasFold(line, "commit") || hasFold(line, "backport") {
			if m := reCommitWord.FindStringSubmatch(line); m != nil {
				add(HintUpstreamCommit, strings.ToLower(m[1]), "")
			}
			if k > 0 {
				// A line of its own: "commit <sha>" (the RHEL kernel and
				// source-git convention), "[ commit <sha> ]".
				if m := reCommitLine.FindStringSubmatch(line); m != nil {
					add(HintUpstreamCommit, strings.ToLower(m[1]), "")
				}
			}
		}
		if strings.Contains(line, "PATCH-") {
			if m := reSUSETag.FindString(line); m != "" {
				add(HintUpstreamStatus, m, "")
			}
		}
		if hasFold(line, "cherry") {
			if m := reCherryPick.FindStringSubmatch(line); m != nil {
				add(HintCherryPick, strings.ToLower(m[1]), "")
			}
		}
		if m == nil || fieldKinds[strings.ToLower(m[1])] == "" {
			// Commit URLs in running text (DEP-3 style or a bare link),
			// "commit:<sha>".
			if strings.Contains(line, "://") || hasFold(line, "commit:") {
				if m := reCommitURL.FindStringSubmatch(line); m != nil {
					add(HintUpstreamCommit, strings.ToLower(m[1]), "")
				}
			}
		}
		if hasFold(line, "cve-") {
			for _, c := range reCVE.FindAllString(line, -1) {
				add(HintCVE, strings.ToUpper(c), fieldOf(line, HintCVE))
			}
		}
		if hasFold(line, "bz") {
			for _, m := range reRHBZ.FindAllStringSubmatch(line, -1) {
				n := m[1] + m[2]
				add(HintBug, "rhbz#"+n, "")
			}
		}
		if strings.IndexByte(line, '#') >= 0 {
			for _, m := range reSUSEBug.FindAllStringSubmatch(line, -1) {
				add(HintBug, m[1]+"#"+m[2], "")
			}
		}
		if strings.Contains(line, "RHEL-") {
			for _, m := range reRHEL.FindAllString(line, -1) {
				add(HintBug, m, "")
			}
		}
		if strings.Contains(line, "bugzilla.") {
			for _, m := range reBugzilla.FindAllString(line, -1) {
				add(HintBug, m, "")
			}
		}
	}
	return hs
}

// MentionedCommits returns the commit ids that text names in running
// words ("commit 1a2b3c4", "commits 1a2b3c4 ..."), as hints of kind
// HintCommitMention, numbering lines from firstLine. In a spec comment
// above a Patch line such a mention is a claim about the patch's origin;
// in a commit message it may just as well name an earlier commit, so
// ExtractHints leaves these out.
func MentionedCommits(text string, firstLine int) []Hint {
	var hs []Hint
	for k, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if !hasFold(line, "commit") {
			continue
		}
		for _, m := range reMention.FindAllStringSubmatch(line, -1) {
			hs = append(hs, Hint{Kind: HintCommitMention, Value: strings.ToLower(m[1]), Line: firstLine + k, Text: line})
		}
	}
	return hs
}

// hasFold reports whether s contains the lower-case ASCII word sub in
// any case.
func hasFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// fieldOf returns the field name of line when it is a "CVE:" field.
func fieldOf(line string, k HintKind) string {
	if m := reField.FindStringSubmatch(line); m != nil && fieldKinds[strings.ToLower(m[1])] == k {
		return m[1]
	}
	return ""
}
