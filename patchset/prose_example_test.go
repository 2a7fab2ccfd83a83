package patchset_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/patchset"
)

// A backport that documents an option in an old roff man page, by hand,
// after upstream documented it in asciidoc: no changed line is shared,
// but the words are.
func ExampleProseFromFile() {
	upstream := `--- a/doc/tool.1.adoc
+++ b/doc/tool.1.adoc
@@ -3,2 +3,4 @@
 *-q*::
 Be quiet.
+*-w* _seconds_::
+Wait up to _seconds_ for the lock, then give up.
`
	backport := `--- tool-1.0/doc/tool.1.orig
+++ tool-1.0/doc/tool.1
@@ -5,2 +5,6 @@
 .B \-q
 Be quiet.
+.TP
+.BI \-w " seconds"
+Wait up to \fIseconds\fR for the lock,
+then give up.
`
	prose := func(text string) []patchset.LineCount {
		ps, _ := patchset.ParseBytes("p", []byte(text))
		return patchset.ProseFromFile(ps[0].Files[0])
	}
	up, down := prose(upstream), prose(backport)
	fmt.Println(patchset.ProseDocName("doc/tool.1.adoc") == patchset.ProseDocName("tool-1.0/doc/tool.1"))
	fmt.Printf("backport words in the commit: %.2f\n", patchset.Containment(down, up))
	fmt.Printf("commit words in the backport: %.2f\n", patchset.Containment(up, down))
	// Output:
	// true
	// backport words in the commit: 1.00
	// commit words in the backport: 1.00
}
