package patchset_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/patchset"
)

func ExampleCompare() {
	// An upstream fix, and the same fix as a distribution carries it:
	// another path prefix (applied with -p2), a backup suffix left by
	// gendiff, another line offset and whitespace.
	upstream := `diff --git a/expat/lib/xmlparse.c b/expat/lib/xmlparse.c
--- a/expat/lib/xmlparse.c
+++ b/expat/lib/xmlparse.c
@@ -6071,7 +6071,7 @@ setElementTypePrefix(XML_Parser parser, ELEMENT_TYPE *elementType)
       else
         poolDiscard(&dtd->pool);
       elementType->prefix = prefix;
-
+      break;
     }
   }
   return 1;
`
	downstream := `--- libexpat-R_2_2_5/expat/lib/xmlparse.c.cve20843
+++ libexpat-R_2_2_5/expat/lib/xmlparse.c
@@ -6057,3 +6057,3 @@
       elementType->prefix = prefix;
-
+	break;
     }
`
	a, _ := patchset.ParseBytes("upstream", []byte(upstream))
	b, _ := patchset.ParseBytes("downstream", []byte(downstream))
	c := patchset.Compare(a[0], b[0])
	fmt.Println(c.Verdict, c.Score)
	for _, h := range c.Hunks {
		fmt.Printf("hunk %d of A -> hunk %d of B (%d shared line)\n", h.AHunk, h.BHunk, h.Common)
	}
	fa := patchset.ChangesFromPatch(a[0], -1)
	fb := patchset.ChangesFromPatch(b[0], -1)
	fmt.Println(fa[0].Path, fb[0].Path, patchset.PathSimilarity(fa[0].Path, fb[0].Path))
	fmt.Println(patchset.Digest(fa) == patchset.Digest(fb))
	// Output:
	// rebased 1
	// hunk 0 of A -> hunk 0 of B (1 shared line)
	// expat/lib/xmlparse.c expat/lib/xmlparse.c 1
	// true
}
