package patchset_test

import (
	"fmt"
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

func ExampleParseBytes() {
	const mbox = `From 199f2d440d8659b42670c1b796220792b01a97bf Mon Sep 17 00:00:00 2001
From: Daniel Stenberg <daniel@haxx.se>
Date: Mon, 24 Apr 2023 21:07:02 +0200
Subject: [PATCH] hostcheck: fix host name wildcard checking

Upstream-commit: 199f2d440d8659b42670c1b796220792b01a97bf
Signed-off-by: Kamil Dudka <kdudka@redhat.com>
---
 lib/hostcheck.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/lib/hostcheck.c b/lib/hostcheck.c
index e827dc58f..d061c6356 100644
--- a/lib/hostcheck.c
+++ b/lib/hostcheck.c
@@ -71,3 +71,3 @@ static bool pmatch(const char *hostname, size_t hostlen,
   /* normalize pattern and hostname */
-  return CURL_HOST_NOMATCH;
+  return FALSE;
 }
-- 
2.40.1

`
	patches, err := patchset.ParseBytes("0051-curl-7.61.1-CVE-2023-28321.patch", []byte(mbox))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := patches[0]
	fmt.Println(p.Header.Subject)
	fmt.Println(p.Header.Author)
	for _, h := range patchset.HintsOf(p.Header.Hints, patchset.HintUpstreamCommit) {
		fmt.Printf("line %d claims upstream commit %s\n", h.Line, h.Value)
	}
	for _, f := range p.Files {
		fmt.Println(f.Path(1), len(f.Hunks), "hunk")
		for _, l := range f.Hunks[0].Lines {
			fmt.Printf("%c%s\n", l.Op, l.Text)
		}
	}
	fmt.Println(string(p.Bytes()) == mbox)
	// Output:
	// hostcheck: fix host name wildcard checking
	// Daniel Stenberg <daniel@haxx.se>
	// line 6 claims upstream commit 199f2d440d8659b42670c1b796220792b01a97bf
	// lib/hostcheck.c 1 hunk
	//    /* normalize pattern and hostname */
	// -  return CURL_HOST_NOMATCH;
	// +  return FALSE;
	//  }
	// true
}

func ExampleParseSeries() {
	series := "# patches from upstream\nfix-build.patch\nCVE-2023-1234.patch -p0 # commit 0123abcd\n"
	entries, err := patchset.ParseSeries("debian/patches/series", strings.NewReader(series))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries {
		fmt.Printf("%d %s -p%d %q\n", e.Line, e.Name, e.Strip, e.Comment)
	}
	// Output:
	// 2 fix-build.patch -p1 ""
	// 3 CVE-2023-1234.patch -p0 "commit 0123abcd"
}

func ExampleExtractHints() {
	text := "Fix CVE-2019-15903 (rhbz#1752592)\n(cherry picked from commit c20b758c332d9a13afbbb276d30db1d183a85d43)\n"
	for _, h := range patchset.ExtractHints(text, 1) {
		fmt.Println(h.Line, h.Kind, h.Value)
	}
	// Output:
	// 1 cve CVE-2019-15903
	// 1 bug rhbz#1752592
	// 2 cherry-picked-from c20b758c332d9a13afbbb276d30db1d183a85d43
}
