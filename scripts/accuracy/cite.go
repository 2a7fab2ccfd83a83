package main

import (
	"regexp"
	"sort"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// cite is one citation of an upstream commit, as the original packaging
// writes it.
type cite struct {
	ID   string // as written (full or abbreviated hex, or a range "A~1..B"), lower case
	How  string // "Upstream:", "cherry-pick", "From", "commit line", "upstream commit", "URL", "spec comment"
	Line string // the line, trimmed
}

var (
	// reHex finds the hex tokens that may name a commit.
	reHex = regexp.MustCompile(`\b[0-9a-fA-F]{7,40}\b`)
	// reNotSource marks lines that name a commit which is not where the
	// patch came from (the commit it fixes, reverts or relates to).
	reNotSource = regexp.MustCompile(`(?i)^\s*(?:fixes|fixup|reverts?|this reverts|related|relates|see also|refs?|follow-up for)\b`)
	reUpstream  = regexp.MustCompile(`(?i)^\s*upstream(?:[- ]?(?:commit|patch|status))?(?:\s+id)?\s*:`)
	reFromLine  = regexp.MustCompile(`^From ([0-9a-f]{40}) [A-Z][a-z]{2} [A-Z][a-z]{2} `)
	// reLogHeader is the line after "commit <sha>" in git log output.
	reLogHeader = regexp.MustCompile(`^(?:Author|Merge|Commit):`)
	reCommitLn  = regexp.MustCompile(`^commit ([0-9a-f]{40})(?:\s*$|\s+\()`)
	citeForms   = []struct {
		how string
		re  *regexp.Regexp
	}{
		{"cherry-pick", regexp.MustCompile(`(?i)cherry[- ]picked[- ]from:?\s*(?:commit:?\s*)?([0-9a-f]{7,40})\b`)},
		{"upstream commit", regexp.MustCompile(`(?i)\bcommit ([0-9a-f]{7,40}) upstream\b`)},
		{"upstream commit", regexp.MustCompile(`(?i)\bupstream commit:?\s+([0-9a-f]{7,40})\b`)},
		{"upstream commit", regexp.MustCompile(`(?i)\bbackport(?:ed)? (?:of|from) (?:upstream )?(?:commit )?([0-9a-f]{7,40})\b`)},
		{"upstream commit", regexp.MustCompile(`(?i)\bgit-commit:\s*([0-9a-f]{7,40})\b`)},
		{"URL", regexp.MustCompile(`(?i)(?:/commits?/|/-/commit/|[?;&](?:h|id|commit)=)([0-9a-f]{7,40})\b`)},
	}
	// reCommitRange is a range of commits ("A~1..B", "A..B"), which cites
	// every commit of it.
	reCommitRange = regexp.MustCompile(`\b([0-9a-f]{7,40}(?:~\d*|\^)?)\.\.([0-9a-f]{7,40})\b`)
	// reSpecCommit is the bare "commit SHA" a spec comment may write.
	reSpecCommit = regexp.MustCompile(`(?i)\bcommits?:?\s+([0-9a-f]{7,40})\b`)
	reZeroFrom   = regexp.MustCompile(`^From [0-9a-f]{40} `)
)

// citesOf returns the citations one line makes. spec is set for spec
// comment lines, where a bare "commit SHA" counts too.
func citesOf(line string, spec bool) []cite {
	t := strings.TrimSpace(line)
	if spec {
		t = strings.TrimSpace(strings.TrimLeft(t, "#"))
	}
	if t == "" || reNotSource.MatchString(t) {
		return nil
	}
	var out []cite
	add := func(id, how string) {
		for _, c := range out {
			if c.ID == strings.ToLower(id) {
				return
			}
		}
		out = append(out, cite{ID: strings.ToLower(id), How: how, Line: shorten(t, 160)})
	}
	if m := reFromLine.FindStringSubmatch(line); m != nil {
		add(m[1], "From")
		return out
	}
	if m := reCommitLn.FindStringSubmatch(line); m != nil {
		add(m[1], "commit line")
		return out
	}
	upstreamLine := reUpstream.MatchString(t)
	if upstreamLine || spec {
		for _, m := range reCommitRange.FindAllStringSubmatch(t, -1) {
			add(m[1]+".."+m[2], "range")
		}
	}
	if upstreamLine {
		for _, id := range reHex.FindAllString(t, -1) {
			add(id, "Upstream:")
		}
		return out
	}
	for _, f := range citeForms {
		for _, m := range f.re.FindAllStringSubmatch(t, -1) {
			add(m[1], f.how)
		}
	}
	if spec {
		for _, m := range reSpecCommit.FindAllStringSubmatchIndex(t, -1) {
			if rest := t[m[3]:]; strings.HasPrefix(rest, "..") || strings.HasPrefix(rest, "~") || strings.HasPrefix(rest, "^") {
				continue // the start of a range
			}
			add(t[m[2]:m[3]], "spec comment")
		}
	}
	return out
}

// textLines returns the line numbers (1-based) of a patch file that lie
// outside its diffs: the mail or commit headers and messages. Everything
// from the first file section of a patch up to the start of the next
// patch of the mbox is diff (trailers included), never edited.
func textLines(data []byte) (text map[int]bool, n int) {
	n = strings.Count(string(data), "\n")
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	text = map[int]bool{}
	for i := 1; i <= n; i++ {
		text[i] = true
	}
	ps, err := patchset.ParseBytes("patch", data)
	if err != nil {
		// Unparsable: only the lines before the first diff-looking line
		// are text.
		for i, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "diff ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "@@ ") {
				for j := i + 1; j <= n; j++ {
					delete(text, j)
				}
				break
			}
		}
		return text, n
	}
	for i, p := range ps {
		if len(p.Files) == 0 {
			continue
		}
		end := n
		if i+1 < len(ps) {
			end = ps[i+1].Line - 1
		}
		for j := p.Files[0].Line; j <= end; j++ {
			delete(text, j)
		}
	}
	return text, n
}

// hexTokens returns the distinct hex tokens of the given lines.
func hexTokens(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		for _, t := range reHex.FindAllString(l, -1) {
			t = strings.ToLower(t)
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// patchCites returns the citations in the text lines of a patch file and
// the hex tokens of those lines (candidates for stripping).
func patchCites(data []byte) (cites []cite, tokens []string) {
	text, _ := textLines(data)
	var lines []string
	all := strings.Split(string(data), "\n")
	for i, l := range all {
		if !text[i+1] {
			continue
		}
		lines = append(lines, l)
		if reCommitLn.MatchString(l) && (i+1 == len(all) || !reLogHeader.MatchString(all[i+1])) {
			continue // "commit <sha>" wrapped into a message, not a git log header
		}
		cites = append(cites, citesOf(l, false)...)
	}
	return cites, hexTokens(lines)
}

// isSpecComment reports whether a spec line is a comment.
func isSpecComment(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }

// specCommentTokens returns the hex tokens of a spec's comment lines.
func specCommentTokens(spec []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(spec), "\n") {
		if isSpecComment(l) {
			lines = append(lines, l)
		}
	}
	return hexTokens(lines)
}

// citesLine reports whether a line names an upstream commit: a citation
// form, or a hex token that resolves to a commit of the upstream.
func citesLine(l string, spec bool, resolved map[string]string) bool {
	if len(citesOf(l, spec)) > 0 {
		return true
	}
	for _, t := range reHex.FindAllString(l, -1) {
		if _, ok := resolved[strings.ToLower(t)]; ok {
			return true
		}
	}
	return false
}

// stripPatch removes every text line that names an upstream commit and
// zeroes the ids of mbox From lines, leaving the diffs byte for byte.
func stripPatch(data []byte, resolved map[string]string) []byte {
	text, _ := textLines(data)
	lines := strings.SplitAfter(string(data), "\n")
	var b strings.Builder
	for i, l := range lines {
		if !text[i+1] {
			b.WriteString(l)
			continue
		}
		if reZeroFrom.MatchString(l) {
			b.WriteString("From " + strings.Repeat("0", 40) + l[45:])
			continue
		}
		if citesLine(strings.TrimRight(l, "\r\n"), false, resolved) {
			continue
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}

// stripSpec removes every comment line of a spec that names an upstream
// commit.
func stripSpec(data []byte, resolved map[string]string) []byte {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if isSpecComment(l) && citesLine(strings.TrimRight(l, "\r\n"), true, resolved) {
			continue
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
