package specfile

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	reCondIf    = regexp.MustCompile(`^[ \t]*%if(n?arch|n?os)?\b`)
	reCondEndif = regexp.MustCompile(`^[ \t]*%endif\b`)
)

// condStacks returns, for each line (1-based index), the lines of the
// %if directives enclosing it (outermost first), and for each %if line
// the line of its %endif.
func (e *Editor) condStacks() (stacks [][]int, endif map[int]int) {
	stacks = make([][]int, len(e.lines)+2)
	endif = map[int]int{}
	var cur []int
	for n := 1; n <= len(e.lines); n++ {
		t := e.text(n)
		switch {
		case reCondIf.MatchString(t):
			stacks[n] = append([]int(nil), cur...)
			cur = append(cur, n)
			continue
		case reCondEndif.MatchString(t):
			if len(cur) > 0 {
				endif[cur[len(cur)-1]] = n
				cur = cur[:len(cur)-1]
			}
			stacks[n] = append([]int(nil), cur...)
			continue
		}
		stacks[n] = append([]int(nil), cur...)
	}
	return stacks, endif
}

// placeAfter returns the line after which to insert something that
// belongs after line last: the conditionals enclosing last that do not
// also enclose line base (the header of last's section) are left, the
// insertion going after the outermost one's %endif, unless inside is
// true.
func (e *Editor) placeAfter(last, base int, inside bool) int {
	if inside {
		return last
	}
	stacks, endif := e.condStacks()
	if last < 1 || last >= len(stacks) {
		return last
	}
	common := 0
	if base >= 1 && base < len(stacks) {
		b := stacks[base]
		for common < len(b) && common < len(stacks[last]) && b[common] == stacks[last][common] {
			common++
		}
	}
	if len(stacks[last]) > common {
		if end, ok := endif[stacks[last][common]]; ok {
			return end
		}
	}
	return last
}

// sectionStart returns the header line of the section holding line n (1
// for the main preamble).
func (e *Editor) sectionStart(n int) int {
	start := 1
	for _, sec := range e.spec.Sections {
		if (sec.File == "" || sec.File == e.spec.File) && sec.Line <= n && sec.Line > start {
			start = sec.Line
		}
	}
	return start
}

// sectionRanges returns the [Line, EndLine] ranges of the spec's sections
// named name (several names allowed), in the main file.
func (e *Editor) sectionRanges(names ...string) [][2]int {
	var out [][2]int
	for _, sec := range e.spec.Sections {
		if sec.File != "" && sec.File != e.spec.File {
			continue
		}
		for _, n := range names {
			if sec.Name == n {
				end := sec.EndLine
				if end == 0 || end > len(e.lines) {
					end = len(e.lines)
				}
				out = append(out, [2]int{sec.Line, end})
			}
		}
	}
	return out
}

func inRanges(n int, rs [][2]int) bool {
	for _, r := range rs {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}

// commentBlockStart returns the first line of the block of comment lines
// directly above line n (n itself when there is none).
func (e *Editor) commentBlockStart(n int) int {
	for n > 1 && strings.HasPrefix(strings.TrimLeft(e.text(n-1), " \t"), "#") {
		n--
	}
	return n
}

// hasFlag reports whether args (blank separated) hold flag.
func hasFlag(args, flag string) bool {
	for _, f := range strings.Fields(args) {
		if f == flag {
			return true
		}
	}
	return false
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// commentLines turns caller-given comment lines into spec comment lines.
func commentLines(lines []string) ([]string, error) {
	var out []string
	for _, l := range lines {
		for _, part := range strings.Split(strings.TrimRight(l, "\r\n"), "\n") {
			part = strings.TrimRight(part, "\r \t")
			if strings.ContainsAny(part, "\r") {
				return nil, fmt.Errorf("%w: carriage return in comment %q", ErrEdit, part)
			}
			if !strings.HasPrefix(part, "#") {
				part = "# " + part
			}
			out = append(out, strings.TrimRight(part, " "))
		}
	}
	return out, nil
}
