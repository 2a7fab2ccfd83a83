package patchset_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/patchset"
)

// A fix redone on old code: the backport passes conn where upstream
// passes data, and calls the list jobs where upstream calls it queue.
func ExampleComparePort() {
	upstream := `--- a/lib/queue.c
+++ b/lib/queue.c
@@ -10,1 +10,4 @@
 {
+  if(queue_full(data, queue))
+    return report_busy(data, queue->size);
+  queue->size++;
`
	backport := `--- a/lib/transfer.c
+++ b/lib/transfer.c
@@ -200,1 +200,4 @@
 {
+  if(queue_full(conn, jobs))
+    return report_busy(conn, jobs->size);
+  jobs->size++;
`
	changes := func(text string) []patchset.FileChange {
		ps, _ := patchset.ParseBytes("p", []byte(text))
		return patchset.ChangesFromPatch(ps[0], 1)
	}
	pc := patchset.ComparePort(changes(backport), changes(upstream))
	fmt.Printf("backport lines found upstream: %.2f (%d renamed, %d moved)\n", pc.InB, pc.Renamed, pc.Moved)
	for _, r := range pc.Renames {
		fmt.Printf("%s -> %s (%d lines)\n", r.From, r.To, r.Lines)
	}
	// Output:
	// backport lines found upstream: 1.00 (3 renamed, 3 moved)
	// jobs -> queue (3 lines)
	// conn -> data (2 lines)
}
