package patchset

// HintKind names what a Hint claims.
type HintKind string

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

func extractHints(lines []string, firstLine int) []Hint { return nil }
