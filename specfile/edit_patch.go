package specfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PatchOptions tune AddPatch.
type PatchOptions struct {
	// Number, when not nil, is the number to declare the patch with; it
	// must be free. When nil, the next free number is taken: one more
	// than the largest number declared anywhere in the spec (in any
	// %if branch), and at least Min.
	Number *int
	// Min is the smallest number to choose when Number is nil (AlmaLinux
	// numbers its own patches from 1000).
	Min int
	// InsideCondition puts the declaration (and the %patch line) inside
	// the conditional block that holds the last patch declaration (and
	// application). By default they go after that block's %endif, so the
	// new patch is applied whatever the condition.
	InsideCondition bool
	// Strip, when not nil, is the -p level for the %patch line; when nil
	// the level of the neighbouring application is copied (1 when there
	// is none).
	Strip *int
	// ApplyComment are comment lines to put above the added %patch line
	// ("# Applying AlmaLinux Patch"); a leading "# " is added when
	// missing. Unused when no line is added (%autosetup, %autopatch).
	ApplyComment []string
}

var (
	rePatchTag  = regexp.MustCompile(`^([ \t]*)([Pp][Aa][Tt][Cc][Hh])([0-9]*)([ \t]*:[ \t]*)(.*?)[ \t]*$`)
	reSourceTag = regexp.MustCompile(`^([ \t]*)([Ss][Oo][Uu][Rr][Cc][Ee])([0-9]*)([ \t]*:[ \t]*)(.*?)[ \t]*$`)
	reAnyTag    = regexp.MustCompile(`^([ \t]*)([A-Za-z][A-Za-z0-9]*)([ \t]*:[ \t]*)(.*?)[ \t]*$`)
)

// rawTags returns the lines of every tag matched by re (rePatchTag,
// reSourceTag) in the spec's preambles, whatever the conditionals, with
// the number written after the tag name (-1 when none).
func (e *Editor) rawTags(re *regexp.Regexp) (lines, numbers []int) {
	pre := e.sectionRanges("preamble", "package")
	for n := 1; n <= len(e.lines); n++ {
		if len(pre) > 0 && !inRanges(n, pre) {
			continue
		}
		m := re.FindStringSubmatch(e.text(n))
		if m == nil {
			continue
		}
		num := -1
		if m[3] != "" {
			num, _ = strconv.Atoi(m[3])
		}
		lines = append(lines, n)
		numbers = append(numbers, num)
	}
	return lines, numbers
}

// tagLine formats a tag line in the style of template (a raw tag line
// matched by re): same indentation, tag case, number padding and value
// alignment.
func tagLine(re *regexp.Regexp, template, tag string, number int, value string) string {
	m := re.FindStringSubmatch(template)
	if m == nil {
		return fmt.Sprintf("%s%d: %s", tag, number, value)
	}
	num := ""
	if number >= 0 {
		num = strconv.Itoa(number)
		if len(m[3]) > 1 && m[3][0] == '0' && len(num) < len(m[3]) {
			num = strings.Repeat("0", len(m[3])-len(num)) + num
		}
	}
	written := m[2]
	if tag != "" && !strings.EqualFold(written, tag) {
		written = tag
	}
	head := m[1] + written + num
	sep := m[4]
	if strings.ContainsRune(sep, '\t') {
		return head + sep + value
	}
	colon := strings.TrimRight(sep, " ")
	if len(sep)-len(colon) <= 1 {
		return head + sep + value // no alignment: copy the separator
	}
	// Aligned values: keep the value column (one blank at least).
	col := len(m[1]) + len(m[2]) + len(m[3]) + len(sep)
	pad := max(col-len(head)-len(colon), 1)
	return head + colon + strings.Repeat(" ", pad) + value
}

// AddPatch declares patch file (a file name or URL, as Patch tags hold
// them) after the spec's last patch declaration, with comment (the lines
// of a provenance block such as "Upstream: https://…" or "# AlmaLinux Patch";
// "# " is added when missing) directly above it, and makes %prep apply it
// the way the spec applies its other patches:
//
//   - with %autosetup or %autopatch nothing is added when they already
//     apply the new number; else the %autopatch line of the last patch is
//     widened (its -M bound or number list) when that takes in no other
//     declared patch, or an "%autopatch -pN NUM" line is added after it;
//   - %patchN, %patch -P N and %patch N lines are copied from the line
//     that applies the last declared patch, with the new number and the
//     same -p level (or opts.Strip); options tied to one patch (-b, -z,
//     -R, -o) are not copied;
//   - lines such as `%apply_patch -q %{PATCH12}`, `ApplyPatch x.patch` or
//     `patch -p1 < %{PATCH3}` are copied with the number or file name
//     replaced; a loop over %{patches} needs nothing.
//
// With "%autosetup -S git_am" the new file must be a git format-patch
// mbox, as the others: AddPatch does not see file contents.
//
// A spec that declares patches in %patchlist gets the file appended
// there (a tag would renumber the list). Declarative builds (BuildSystem:,
// "%prep -a") only get the declaration.
//
// The edit is kept only when the re-parse shows the patch declared and,
// where the parser can tell, applied in %prep. It returns the number the
// patch was declared with. A number or file already declared is refused.
func (e *Editor) AddPatch(file string, comment []string, opts PatchOptions) (int, error) {
	if file == "" || strings.ContainsAny(file, " \t\r\n") {
		return 0, fmt.Errorf("%w: bad patch file name %q", ErrEdit, file)
	}
	s := e.spec
	for _, p := range s.Patches {
		if p.File == patchBase(file) || p.Value == file {
			return 0, fmt.Errorf("%w: %s is already declared as patch %d (line %d)", ErrEdit, file, p.Number, p.Line)
		}
	}
	tagLines, tagNums := e.rawTags(rePatchTag)
	used := map[int]int{}
	maxNum := -1
	for _, p := range s.Patches {
		if p.Number >= 0 {
			used[p.Number] = p.Line
			maxNum = max(maxNum, p.Number)
		}
	}
	visibleMax := maxNum // the largest number the target sees
	for i, n := range tagNums {
		if n >= 0 {
			if _, ok := used[n]; !ok {
				used[n] = tagLines[i]
			}
			maxNum = max(maxNum, n)
		}
	}
	var num int
	if opts.Number != nil {
		num = *opts.Number
		if num < 0 {
			return 0, fmt.Errorf("%w: negative patch number %d", ErrEdit, num)
		}
		if l, ok := used[num]; ok {
			return 0, fmt.Errorf("%w: patch %d is already declared (line %d): %w", ErrEdit, num, l, ErrDuplicatePatch)
		}
	} else {
		num = max(maxNum+1, opts.Min, 0)
	}

	comments, err := commentLines(comment)
	if err != nil {
		return 0, err
	}

	// The declaration.
	var edits []edit
	var declAfter int
	var declLine string
	var blankBefore bool
	listEnd := e.patchlistEnd()
	switch {
	case listEnd > 0:
		// A %patchlist continues the numbering of the tags before it: a
		// new tag would renumber its entries, so the file goes at its end.
		if num != maxNum+1 {
			return 0, fmt.Errorf("%w: the spec declares patches in %%patchlist, where the next patch is number %d, not %d", ErrEdit, maxNum+1, num)
		}
		declAfter, declLine = listEnd, file
	case len(tagLines) > 0:
		last := tagLines[len(tagLines)-1]
		tmpl := e.text(last)
		numArg := num
		if tagNums[len(tagNums)-1] < 0 && opts.Number == nil && num == visibleMax+1 && e.autoNumbering() {
			numArg = -1 // the neighbours are unnumbered: rpm gives this one num
		}
		declLine = tagLine(rePatchTag, tmpl, "", numArg, file)
		declAfter = e.placeAfter(last, e.sectionStart(last), opts.InsideCondition)
		start := e.commentBlockStart(last)
		blankBefore = start > 1 && isBlank(e.text(start-1)) && len(comments) > 0
	default:
		srcLines, _ := e.rawTags(reSourceTag)
		if len(srcLines) > 0 {
			declAfter = srcLines[len(srcLines)-1]
			tmpl := e.text(declAfter)
			declLine = tagLine(reSourceTag, tmpl, "Patch", num, file)
			if m := reSourceTag.FindStringSubmatch(tmpl); m != nil && m[2] != "Source" {
				declLine = tagLine(reSourceTag, tmpl, casedLike(m[2], "Patch"), num, file)
			}
		} else {
			for _, t := range s.Tags {
				if t.Package == "" && (t.Name == "Release" || t.Name == "Version") && (t.File == "" || t.File == s.File) {
					declAfter = max(declAfter, t.Line)
				}
			}
			if declAfter == 0 {
				return 0, fmt.Errorf("%w: no Patch, Source, Version or Release tag to put the declaration after", ErrEdit)
			}
			declLine = fmt.Sprintf("Patch%d: %s", num, file)
			if m := reAnyTag.FindStringSubmatch(e.text(declAfter)); m != nil {
				declLine = m[1] + fmt.Sprintf("Patch%d", num) + strings.TrimRight(m[3], " \t") + " " + file
				if strings.ContainsRune(m[3], '\t') {
					declLine = m[1] + fmt.Sprintf("Patch%d", num) + m[3] + file
				}
			}
		}
		declAfter = e.placeAfter(declAfter, e.sectionStart(declAfter), opts.InsideCondition)
		blankBefore = true
	}
	var block []string
	if blankBefore {
		block = append(block, "")
	}
	block = append(block, comments...)
	block = append(block, declLine)
	edits = append(edits, edit{from: declAfter + 1, to: declAfter, repl: block})

	// The application: the ways to apply the patch, tried in order until
	// the re-parse shows the patch declared (and applied, when the
	// parser can tell).
	choices, err := e.applyEdits(num, file, opts)
	if err != nil {
		return 0, err
	}
	for _, c := range choices {
		err = e.apply(append(append([]edit(nil), edits...), c.edits...), func(ns *Spec) error {
			found := false
			for _, p := range ns.Patches {
				if p.Number == num && (p.File == patchBase(file) || p.Value == file) {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("%w: after the edit, patch %d (%s) is not declared for target %q", ErrEdit, num, file, e.opts.Target.Name)
			}
			if c.want {
				for _, a := range ns.Plan {
					if a.Number == num && a.Section == "prep" {
						return nil
					}
				}
				return fmt.Errorf("%w: after the edit, patch %d (%s) is declared but %%prep does not apply it", ErrEdit, num, file)
			}
			return nil
		})
		if err == nil {
			return num, nil
		}
	}
	return 0, err
}

// applyChoice is one way of making %prep apply a new patch: edits, and
// whether the re-parse must show the patch applied.
type applyChoice struct {
	edits []edit
	want  bool
}

// patchlistEnd returns the last non-blank line of the spec's (last)
// %patchlist section when it has entries, else 0.
func (e *Editor) patchlistEnd() int {
	end := 0
	for _, r := range e.sectionRanges("patchlist") {
		for n := r[0] + 1; n <= r[1]; n++ {
			if !isBlank(e.text(n)) {
				end = n
			}
		}
	}
	return end
}

// patchBase returns the file name a Patch tag value stands for: the
// value itself, or the last path element of a URL or path ("…/x.patch",
// "https://host/get?id=1#/x.patch").
func patchBase(v string) string {
	if i := strings.LastIndexByte(v, '/'); i >= 0 && i < len(v)-1 {
		return v[i+1:]
	}
	return v
}

// casedLike writes word in the letter case of model ("patch" for
// "source", "PATCH" for "SOURCE", else "Patch").
func casedLike(model, word string) string {
	switch model {
	case strings.ToLower(model):
		return strings.ToLower(word)
	case strings.ToUpper(model):
		return strings.ToUpper(word)
	}
	return word
}

// autoNumbering reports whether the target's rpm numbers unnumbered
// Patch tags (rpm 4.15 and later; "" is 4.18).
func (e *Editor) autoNumbering() bool {
	v := e.spec.Target.RPMVersion
	if v == "" {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 4 || major == 4 && minor >= 15
}
