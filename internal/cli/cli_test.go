package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

func newFlags() (*flag.FlagSet, *bool, *string) {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	return fs, fs.Bool("json", false, "print JSON"), fs.String("name", "", "the `NAME`")
}

var testHelp = Help{Name: "prog", Usage: "[flags] DIR", Text: "Does things.", Examples: []string{"prog -json DIR  # as JSON"}, Findings: "-fail-on-own found own patches"}

func TestParseInterspersed(t *testing.T) {
	for _, c := range []struct {
		args []string
		pos  string
		json bool
		name string
	}{
		{[]string{"-json", "DIR"}, "DIR", true, ""},
		{[]string{"DIR", "-json"}, "DIR", true, ""},
		{[]string{"DIR", "-name", "x", "OTHER", "--json"}, "DIR OTHER", true, "x"},
		{[]string{"-name=x", "--", "-json", "DIR"}, "-json DIR", false, "x"},
		{[]string{"DIR", "--", "-json"}, "DIR -json", false, ""},
		{[]string{"-", "-json"}, "-", true, ""},
		{nil, "", false, ""},
	} {
		fs, j, n := newFlags()
		pos, err := Parse(fs, c.args, testHelp, new(bytes.Buffer))
		if err != nil || strings.Join(pos, " ") != c.pos || *j != c.json || *n != c.name {
			t.Errorf("Parse(%q) = %q, json %v, name %q, %v; want %q, %v, %q", c.args, pos, *j, *n, err, c.pos, c.json, c.name)
		}
	}
}

func TestParseHelpAndErrors(t *testing.T) {
	for _, h := range []string{"-h", "--help", "-help"} {
		fs, _, _ := newFlags()
		var out bytes.Buffer
		_, err := Parse(fs, []string{"DIR", h}, testHelp, &out)
		if !errors.Is(err, flag.ErrHelp) || Code(err) != ExitOK {
			t.Errorf("%s: err %v", h, err)
		}
		for _, want := range []string{"usage: prog [flags] DIR", "Does things.", "-json", "print JSON", "-name NAME", "Examples:\n  prog -json DIR  # as JSON",
			"Exit status:", "0  success", "1  findings: -fail-on-own found own patches", "2  usage error", "3  input error"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: help lacks %q:\n%s", h, want, out.String())
			}
		}
	}
	fs, _, _ := newFlags()
	_, err := Parse(fs, []string{"DIR", "-bogus"}, testHelp, new(bytes.Buffer))
	var errb bytes.Buffer
	if code := Fail(&errb, "prog", err); code != ExitUsage || errb.String() != "prog: flag provided but not defined: -bogus\nRun 'prog -h' for usage.\n" {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
	}{
		{nil, ExitOK},
		{flag.ErrHelp, ExitOK},
		{Usagef("want one TARGET"), ExitUsage},
		{fmt.Errorf("opening: %w", Usagef("x")), ExitUsage},
		{errors.New("no such directory"), ExitInput},
	} {
		if got := Code(c.err); got != c.code {
			t.Errorf("Code(%v) = %d, want %d", c.err, got, c.code)
		}
	}
	var errb bytes.Buffer
	Warn(&errb, "prog", "range %s is empty", "a..b")
	if errb.String() != "prog: warning: range a..b is empty\n" {
		t.Errorf("Warn printed %q", errb.String())
	}
}
