package specfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AddChangelogEntry puts entry at the top of %changelog, with a header in
// the style of the existing top entry: day padding ("Jan 08", "Jan  8" or
// "Jan 8"), a time of day when the top entry has one, the separator
// before the EVR ("- " or none), a blank line between entries when the
// spec has them. entry's Date, Author and Text are required; Email and
// EVR may be empty; the date may not be older than the top entry's (rpm
// wants descending order). A '%' in the entry is written as "%%" so that
// rpm does not expand it. A spec whose %changelog is %autochangelog is
// refused (ErrAutochangelog); a spec without %changelog gets one at its
// end.
func (e *Editor) AddChangelogEntry(entry ChangelogEntry) error {
	if entry.Date.IsZero() || strings.TrimSpace(entry.Author) == "" || strings.TrimSpace(entry.Text) == "" {
		return fmt.Errorf("%w: a changelog entry needs a date, an author and a text", ErrEdit)
	}
	for _, f := range []string{entry.Author, entry.Email, entry.EVR} {
		if strings.ContainsAny(f, "\r\n<>") {
			return fmt.Errorf("%w: bad changelog header field %q", ErrEdit, f)
		}
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	var body []string
	for _, l := range strings.Split(strings.TrimRight(entry.Text, "\n"), "\n") {
		l = strings.TrimRight(l, "\r")
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(l, "*") || strings.HasPrefix(t, "#") {
			return fmt.Errorf("%w: changelog text line %q would be read as a header or a comment", ErrEdit, l)
		}
		body = append(body, esc(l))
	}

	secs := e.sectionRanges("changelog")
	var hdrLine, bodyFrom, bodyTo int
	if len(secs) > 0 {
		r := secs[len(secs)-1]
		hdrLine, bodyFrom, bodyTo = r[0], r[0]+1, r[1]
	}
	// Style from existing headers.
	pad, timeForm, sep, blankBetween := "02", false, " - ", false
	var hdrs []int
	if hdrLine > 0 {
		for n := bodyFrom; n <= bodyTo; n++ {
			t := e.text(n)
			if isAutochangelog(t) {
				return fmt.Errorf("%w (line %d)", ErrAutochangelog, n)
			}
			if strings.HasPrefix(t, "*") {
				hdrs = append(hdrs, n)
			}
		}
	}
	if len(hdrs) > 0 {
		top := e.text(hdrs[0])
		_, f := tokens(top[1:])
		if len(f) >= 4 && clTimeOfDay.MatchString(f[3]) {
			timeForm = true
		}
		if m := reGT.FindStringSubmatch(top); m != nil && (strings.Contains(m[1], "-") || m[1] != "" && m[2] != "") {
			sep = m[1]
		}
		for _, h := range hdrs {
			if p := dayPadding(e.text(h)); p != "" {
				pad = p
				break
			}
		}
		if len(hdrs) > 1 && isBlank(e.text(hdrs[1]-1)) {
			blankBetween = true
		}
	}
	d := entry.Date.UTC()
	day := strconv.Itoa(d.Day())
	switch {
	case pad == "02" && d.Day() < 10:
		day = "0" + day
	case pad == " 2" && d.Day() < 10:
		day = " " + day
	}
	var h strings.Builder
	h.WriteString("* " + d.Format("Mon Jan") + " " + day + " ")
	if timeForm {
		h.WriteString(d.Format("15:04:05") + " UTC ")
	}
	h.WriteString(d.Format("2006") + " " + esc(strings.TrimSpace(entry.Author)))
	if entry.Email != "" {
		h.WriteString(" <" + esc(entry.Email) + ">")
	}
	if entry.EVR != "" {
		h.WriteString(sep + esc(entry.EVR))
	}
	block := append([]string{h.String()}, body...)
	var edits []edit
	if hdrLine == 0 {
		block = append([]string{"", "%changelog"}, block...)
		edits = append(edits, edit{from: len(e.lines) + 1, to: len(e.lines), repl: block})
	} else {
		at := bodyFrom
		if len(hdrs) > 0 {
			at = hdrs[0]
			// Keep comment lines and blanks between %changelog and the
			// first entry where they are.
			if blankBetween {
				block = append(block, "")
			}
		}
		edits = append(edits, edit{from: at, to: at - 1, repl: block})
	}
	return e.apply(edits, func(ns *Spec) error {
		es, err := ns.Changelog()
		if len(es) == 0 {
			return fmt.Errorf("%w: after the edit, %%changelog has no entries (%v)", ErrEdit, err)
		}
		top := es[0]
		want := entry.Date.UTC()
		if !timeForm {
			want = time.Date(want.Year(), want.Month(), want.Day(), 12, 0, 0, 0, time.UTC)
		} else {
			want = want.Truncate(time.Second)
		}
		if !top.Date.Equal(want) || top.Author != strings.TrimSpace(esc(entry.Author)) {
			return fmt.Errorf("%w: after the edit, the top changelog entry reads %v %q", ErrEdit, top.Date, top.Author)
		}
		if len(es) > 1 && es[1].Date.After(top.Date) {
			return fmt.Errorf("%w: the new entry (%s) is older than the top one (%s, line %d): rpm wants %%changelog in descending order",
				ErrEdit, top.Date.Format("Mon Jan 2 2006"), es[1].Date.Format("Mon Jan 2 2006"), es[1].Line)
		}
		return nil
	})
}

var reGT = regexp.MustCompile(`>([ \t]*-?[ \t]*)(\S?)`)

// dayPadding tells how header line h writes a day below 10: "02" (zero
// padded), " 2" (space padded) or "2"; "" when its day is 10 or more or
// it is not a header.
func dayPadding(h string) string {
	if !strings.HasPrefix(h, "*") {
		return ""
	}
	s := h[1:]
	_, f := tokens(s)
	if len(f) < 3 {
		return ""
	}
	if _, ok := clMonths[strings.ToLower(f[1])]; !ok {
		return ""
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n >= 10 {
		return ""
	}
	if len(f[2]) == 2 {
		return "02"
	}
	i := strings.Index(s, f[1]) + len(f[1])
	if strings.HasPrefix(s[i:], "  ") {
		return " 2"
	}
	return "2"
}

// Changelog parses the spec's %changelog section (the last one, when rpm
// reads several) with ParseChangelog. A spec without %changelog, or with
// %autochangelog, has no entries.
func (s *Spec) Changelog() ([]ChangelogEntry, error) {
	var sec *Section
	for i := range s.Sections {
		if s.Sections[i].Name == "changelog" && (s.Sections[i].File == "" || s.Sections[i].File == s.File) {
			sec = &s.Sections[i]
		}
	}
	if sec == nil {
		return nil, nil
	}
	lines := splitLinesKeep(s.Bytes())
	end := sec.EndLine
	if end == 0 || end > len(lines) {
		end = len(lines)
	}
	if sec.Line >= end {
		return nil, nil
	}
	return ParseChangelog(s.File, strings.Join(lines[sec.Line:end], ""), sec.Line+1)
}
