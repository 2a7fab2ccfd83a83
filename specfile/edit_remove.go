package specfile

import (
	"fmt"
	"strconv"
	"strings"
)

// RemovePatch removes patch number's declaration (with the comment block
// directly above it) and what applies it: %patch lines that apply only
// it are deleted (with a comment block that is a paragraph of its own),
// its number is taken out of lines that apply several patches and of
// %autopatch number lists.
func (e *Editor) RemovePatch(number int) error {
	s := e.spec
	var decl *PatchDecl
	for i := range s.Patches {
		if s.Patches[i].Number == number {
			decl = &s.Patches[i]
		}
	}
	if decl == nil {
		return fmt.Errorf("%w: %d", ErrNoPatch, number)
	}
	if decl.DeclFile != "" && decl.DeclFile != s.File {
		return fmt.Errorf("%w: patch %d is declared in %s, an included file", ErrEdit, number, decl.DeclFile)
	}
	var edits []edit
	del := map[int]bool{}
	from := e.commentBlockStart(decl.Line)
	if decl.CommentLine > 0 && decl.CommentLine < decl.Line {
		from = decl.CommentLine
	}
	to := decl.Line
	// A paragraph of its own between blank lines: take one blank with it.
	if from > 1 && isBlank(e.text(from-1)) && (to == len(e.lines) || isBlank(e.text(to+1))) && to < len(e.lines) {
		to++
	}
	for n := from; n <= to; n++ {
		del[n] = true
	}
	edits = append(edits, edit{from: from, to: to})
	for _, a := range s.Plan {
		if a.Number != number || (a.ApplyFile != "" && a.ApplyFile != s.File) || del[a.Line] {
			continue
		}
		raw := e.text(a.Line)
		switch a.Form {
		case "%autosetup", "%autopatch", "%patch":
			nl, changed := removeNumberToken(raw, number, a.Form == "%patch")
			if !changed {
				continue // e.g. "%autopatch -p1": dropping the tag is enough
			}
			if nl != "" {
				edits = append(edits, edit{from: a.Line, to: a.Line, repl: []string{nl}})
				del[a.Line] = true
				continue
			}
		default:
			if !refersOnlyTo(raw, number, decl.File) {
				// A line about every patch (for p in %{patches}) or
				// several: the declaration's removal is enough, or the
				// check below says the edit cannot be made.
				continue
			}
		}
		// Delete the line, and a comment block above it when the two
		// form a paragraph of their own.
		lf, lt := a.Line, a.Line
		if cs := e.commentBlockStart(a.Line); cs < a.Line && cs > 1 && isBlank(e.text(cs-1)) && (a.Line == len(e.lines) || isBlank(e.text(a.Line+1))) {
			lf = cs
			if a.Line < len(e.lines) {
				lt++
			}
		}
		overlap := false
		for n := lf; n <= lt; n++ {
			overlap = overlap || del[n]
		}
		if overlap {
			lf, lt = a.Line, a.Line
		}
		for n := lf; n <= lt; n++ {
			del[n] = true
		}
		edits = append(edits, edit{from: lf, to: lt})
	}
	// Removing a %patchlist entry or an unnumbered Patch tag renumbers
	// the patches after it: there the check is by file name.
	m := rePatchTag.FindStringSubmatch(e.text(decl.Line))
	byNumber := !decl.FromList && m != nil && m[3] != ""
	file := decl.File
	return e.apply(edits, func(ns *Spec) error {
		for _, p := range ns.Patches {
			if byNumber && p.Number == number || p.File == file {
				return fmt.Errorf("%w: after the edit, patch %d (%s) is still declared (line %d)", ErrEdit, number, file, p.Line)
			}
		}
		for _, a := range ns.Plan {
			if byNumber && a.Number == number || a.File == file {
				return fmt.Errorf("%w: after the edit, patch %d (%s) is still applied (line %d)", ErrEdit, number, file, a.Line)
			}
		}
		return nil
	})
}

// refersOnlyTo reports whether a line that applies patches names patch
// num (as %{PATCHnum}, %{P:num} or by its file name) and no other patch.
func refersOnlyTo(line string, num int, file string) bool {
	if strings.Contains(line, "%{patches}") || strings.Contains(line, "%patches") {
		return false
	}
	this := file != "" && strings.Contains(line, file)
	for _, m := range rePatchRef.FindAllStringSubmatch(line, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n == num {
			this = true
		} else {
			return false
		}
	}
	return this
}

// removeNumberToken removes patch number num from a %patch line (patch
// true: "-P N", "-PN", bare N, or the whole line for %patchN, returned as
// "") or from an %autopatch number list. changed is false when the line
// does not name num.
func removeNumberToken(line string, num int, patch bool) (string, bool) {
	lead, f := tokens(line)
	if len(f) == 0 {
		return line, false
	}
	if patch {
		if m := rePatchN.FindStringSubmatch(f[0]); m != nil {
			n, _ := strconv.Atoi(m[1])
			return "", n == num
		}
	}
	var ol, of []string
	changed := false
	remaining := 0
	for i := 0; i < len(f); i++ {
		tok := f[i]
		if i == 0 {
			ol, of = append(ol, lead[i]), append(of, tok)
			continue
		}
		if patch && tok == "-P" && i+1 < len(f) {
			if n, err := strconv.Atoi(f[i+1]); err == nil && n == num {
				changed = true
				i++
				continue
			}
			remaining++
			ol, of = append(ol, lead[i], lead[i+1]), append(of, tok, f[i+1])
			i++
			continue
		}
		if patch && strings.HasPrefix(tok, "-P") && isNumber(tok[2:]) {
			if n, _ := strconv.Atoi(tok[2:]); n == num {
				changed = true
				continue
			}
			remaining++
		}
		if patch && patchOptsWithArg[tok] && i+1 < len(f) {
			ol, of = append(ol, lead[i], lead[i+1]), append(of, tok, f[i+1])
			i++
			continue
		}
		if !patch && (autoOptsWithArg[tok] || tok == "-m" || tok == "-M") && i+1 < len(f) {
			ol, of = append(ol, lead[i], lead[i+1]), append(of, tok, f[i+1])
			i++
			continue
		}
		if isNumber(strings.TrimSuffix(tok, "}")) {
			if n, _ := strconv.Atoi(strings.TrimSuffix(tok, "}")); n == num {
				changed = true
				if strings.HasSuffix(tok, "}") {
					of[len(of)-1] += "}"
				}
				continue
			}
			remaining++
		}
		ol, of = append(ol, lead[i]), append(of, tok)
	}
	if remaining == 0 && changed {
		// %patch with nothing left to apply, or an %autopatch whose list
		// became empty (it would then apply every patch): drop the line.
		return "", changed
	}
	return joinTokens(ol, of), changed
}
