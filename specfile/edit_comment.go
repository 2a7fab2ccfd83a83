package specfile

import (
	"fmt"
	"slices"
	"strings"
)

// SetPatchComments puts comment lines directly above the declaration of
// each patch in comments (by patch number), replacing the lines of the
// comment block above it that owned reports as the caller's own (from an
// earlier run). Every other line stays byte-identical: human comments
// above a patch are kept, above the new lines, and a patch whose own
// comment already reads the same is not touched. A nil or empty slice
// removes the patch's own comment lines.
//
// Only declarations in the spec itself are edited (not in %include'd
// files); the edit is kept only when the re-parse declares and applies
// the same patches in the same order, with the same NEVR.
func (e *Editor) SetPatchComments(comments map[int][]string, owned func(line string) bool) error {
	var edits []edit
	nums := make([]int, 0, len(comments))
	for n := range comments {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		d, ok := e.spec.Patch(n)
		if !ok {
			return fmt.Errorf("%w: Patch%d", ErrNoPatch, n)
		}
		if d.DeclFile != e.spec.File || d.Line < 1 || d.Line > len(e.lines) {
			return fmt.Errorf("%w: Patch%d is not declared in the spec itself", ErrEdit, n)
		}
		want, err := commentLines(comments[n])
		if err != nil {
			return err
		}
		top := e.commentBlockStart(d.Line)
		var keep []string
		var have []string
		for l := top; l < d.Line; l++ {
			if owned(e.text(l)) {
				have = append(have, e.text(l))
			} else {
				keep = append(keep, e.text(l))
			}
		}
		// already as wanted: the own lines are the last of the block
		if slices.Equal(have, want) && e.ownTail(top, d.Line, len(have), owned) {
			continue
		}
		if len(have) == 0 {
			if len(want) > 0 {
				edits = append(edits, edit{from: d.Line, to: d.Line - 1, repl: want})
			}
			continue
		}
		// rewrite the block: the caller's other comments keep their text
		// (their bytes, line endings included, when kept line for line)
		edits = append(edits, edit{from: top, to: d.Line - 1, repl: append(keep, want...)})
	}
	if len(edits) == 0 {
		return nil
	}
	before := e.spec
	return e.apply(edits, func(s *Spec) error { return samePatches(before, s) })
}

// ownTail reports whether the n lines directly above decl (from top) are
// all owned.
func (e *Editor) ownTail(top, decl, n int, owned func(string) bool) bool {
	for l := decl - n; l < decl; l++ {
		if l < top || !owned(e.text(l)) {
			return false
		}
	}
	return true
}

// samePatches checks that an edit changed neither the NEVR nor the
// declared patches nor the application plan.
func samePatches(a, b *Spec) error {
	if a.Name != b.Name || a.Epoch != b.Epoch || a.Version != b.Version || a.Release != b.Release {
		return fmt.Errorf("%w: the edit changes the NEVR", ErrEdit)
	}
	if len(a.Patches) != len(b.Patches) || len(a.Plan) != len(b.Plan) {
		return fmt.Errorf("%w: the edit changes the patch list", ErrEdit)
	}
	for i := range a.Patches {
		if a.Patches[i].Number != b.Patches[i].Number || a.Patches[i].Value != b.Patches[i].Value {
			return fmt.Errorf("%w: the edit changes Patch%d", ErrEdit, a.Patches[i].Number)
		}
	}
	for i := range a.Plan {
		if a.Plan[i].Number != b.Plan[i].Number || !strings.EqualFold(a.Plan[i].Form, b.Plan[i].Form) {
			return fmt.Errorf("%w: the edit changes how patches are applied", ErrEdit)
		}
	}
	return nil
}
