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
//
// Exit status: 0 success, 2 usage error, 3 input error (a read error on
// standard input). -h or --help prints the help with examples.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/patchset"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

var help = cli.Help{
	Name:  "patchid",
	Usage: "[--stable | --unstable | --verbatim] < PATCHES",
	Text: `Reads patches (git log -p output, format-patch mboxes, git diffs) on standard
input and prints one "<patch-id> <commit-id>" line per patch, as git patch-id
(2.39) does. The default is --unstable, as in git.`,
	Examples: []string{
		"git log -p | patchid --stable            # the patch-id of every commit",
		"patchid --stable < 0001-fix.patch        # the patch-id of one patch file",
		"git log -p curl-8_4_0..curl-8_5_0 | patchid --verbatim",
	},
}

func run(args []string, in io.Reader, stdout, stderr io.Writer) int {
	mode, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Fail(stderr, "patchid", err)
	}
	if err := patchIDs(in, stdout, mode); err != nil {
		return cli.Fail(stderr, "patchid", err)
	}
	return cli.ExitOK
}

func parseArgs(args []string, stdout io.Writer) (patchset.PatchIDMode, error) {
	fs := flag.NewFlagSet("patchid", flag.ContinueOnError)
	stable := fs.Bool("stable", false, "the stable patch-id: per-file hashes summed, independent of file order")
	unstable := fs.Bool("unstable", false, "the unstable patch-id: one hash over the whole patch (default)")
	verbatim := fs.Bool("verbatim", false, "like --stable, but whitespace is hashed as is (git 2.39+)")
	pos, err := cli.Parse(fs, args, help, stdout)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, cli.Usagef("unexpected argument %q: patches are read from standard input", pos[0])
	}
	mode, set := patchset.PatchIDUnstable, ""
	for _, o := range []struct {
		on   bool
		name string
		mode patchset.PatchIDMode
	}{{*stable, "--stable", patchset.PatchIDStable}, {*unstable, "--unstable", patchset.PatchIDUnstable}, {*verbatim, "--verbatim", patchset.PatchIDVerbatim}} {
		if !o.on {
			continue
		}
		if set != "" {
			return 0, cli.Usagef("options %s and %s cannot be used together", set, o.name)
		}
		set, mode = o.name, o.mode
	}
	return mode, nil
}

func patchIDs(in io.Reader, out io.Writer, mode patchset.PatchIDMode) error {
	w := bufio.NewWriterSize(out, 64<<10)
	var line []byte
	err := patchset.PatchIDs(in, mode, func(id, commit [20]byte) {
		line = patchset.AppendPatchIDLine(line[:0], id, commit)
		w.Write(line)
	})
	if err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	return w.Flush()
}
