// Command patchid is a drop-in for `git patch-id`: it reads patches (git
// log -p output, format-patch mboxes, git diffs) on standard input and
// prints "<patch-id> <commit-id>" lines on standard output, byte for byte
// as git 2.39 does.
//
// Usage:
//
//	git log -p | patchid [--stable | --unstable | --verbatim]
//
// Without an option the unstable (default) algorithm is used; unlike git,
// the patchid.stable and patchid.verbatim config settings are not read.
//
// Inputs larger than 1 MiB are cut where git starts a new patch and the
// pieces are scanned on all CPUs (GOMAXPROCS); the output order is git's.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/patchtrace/patchtrace/patchset"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "patchid:", err)
		os.Exit(129)
	}
}

const usage = "usage: patchid [--stable | --unstable | --verbatim]"

func run(args []string, in io.Reader, out io.Writer) error {
	mode := patchset.PatchIDUnstable
	seen := ""
	for _, a := range args {
		var m patchset.PatchIDMode
		switch a {
		case "--stable":
			m = patchset.PatchIDStable
		case "--unstable":
			m = patchset.PatchIDUnstable
		case "--verbatim":
			m = patchset.PatchIDVerbatim
		default:
			return fmt.Errorf("unknown option %q\n%s", a, usage)
		}
		if seen != "" && seen != a {
			return fmt.Errorf("options %s and %s cannot be used together\n%s", seen, a, usage)
		}
		seen, mode = a, m
	}
	w := bufio.NewWriterSize(out, 64<<10)
	var line []byte
	err := patchset.PatchIDs(in, mode, func(id, commit [20]byte) {
		line = patchset.AppendPatchIDLine(line[:0], id, commit)
		w.Write(line)
	})
	if err != nil {
		return err
	}
	return w.Flush()
}
