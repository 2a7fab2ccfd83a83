package patchset_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

func ExamplePatchIDs() {
	// Two commits of `git log -p` output; the second changes the same
	// lines with different indentation, which patch-ids ignore.
	log := `commit 1111111111111111111111111111111111111111
Author: A <a@example.com>

    first

diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -1 +1 @@
-int a;
+int b;
commit 2222222222222222222222222222222222222222
Author: A <a@example.com>

    second

diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -1 +1 @@
-int  a;
+	int b;
`
	var out []byte
	err := patchset.PatchIDs(strings.NewReader(log), patchset.PatchIDStable, func(id, commit [20]byte) {
		out = patchset.AppendPatchIDLine(out, id, commit)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)
	// Output:
	// ccbca1590af0d8ba9f66307a72d82c1ce8af1678 1111111111111111111111111111111111111111
	// ccbca1590af0d8ba9f66307a72d82c1ce8af1678 2222222222222222222222222222222222222222
}
