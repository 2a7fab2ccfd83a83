// Command reconcile follows a rebuild's own patches through the histories
// of its origins: for each own patch of the rebuild's latest release it
// prints the first origin release that carries the same change (a patch
// the rebuild can now drop for the origin's), and the origin fixes the
// rebuild still lacks.
//
// Usage:
//
//	reconcile [-target PRESET] [-D 'NAME VALUE']... [-markdown] REBUILD ORIGIN...
//
// REBUILD and each ORIGIN are NAME=GITDIR@REF: a dist-git repository (bare
// or a work tree) and a branch, commit, or tag pattern (OpenELA tags its
// imports imports/<branch>/<nvr>: "openela=/src/curl.git@imports/el8/*").
// A branch is walked along its first parents; each commit that changes the
// spec's NVR is a release, dated by the commit.
//
// Exit status: 0 success, 2 usage error, 3 input error (a repository or
// ref that cannot be read).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-git/go-git/v5"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/internal/targetflag"
	"github.com/patchtrace/patchtrace/provenance/reconcile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

var help = cli.Help{
	Name:  "reconcile",
	Usage: "[flags] REBUILD ORIGIN...",
	Text: `Follows the rebuild's own patches through its origins' histories. Each
argument is NAME=GITDIR@REF; REF is a branch, a commit or a tag pattern.
For each own patch of the rebuild's latest release it prints the first
origin release carrying the same change (identical, equivalent or rebased),
with both NVRs and dates; then the origin fixes the rebuild lacks.`,
	Examples: []string{
		"reconcile -target el8 ciq=ciq-rocky-lts/curl@el-8.6 'openela=openela-main/curl@imports/*/*'",
		"reconcile -markdown rocky=rocky/openssl@r9 c9s=c9s/openssl@c9s > openssl.md",
	},
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	target := targetflag.Register(fl)
	md := fl.Bool("markdown", false, "print Markdown tables")
	pos, err := cli.Parse(fl, args, help, stdout)
	if err != nil {
		return cli.Fail(stderr, "reconcile", err)
	}
	if len(pos) < 2 {
		return cli.Fail(stderr, "reconcile", cli.Usagef("want REBUILD and at least one ORIGIN"))
	}
	tg, err := target.Target()
	if err != nil {
		return cli.Fail(stderr, "reconcile", err)
	}
	var hs []*reconcile.History
	for _, a := range pos {
		name, loc, ok := strings.Cut(a, "=")
		dir, ref, ok2 := strings.Cut(loc, "@")
		if !ok || !ok2 || name == "" || dir == "" || ref == "" {
			return cli.Fail(stderr, "reconcile", cli.Usagef("%q: want NAME=GITDIR@REF", a))
		}
		repo, err := git.PlainOpen(dir)
		if err != nil {
			return cli.Fail(stderr, "reconcile", fmt.Errorf("%s: %w", dir, err))
		}
		h, err := reconcile.Read(context.Background(), name, repo, ref, tg)
		if err != nil {
			return cli.Fail(stderr, "reconcile", fmt.Errorf("%s: %w", a, err))
		}
		if len(h.Releases) == 0 {
			cli.Warn(stderr, "reconcile", "%s: no release found at %s", name, ref)
		}
		hs = append(hs, h)
	}
	rep := reconcile.Reconcile(hs[0], hs[1:])
	write(stdout, hs, rep, *md)
	return cli.ExitOK
}

func write(w io.Writer, hs []*reconcile.History, rep *reconcile.Report, md bool) {
	day := "2006-01-02"
	if md {
		fmt.Fprintf(w, "| history | releases |\n|---|---|\n")
		for _, h := range hs {
			var rs []string
			for _, r := range h.Releases {
				rs = append(rs, fmt.Sprintf("%s (%s)", r.NVR, r.Date.Format(day)))
			}
			fmt.Fprintf(w, "| %s | %s |\n", h.Name, strings.Join(rs, ", "))
		}
		fmt.Fprintf(w, "\n| own patch (%s) | ours | first origin release with the same change | days after ours |\n|---|---|---|---|\n", hs[0].Name)
	}
	for _, r := range rep.Own {
		ours := fmt.Sprintf("%s (%s)", r.Introduced.NVR, r.Ours().Format(day))
		origin := "not in any origin release"
		days := ""
		if r.Origin != nil {
			origin = fmt.Sprintf("%s %s in %s (%s), %s", r.Origin.Origin, r.OriginFile, r.Origin.NVR, r.Origin.Date.Format(day), r.Verdict)
			days = fmt.Sprint(r.Days)
		}
		if md {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.File, ours, origin, days)
			continue
		}
		if r.Origin != nil {
			fmt.Fprintf(w, "%s (ours: %s): superseded by %s; %d days after ours\n", r.File, ours, origin, r.Days)
		} else {
			fmt.Fprintf(w, "%s (ours: %s): %s\n", r.File, ours, origin)
		}
	}
	if len(rep.Own) == 0 {
		fmt.Fprintf(w, "%s: no own patches in %s\n", hs[0].Name, hs[0].Releases[len(hs[0].Releases)-1].NVR)
	}
	if md {
		fmt.Fprintf(w, "\n| origin fix the rebuild lacks | first origin release |\n|---|---|\n")
	}
	for _, l := range rep.Lacking {
		if md {
			fmt.Fprintf(w, "| %s | %s %s (%s) |\n", l.File, l.Origin.Origin, l.Origin.NVR, l.Origin.Date.Format(day))
		} else {
			fmt.Fprintf(w, "lacking: %s from %s %s (%s)\n", l.File, l.Origin.Origin, l.Origin.NVR, l.Origin.Date.Format(day))
		}
	}
}
