package patchset_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/patchset"
)

func ExamplePairSeries() {
	patch := func(file string, lines ...string) *patchset.Patch {
		text := fmt.Sprintf("--- a/%s\n+++ b/%s\n@@ -1,%d +1,%d @@\n", file, file, len(lines), len(lines))
		for _, l := range lines {
			text += "-" + l + " = 0;\n"
		}
		for _, l := range lines {
			text += "+" + l + " = 1;\n"
		}
		ps, _ := patchset.ParseBytes(file, []byte(text))
		return ps[0]
	}
	// The old release carries three patches; the new one renumbered the
	// first, dropped the second, split the third in two, and added one.
	old := []*patchset.Patch{
		patch("lib/url.c", "timeout", "retries"),
		patch("lib/ftp.c", "pasv"),
		patch("lib/http.c", "auth", "proxy", "cookie", "range", "chunked"),
	}
	cur := []*patchset.Patch{
		patch("lib/http.c", "cookie", "range", "chunked"),
		patch("lib/url.c", "timeout", "retries"),
		patch("lib/http.c", "auth", "proxy"),
		patch("lib/ssh.c", "knownhosts"),
	}
	for _, p := range patchset.PairSeries(old, cur, patchset.PairOptions{}) {
		fmt.Printf("%-11s old %2d  new %2d  %s %s\n", p.Kind, p.A, p.B, p.Verdict, p.Direction)
	}
	// Output:
	// matched     old  0  new  1  identical neither
	// dropped     old  1  new -1  unrelated neither
	// matched     old  2  new  0  partial a-contains-b
	// split-part  old  2  new  2  partial a-contains-b
	// added       old -1  new  3  unrelated neither
}
