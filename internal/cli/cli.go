// Package cli holds the conventions every patchtrace program follows: one
// set of exit codes, flags accepted before and after positional arguments,
// -h/--help on standard output with examples and the exit codes, and
// errors and warnings on standard error prefixed with the program's name.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// The exit codes of every patchtrace program.
const (
	// ExitOK: the program did what was asked (warnings may have been
	// printed).
	ExitOK = 0
	// ExitFindings: the program ran, and findings the user asked to fail
	// on were found (for example trace -fail-on-own).
	ExitFindings = 1
	// ExitUsage: the command line is wrong (unknown flag, missing or extra
	// argument, conflicting flags).
	ExitUsage = 2
	// ExitInput: an input could not be read or is invalid (missing
	// directory, bad git revision, unreadable spec).
	ExitInput = 3
)

// UsageError is an error in the command line (exit code ExitUsage).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Code returns the exit code for err: ExitOK for nil and flag.ErrHelp,
// ExitUsage for a UsageError, ExitInput for any other error.
func Code(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitInput
}

// Fail prints err on stderr as "prog: err" (with a pointer to -h for
// usage errors) and returns its exit code (see Code). flag.ErrHelp prints
// nothing.
func Fail(stderr io.Writer, prog string, err error) int {
	code := Code(err)
	switch code {
	case ExitOK:
	case ExitUsage:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s -h' for usage.\n", prog, err, prog)
	default:
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	}
	return code
}

// Warn prints a warning on stderr as "prog: warning: ...".
func Warn(stderr io.Writer, prog, format string, args ...any) {
	fmt.Fprintf(stderr, "%s: warning: %s\n", prog, fmt.Sprintf(format, args...))
}

// Help is a program's -h text.
type Help struct {
	// Name is the program's name; Usage its synopsis after the name
	// ("[flags] TARGET").
	Name, Usage string
	// Text describes what the program does (paragraphs, no indentation).
	Text string
	// Examples are command lines, each optionally followed by "  # what
	// it does".
	Examples []string
	// Findings says when the program exits with ExitFindings ("" when it
	// never does).
	Findings string
}

// Write prints the help: usage, description, flags, examples and exit
// codes.
func (h Help) Write(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s %s\n\n", h.Name, h.Usage)
	if h.Text != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(h.Text))
	}
	fmt.Fprintln(w, "Flags (before or after the arguments; -- ends them):")
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	if len(h.Examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range h.Examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	findings := h.Findings
	if findings == "" {
		findings = "not used by " + h.Name
	}
	fmt.Fprintf(w, "\nExit status:\n  %d  success (warnings, if any, were printed on standard error)\n  %d  findings: %s\n  %d  usage error\n  %d  input error: an input is missing, unreadable or invalid\n",
		ExitOK, ExitFindings, findings, ExitUsage, ExitInput)
}

// Parse parses args with fs, accepting flags after positional arguments
// too ("trace DIR -json" is "trace -json DIR"); "--" ends the flags. It
// returns the positional arguments. -h and --help print h on stdout and
// return flag.ErrHelp; other flag errors are UsageErrors.
func Parse(fs *flag.FlagSet, args []string, h Help, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			h.Write(stdout, fs)
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
