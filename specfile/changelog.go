package specfile

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/input"
)

// ChangelogEntry is one entry of a %changelog section: a header line
// "* Dow Mon DD YYYY Name <mail> - [E:]V-R" and the text below it.
type ChangelogEntry struct {
	// Date is the entry's date in UTC. As rpm does, a date without a time
	// of day is noon UTC, and a time of day ("Thu Jul 13 10:11:12 CET
	// 2023") is read in the zone its word names when the tz database has
	// such a zone (CET, EST, UTC), else as UTC (CEST, CDT), with a
	// warning. It is the zero time when the header's date could not be
	// read (an error is reported for that entry).
	Date time.Time
	// Author is the name in the header, without the e-mail address
	// ("Jane Doe"). When the header has no <mail>, it is everything
	// between the date and the EVR.
	Author string
	// Email is the address between < and >, without the brackets; "" when
	// the header has none.
	Email string
	// EVR is the version written after the address, with a leading "-"
	// removed ("1:2.3-4.el9"); "" when the header names none.
	EVR string
	// Text is the entry's body: its lines joined by "\n", as written,
	// without comment lines (rpm drops lines whose first non-blank byte is
	// '#') and without trailing blank lines.
	Text string
	// Line is the 1-based line of the header in the file the text came
	// from.
	Line int
	// Refs are the references the header and text cite (CVE ids, Jira
	// issues, bugzilla ids, Oracle bugs), in order of first appearance,
	// without duplicates.
	Refs []ChangelogRef
	// Warnings are problems rpm warns about or tolerates but that a reader
	// may want to know: a weekday that does not match the date ("bogus
	// date"), a header without an EVR or an e-mail address.
	Warnings []string
}

// Kinds of ChangelogRef.
const (
	// RefCVE is a CVE id, "CVE-2023-2650" (upper case).
	RefCVE = "cve"
	// RefJira is a Jira issue key, "RHEL-1492": bare RHEL-N keys, keys
	// after Resolves:/Related:/JIRA:, and issues.redhat.com/browse/ URLs.
	RefJira = "jira"
	// RefBugzilla is a bug stated to be a bugzilla bug: "rhbz#123",
	// "bz#123", "RHBZ #123", or a show_bug.cgi?id= URL. ID is the number.
	RefBugzilla = "bugzilla"
	// RefBugzillaImplied is a bare "#123" (or a bare number in a
	// Resolves:/Related: list) read as a Red Hat bugzilla id because its
	// context is Red Hat-ish: it follows Resolves:, Related:, "bug" or
	// "bz"; the entry's author writes from redhat.com, fedoraproject.org
	// or centos.org; or the number has 6 digits or more (bugzilla ids
	// have been that long since 2003). Callers who want to be strict can
	// tell it apart from RefBugzilla.
	RefBugzillaImplied = "bugzilla-implied"
	// RefIssue is a bare "#123" outside such a context: an issue or pull
	// request number of an unknown tracker (often the upstream project's).
	RefIssue = "issue"
	// RefOrabug is an Oracle bug, "[Orabug: 32013095]". ID is the number.
	RefOrabug = "orabug"
)

// ChangelogRef is a reference cited by a changelog entry.
type ChangelogRef struct {
	// Kind is one of RefCVE, RefJira, RefBugzilla, RefBugzillaImplied,
	// RefIssue, RefOrabug.
	Kind string
	// ID is the reference itself: "CVE-2023-2650", "RHEL-1492", "2170883".
	ID string
	// Relation is "Resolves" or "Related" when the reference follows such
	// a prefix on the same line, else "".
	Relation string
}

// String returns the reference as it is usually written: "rhbz#123",
// "RHEL-1492", "CVE-2023-2650", "Orabug: 1", "#12".
func (r ChangelogRef) String() string {
	switch r.Kind {
	case RefBugzilla, RefBugzillaImplied:
		return "rhbz#" + r.ID
	case RefOrabug:
		return "Orabug: " + r.ID
	case RefIssue:
		return "#" + r.ID
	}
	return r.ID
}

// ErrChangelog is the cause (see errors.Is) of every error ParseChangelog
// reports: a header rpm would reject (a bad date, no name) and text before
// the first header.
var ErrChangelog = errors.New("bad %changelog")

const maxChangelogErrors = 100

// ParseChangelog parses the body of a %changelog section (the lines after
// the "%changelog" line). name is used in errors; firstLine is the 1-based
// line number of text's first line in that file.
//
// Every header line (a line starting with '*', as for rpm) starts an
// entry, even one whose date cannot be read: the returned entries are
// complete even when the error is not nil. The one exception is rpm's: a
// '*' line that follows a header line with nothing but blank or comment
// lines between is that entry's text, unless it is a valid header itself
// (then it starts an entry, with a warning: rpm folds it into the entry
// above).
//
// The error joins an *input.Error (file:line, wrapping ErrChangelog) for each
// problem rpm rejects (at most 100): a bad date, a header without a name,
// text before the first header. Problems rpm warns about or that newer
// rpm versions tolerate are in each entry's Warnings: a weekday that does
// not match the date, an entry without description, dates not in
// descending order. A section holding only %autochangelog has no entries.
func ParseChangelog(name, text string, firstLine int) ([]ChangelogEntry, error) {
	if firstLine < 1 {
		firstLine = 1
	}
	var (
		entries []ChangelogEntry
		errs    []error
		body    []string
		cur     *ChangelogEntry
		// prevHeader: the previous line was a header line.
		prevHeader bool
		zones      = map[string]*time.Location{}
	)
	fail := func(line int, format string, args ...any) {
		if len(errs) < maxChangelogErrors {
			errs = append(errs, &input.Error{Pos: input.Position{File: name, Line: line}, Err: fmt.Errorf("%w: "+format, append([]any{ErrChangelog}, args...)...)})
		}
	}
	flush := func() {
		if cur == nil {
			return
		}
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		for len(body) > 0 && strings.TrimSpace(body[0]) == "" {
			body = body[1:]
		}
		cur.Text = strings.Join(body, "\n")
		if cur.Text == "" {
			cur.Warnings = append(cur.Warnings, "no description")
		}
		cur.Refs = clFindRefs(cur)
		entries = append(entries, *cur)
		cur, body = nil, nil
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, raw := range lines {
		ln := firstLine + i
		line := strings.TrimSuffix(raw, "\r")
		if strings.HasPrefix(line, "*") {
			e, err := parseChangelogHeader(line, zones)
			if cur != nil && prevHeader {
				// rpm (through 4.18 at least) skips the blanks after a
				// header line and never looks at the first byte of the
				// text, so a '*' line that follows a header with only
				// blank or comment lines between is that entry's text.
				// Keep it as text unless it is a valid header, which is
				// what its author meant.
				if err != "" {
					body = append(body, line)
					prevHeader = false
					continue
				}
				e.Warnings = append(e.Warnings, fmt.Sprintf("header with no text between it and the header of line %d: rpm reads it as that entry's text", cur.Line))
			}
			flush()
			e.Line = ln
			if err != "" {
				fail(ln, "%s: %q", err, clTruncate(line, 120))
			}
			cur = &e
			prevHeader = true
			continue
		}
		trim := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(trim, "#") {
			continue // rpm drops comment lines here too
		}
		if strings.TrimSpace(trim) != "" {
			prevHeader = false
		}
		if cur == nil && isAutochangelog(trim) {
			continue // rpmautospec generates the entries
		}
		if cur == nil {
			if trim != "" {
				fail(ln, "entries must start with *: %q", clTruncate(line, 120))
			}
			continue
		}
		body = append(body, line)
	}
	flush()
	// rpm 4.18 stops with "%changelog not in descending chronological
	// order"; later versions build such specs, so it is a warning here.
	for i := 1; i < len(entries); i++ {
		prev, e := entries[i-1].Date, entries[i].Date
		if !prev.IsZero() && !e.IsZero() && e.After(prev) {
			entries[i].Warnings = append(entries[i].Warnings, fmt.Sprintf(
				"not in descending chronological order: %s is after %s (line %d)",
				e.Format("Mon Jan 2 2006"), prev.Format("Mon Jan 2 2006"), entries[i-1].Line))
		}
	}
	return entries, errors.Join(errs...)
}

func clTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// clProductName reports whether key, ending at offset end of line, names a
// release rather than an issue: a small number ("RHEL-9": Jira issue keys
// cited in changelogs are far larger) or one followed by ".digit"
// ("RHEL-8.6").
func clProductName(line, key string, end int) bool {
	if end+1 < len(line) && line[end] == '.' && line[end+1] >= '0' && line[end+1] <= '9' {
		return true
	}
	n, err := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
	return err == nil && n <= 20
}

var (
	clWeekdays = map[string]time.Weekday{
		"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
		"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	}
	clMonths = map[string]time.Month{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
		"january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
		"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	}
	clTimeOfDay = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2}):([0-9]{2})$`)
)

// fields splits s on blanks and returns each field with its end offset.
func clFields(s string, max int) (fs []string, ends []int) {
	i := 0
	for len(fs) < max {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		fs = append(fs, s[i:j])
		ends = append(ends, j)
		i = j
	}
	return fs, ends
}

// parseChangelogHeader reads a "* date name <mail> - evr" line. It returns
// a non-empty message when rpm would reject the header.
func parseChangelogHeader(line string, zones map[string]*time.Location) (ChangelogEntry, string) {
	var e ChangelogEntry
	s := line[1:]
	fs, ends := clFields(s, 6)
	bad := func() (ChangelogEntry, string) {
		e.Author = strings.TrimSpace(s)
		return e, "bad date"
	}
	if len(fs) < 4 {
		return bad()
	}
	wd, ok := clWeekdays[strings.ToLower(fs[0])]
	if !ok {
		return bad()
	}
	mon, ok := clMonths[strings.ToLower(fs[1])]
	if !ok {
		return bad()
	}
	day, err := strconv.Atoi(fs[2])
	if err != nil || day < 1 || day > 31 || len(fs[2]) > 2 {
		return bad()
	}
	hour, min, sec := 12, 0, 0
	yi := 3
	if m := clTimeOfDay.FindStringSubmatch(fs[3]); m != nil {
		if len(fs) < 6 {
			return bad()
		}
		hour, _ = strconv.Atoi(m[1])
		min, _ = strconv.Atoi(m[2])
		sec, _ = strconv.Atoi(m[3])
		if hour > 23 || min > 59 || sec > 60 {
			return bad()
		}
		yi = 5 // fs[4] is the zone
	}
	if len(fs[yi]) != 4 {
		return bad()
	}
	year, err := strconv.Atoi(fs[yi])
	if err != nil || year < 1970 {
		return bad()
	}
	d := time.Date(year, mon, day, hour, min, sec, 0, time.UTC)
	if d.Day() != day { // Feb 30 and the like
		return bad()
	}
	if yi == 5 {
		// rpm sets TZ to the zone word: a zone the tz database knows
		// (CET, EST, Europe/Prague) shifts the time, any other (CEST,
		// CDT) leaves it as UTC.
		loc, seen := zones[fs[4]]
		if !seen {
			loc = clZone(fs[4])
			zones[fs[4]] = loc // one tz database look-up per zone word
		}
		if loc != nil {
			d = time.Date(year, mon, day, hour, min, sec, 0, loc).UTC()
		} else if z := strings.ToUpper(fs[4]); z != "UTC" && z != "GMT" && z != "Z" {
			e.Warnings = append(e.Warnings, fmt.Sprintf("time zone %q unknown to the tz database: read as UTC, as rpm does", fs[4]))
		}
	}
	e.Date = d
	if d.Weekday() != wd {
		e.Warnings = append(e.Warnings, fmt.Sprintf("bogus date: %s %d %d is a %s, not %s",
			mon.String()[:3], day, year, d.Weekday(), fs[0]))
	}
	rest := strings.TrimSpace(s[ends[yi]:])
	clParseWho(&e, rest)
	if e.Author == "" && e.Email == "" {
		return e, "missing name"
	}
	if e.Email == "" {
		e.Warnings = append(e.Warnings, "no e-mail address in header")
	}
	if e.EVR == "" {
		e.Warnings = append(e.Warnings, "no version-release in header")
	}
	return e, ""
}

// clZone returns the tz database zone named by a changelog header's zone
// word, nil when there is none (or it is UTC).
func clZone(name string) *time.Location {
	if name == "" || len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r)) {
			return nil
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil || loc == time.UTC {
		return nil
	}
	return loc
}

// clParseWho splits "Name <mail> - EVR" (and its variants) into e.
func clParseWho(e *ChangelogEntry, rest string) {
	if lt := strings.IndexByte(rest, '<'); lt >= 0 {
		if gt := strings.IndexByte(rest[lt:], '>'); gt >= 0 {
			gt += lt
			e.Author = strings.TrimSpace(rest[:lt])
			e.Email = strings.TrimSpace(rest[lt+1 : gt])
			e.EVR = clCleanEVR(rest[gt+1:])
			e.Author = strings.TrimSpace(strings.TrimSuffix(e.Author, "-"))
			return
		}
	}
	// No <mail>: "Name - EVR", "Name mail@host - EVR", "Name - ", "Name".
	who, evr := rest, ""
	if i := strings.LastIndex(rest, " - "); i >= 0 {
		who, evr = rest[:i], rest[i+3:]
	} else if strings.HasSuffix(rest, " -") {
		who = rest[:len(rest)-2]
	}
	who = strings.TrimSpace(who)
	if f := strings.Fields(who); len(f) > 0 && strings.Contains(f[len(f)-1], "@") {
		e.Email = strings.Trim(f[len(f)-1], "()[]")
		who = strings.TrimSpace(strings.Join(f[:len(f)-1], " "))
	}
	e.Author = who
	e.EVR = clCleanEVR(evr)
}

func clCleanEVR(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "-")
	return strings.TrimSpace(s)
}

var (
	reBugzillaURL = regexp.MustCompile(`(?i)https?://bugzilla\.[A-Za-z0-9.-]+/(?:show_bug\.cgi\?id=|)([0-9]+)`)
	reJiraURL     = regexp.MustCompile(`https?://[A-Za-z0-9.-]+/browse/([A-Z][A-Z0-9_]+-[0-9]+)`)
	reURL         = regexp.MustCompile(`https?://[^\s)>\]]+`)
	reCVE         = regexp.MustCompile(`(?i)\bCVE-([0-9]{4})-([0-9]{4,})\b`)
	reOrabug      = regexp.MustCompile(`(?i)\bOrabug\s*[:#]?\s*([0-9]+(?:\s*,\s*[0-9]+)*)`)
	reRHBZ        = regexp.MustCompile(`(?i)\b(?:rhbz|rbhz|bz|bugzilla|rh\s*bug)\s*[:#]?\s*#?\s*([0-9]{3,})\b`)
	reAnyKey      = regexp.MustCompile(`^#?([A-Z][A-Z0-9_]+-[0-9]+)\b`)
	reBugWord     = regexp.MustCompile(`(?i)\b(?:bug|bz|rhbz|bugs)\s*$`)
	reRelation    = regexp.MustCompile(`(?i)\b(resolves|related|relates|fixes|jira)\s*:`)
	reBareNum     = regexp.MustCompile(`^([0-9]{4,})\b`)
)

// clJiraProjects are the Red Hat Jira projects whose keys are recognised
// without a Resolves:/Related:/JIRA: prefix or URL.
var clJiraProjects = []string{"RHEL", "RHELPLAN", "RHELMISC", "RHELBU", "OPENJDK", "FDP", "ACM", "OSPRH", "RHOSP"}

func isWordByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// digitsEnd returns the end of the run of digits at s[i:], and whether it
// is a whole word (not followed by a letter, digit or '_'); i itself when
// there is no digit.
func digitsEnd(s string, i int) (int, bool) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return j, j > i && (j == len(s) || !isWordByte(s[j]))
}

// clJiraKeys finds bare keys of clJiraProjects ("RHEL-1234", "#RHEL-12")
// not inside another word or path. Each match is {start, end, key start,
// key end}.
func clJiraKeys(s string) [][]int {
	var out [][]int
	for _, p := range clJiraProjects {
		for from := 0; ; {
			i := strings.Index(s[from:], p+"-")
			if i < 0 {
				break
			}
			i += from
			from = i + 1
			start := i
			if start > 0 && s[start-1] == '#' {
				start-- // "#RHEL-1", "jira#RHEL-1"
			} else if start > 0 && (isWordByte(s[start-1]) || s[start-1] == '/' || s[start-1] == '-') {
				continue
			}
			end, ok := digitsEnd(s, i+len(p)+1)
			if !ok {
				continue
			}
			out = append(out, []int{start, end, i, end})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

// clHashNumbers finds "#123" at the start of s or after a blank, (, [, ",",
// ";" or ":". Each match is {'#', end, digits start, end}.
func clHashNumbers(s string) [][]int {
	var out [][]int
	for i := strings.IndexByte(s, '#'); i >= 0; {
		if i == 0 || strings.IndexByte(" \t([,;:", s[i-1]) >= 0 {
			if end, ok := digitsEnd(s, i+1); ok {
				out = append(out, []int{i, end, i + 1, end})
			}
		}
		j := strings.IndexByte(s[i+1:], '#')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return out
}

// clFind returns re's submatch indexes in s when ok (a cheap pre-test
// passed), else nil.
func clFind(ok bool, re *regexp.Regexp, s string) [][]int {
	if !ok {
		return nil
	}
	return re.FindAllStringSubmatchIndex(s, -1)
}

type clRefAt struct {
	ref ChangelogRef
	pos int // byte offset in the scanned text, for ordering
}

// clFindRefs extracts the references of e's header and text.
func clFindRefs(e *ChangelogEntry) []ChangelogRef {
	redHat := false
	if at := strings.LastIndexByte(e.Email, '@'); at >= 0 {
		dom := strings.ToLower(e.Email[at+1:])
		for _, d := range []string{"redhat.com", "fedoraproject.org", "centos.org"} {
			if dom == d || strings.HasSuffix(dom, "."+d) {
				redHat = true
			}
		}
	}
	var out []clRefAt
	off := 0
	texts := append([]string{e.EVR}, strings.Split(e.Text, "\n")...)
	for _, line := range texts {
		out = append(out, clLineRefs(line, off, redHat)...)
		off += len(line) + 1
	}
	// Stable order by position, then dedupe; a bare "#N" is dropped when
	// the entry also names N as a bugzilla bug.
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	explicit := map[string]bool{}
	for _, r := range out {
		if r.ref.Kind == RefBugzilla {
			explicit[r.ref.ID] = true
		}
	}
	var refs []ChangelogRef
	seen := map[[2]string]int{}
	for _, r := range out {
		k := [2]string{r.ref.Kind, r.ref.ID}
		if (r.ref.Kind == RefBugzillaImplied || r.ref.Kind == RefIssue) && explicit[r.ref.ID] {
			continue
		}
		if i, ok := seen[k]; ok {
			if refs[i].Relation == "" {
				refs[i].Relation = r.ref.Relation
			}
			continue
		}
		seen[k] = len(refs)
		refs = append(refs, r.ref)
	}
	return refs
}

// clRelationAt returns the Resolves/Related relation in force at offset p of
// line: the last such keyword before p.
func clRelationAt(rels [][]int, line string, p int) string {
	rel := ""
	for _, m := range rels {
		if m[0] < p {
			switch strings.ToLower(line[m[2]:m[3]]) {
			case "resolves", "fixes":
				rel = "Resolves"
			case "related", "relates":
				rel = "Related"
			default:
				rel = ""
			}
		}
	}
	return rel
}

func clLineRefs(line string, off int, redHat bool) []clRefAt {
	// Every reference holds a digit; cheap substring tests guard the
	// regular expressions below.
	if !strings.ContainsAny(line, "0123456789") {
		return nil
	}
	low := strings.ToLower(line)
	has := func(sub string) bool { return strings.Contains(low, sub) }
	var out []clRefAt
	var rels [][]int
	if strings.IndexByte(line, ':') >= 0 {
		rels = reRelation.FindAllStringSubmatchIndex(line, -1)
	}
	add := func(kind, id string, p int) {
		out = append(out, clRefAt{ChangelogRef{Kind: kind, ID: id, Relation: clRelationAt(rels, line, p)}, off + p})
	}
	// Mask what has been consumed so that later patterns do not see it
	// again (the number inside a bugzilla URL is not a bare "#N").
	mask := []byte(line)
	blank := func(a, b int) {
		for i := a; i < b; i++ {
			mask[i] = ' '
		}
	}
	for _, m := range clFind(has("bugzilla."), reBugzillaURL, line) {
		add(RefBugzilla, line[m[2]:m[3]], m[0])
		blank(m[0], m[1])
	}
	for _, m := range clFind(has("/browse/"), reJiraURL, string(mask)) {
		add(RefJira, line[m[2]:m[3]], m[0])
		blank(m[0], m[1])
	}
	for _, m := range clFind(has("cve-"), reCVE, string(mask)) {
		add(RefCVE, "CVE-"+line[m[2]:m[3]]+"-"+line[m[4]:m[5]], m[0])
		blank(m[0], m[1])
	}
	// Other URLs may hold numbers and keys that are not references here.
	for _, m := range clFind(has("://"), reURL, string(mask)) {
		blank(m[0], m[1])
	}
	for _, m := range clFind(has("orabug"), reOrabug, string(mask)) {
		for _, n := range strings.Split(line[m[2]:m[3]], ",") {
			add(RefOrabug, strings.TrimSpace(n), m[0])
		}
		blank(m[0], m[1])
	}
	for _, m := range clFind(has("bz") || has("bhz") || has("bug"), reRHBZ, string(mask)) {
		add(RefBugzilla, line[m[2]:m[3]], m[0])
		blank(m[0], m[1])
	}
	for _, m := range clJiraKeys(string(mask)) {
		key := line[m[2]:m[3]]
		if clProductName(line, key, m[3]) && clRelationAt(rels, line, m[2]) == "" {
			continue // "RHEL-9", "RHEL-8.6": a release, not an issue
		}
		add(RefJira, key, m[2])
		blank(m[2], m[3])
	}
	// After Resolves:/Related:/JIRA:, a list of keys or bare numbers.
	for _, r := range rels {
		i := r[1]
		for i < len(mask) {
			for i < len(mask) && (mask[i] == ' ' || mask[i] == '\t' || mask[i] == ',') {
				i++
			}
			if i >= len(mask) {
				break
			}
			rest := string(mask[i:])
			if m := reAnyKey.FindStringSubmatchIndex(rest); m != nil && !strings.HasPrefix(rest[m[2]:], "CVE-") {
				add(RefJira, rest[m[2]:m[3]], i+m[2])
				blank(i+m[0], i+m[1])
				i += m[1]
				continue
			}
			if m := reBareNum.FindStringSubmatchIndex(rest); m != nil {
				add(RefBugzillaImplied, rest[m[2]:m[3]], i)
				blank(i+m[0], i+m[1])
				i += m[1]
				continue
			}
			if strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "and ") {
				i++
				continue
			}
			break
		}
	}
	for _, m := range clHashNumbers(string(mask)) {
		id := line[m[2]:m[3]]
		kind := RefIssue
		if redHat || len(id) >= 6 || clRelationAt(rels, line, m[2]) != "" || reBugWord.MatchString(line[:m[2]-1]) {
			kind = RefBugzillaImplied
		}
		add(kind, id, m[2]-1)
	}
	return out
}

// isAutochangelog reports whether line is rpmautospec's %autochangelog
// macro call.
func isAutochangelog(line string) bool {
	switch strings.TrimSpace(line) {
	case "%autochangelog", "%{autochangelog}", "%{?autochangelog}":
		return true
	}
	return false
}
