package provenance

import (
	"regexp"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// hint is a provenance claim about a target patch: a commit id or an issue.
type hint struct {
	commit string // lower-case hex, 7 to 40 digits
	issue  string // CVE-…, RHEL-…, rhbz#…
	where  string // "header", "spec comment", "From line"
	text   string // the line as written (trimmed, shortened)
}

var (
	reCommitHint = []*regexp.Regexp{
		regexp.MustCompile(`(?i)upstream[- ]commit:?\s*(?:id:?\s*)?([0-9a-f]{7,40})\b`),
		regexp.MustCompile(`(?i)cherry[- ]picked from (?:commit )?([0-9a-f]{7,40})\b`),
		regexp.MustCompile(`(?i)\bcommit ([0-9a-f]{12,40}) upstream\b`),
		regexp.MustCompile(`(?i)\[\s*upstream commit ([0-9a-f]{7,40})\s*\]`),
		regexp.MustCompile(`(?i)\bgit-commit:\s*([0-9a-f]{7,40})\b`),
		regexp.MustCompile(`(?i)\bbackport(?:ed)? (?:of|from) (?:upstream )?(?:commit )?([0-9a-f]{7,40})\b`),
		regexp.MustCompile(`(?i)/commit/([0-9a-f]{7,40})\b`),
		regexp.MustCompile(`(?i)\bcommit:([0-9a-f]{7,40})\b`),
	}
	// In spec comments a bare "commit SHA" is a claim too.
	reSpecCommit = regexp.MustCompile(`(?i)\bcommits?\s+([0-9a-f]{7,40})\b`)
	reCVE        = regexp.MustCompile(`\bCVE-\d{4}-\d{4,7}\b`)
	reJira       = regexp.MustCompile(`\bRHEL-\d{1,7}\b`)
)

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// extractHints finds the provenance claims of a target patch file: in its
// headers (patchset hints and the patterns above) and in the spec comment
// above its declaration.
func extractHints(pf *patchFile) []hint {
	var out []hint
	seen := map[string]bool{}
	add := func(h hint) {
		k := h.commit + "|" + h.issue
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, h)
	}
	scan := func(text, where string, spec bool) {
		for _, line := range strings.Split(text, "\n") {
			for _, re := range reCommitHint {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					add(hint{commit: strings.ToLower(m[1]), where: where, text: shorten(line, 120)})
				}
			}
			if spec {
				for _, m := range reSpecCommit.FindAllStringSubmatch(line, -1) {
					add(hint{commit: strings.ToLower(m[1]), where: where, text: shorten(line, 120)})
				}
			}
			for _, m := range reCVE.FindAllString(line, -1) {
				add(hint{issue: strings.ToUpper(m), where: where, text: shorten(line, 120)})
			}
			for _, m := range reJira.FindAllString(line, -1) {
				add(hint{issue: m, where: where, text: shorten(line, 120)})
			}
		}
	}
	for _, p := range pf.parts {
		for _, h := range p.Header.Hints {
			v := strings.TrimSpace(h.Value)
			const where = "header"
			switch h.Kind {
			case patchset.HintUpstreamCommit, patchset.HintCherryPick:
				if isHex(v) && len(v) >= 7 && len(v) <= 40 {
					add(hint{commit: strings.ToLower(v), where: where, text: shorten(h.Text, 120)})
				}
			case patchset.HintCVE, patchset.HintJIRA, patchset.HintBug:
				if m := reCVE.FindString(v); m != "" {
					add(hint{issue: strings.ToUpper(m), where: where, text: shorten(h.Text, 120)})
				} else if h.Kind != patchset.HintBug || !strings.Contains(v, "/") {
					add(hint{issue: v, where: where, text: shorten(h.Text, 120)})
				}
			}
			// HintCommit (the From line) is often a downstream rebase: it
			// becomes a citation only when content confirms it (see
			// headerCommits).
		}
		scan(p.Header.Subject, "header", false)
		scan(p.Header.Message, "header", false)
	}
	scan(pf.comment, "spec comment", true)
	scan(pf.name, "file name", false)
	return out
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// headerCommits returns the commit ids named by the From/commit lines of
// the patch's parts: often a downstream rebase, sometimes upstream's.
func headerCommits(parts []*patchset.Patch) []string {
	var out []string
	for _, p := range parts {
		if id := strings.ToLower(p.Header.CommitID); len(id) == 40 && isHex(id) && strings.Trim(id, "0") != "" {
			out = append(out, id)
		}
	}
	return out
}
