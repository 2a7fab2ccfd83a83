// Package input holds what every patchtrace parser shares about its input:
// the [Position] of a byte in a named file, the positioned [Error] that
// parsers return, and [ErrTooLarge], the cause wrapped whenever input
// exceeds a size cap.
//
// The model is go/scanner: an error names where it happened as
// "file:line:col" (or "file: byte N" for binary formats) and wraps its
// cause, so errors.Is and errors.As see through it.
package input

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrTooLarge is wrapped by every error that reports input exceeding a
// size cap: a spec or patch too large to read, an SRPM payload that
// decompresses past its cap, too many files, too much macro expansion.
var ErrTooLarge = errors.New("input too large")

// Position is a place in a named input. Text formats give Line (and
// perhaps Col); binary formats give Offset only.
type Position struct {
	File   string // file name as the caller gave it; "" when unknown
	Line   int    // 1-based line; 0 when unknown or not a text format
	Col    int    // 1-based column (in bytes); 0 when unknown
	Offset int64  // 0-based byte offset; meaningful when Line is 0 and Offset > 0
}

// IsValid reports whether the position names a line or an offset.
func (p Position) IsValid() bool { return p.Line > 0 || p.Offset > 0 }

// String formats the position as "file:line:col", "file:line" or
// "file: byte N", leaving out what is unknown: "line:col" without a file,
// "file" without line or offset, and "-" for the zero Position.
func (p Position) String() string {
	s := p.File
	switch {
	case p.Line > 0:
		if s != "" {
			s += ":"
		}
		s += strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	case p.Offset > 0:
		if s != "" {
			s += ": "
		}
		s += "byte " + strconv.FormatInt(p.Offset, 10)
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Error is an error at a Position. It wraps its cause (often a package's
// sentinel error such as patchset.ErrTruncatedHunk, or ErrTooLarge).
type Error struct {
	Pos Position
	Err error
}

// Errorf returns an *Error at pos whose cause is fmt.Errorf(format, args...)
// (so %w wraps).
func Errorf(pos Position, format string, args ...any) *Error {
	return &Error{Pos: pos, Err: fmt.Errorf(format, args...)}
}

// Error formats the error as "position: cause", or just the cause when
// the position is the zero Position.
func (e *Error) Error() string {
	if e.Pos == (Position{}) {
		return e.Err.Error()
	}
	return e.Pos.String() + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
