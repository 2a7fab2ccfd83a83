package main

import (
	"strings"
	"testing"
)

// A two-part mbox written for this test: the message cites upstream in
// every form the harness knows, and the diff carries a commit URL and a
// "From <sha>"-looking line that must survive stripping.
const mbox = `From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Dev One <one@example.org>
Date: Mon, 3 Apr 2023 10:00:00 +0200
Subject: [PATCH 1/2] parser: reject empty names

Upstream-commit: abcdef1234567890abcdef1234567890abcdef12
Fixes: 1234567890abcdef1234567890abcdef12345678
(cherry picked from commit 2222222222222222222222222222222222222222)
See https://github.com/example/proj/commit/3333333333333333333333333333333333333333
Resolves: RHEL-1234
---
 lib/parse.c | 2 ++
 1 file changed, 2 insertions(+)

diff --git a/lib/parse.c b/lib/parse.c
index 0123456..89abcde 100644
--- a/lib/parse.c
+++ b/lib/parse.c
@@ -1,3 +1,5 @@
 int parse(const char *s)
 {
+  /* https://github.com/example/proj/commit/4444444444444444444444444444444444444444 */
+  if (!*s) return -1;
   return 0;
-- 
2.39.1

From 5555555555555555555555555555555555555555 Mon Sep 17 00:00:00 2001
From: Dev Two <two@example.org>
Date: Tue, 4 Apr 2023 10:00:00 +0200
Subject: [PATCH 2/2] docs: mention empty names

commit 6666666666666666666666666666666666666666 upstream
Also see
commit 7777777777777777777777777777777777777777
which this builds on.
---
diff --git a/README b/README
--- a/README
+++ b/README
@@ -1 +1,2 @@
 Parser.
+Empty names are rejected.
`

func TestPatchCites(t *testing.T) {
	cs, toks := patchCites([]byte(mbox))
	var got []string
	for _, c := range cs {
		got = append(got, c.How+" "+c.ID[:4])
	}
	want := []string{"From 1111", "Upstream: abcd", "cherry-pick 2222", "URL 3333", "From 5555", "upstream commit 6666"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("cites:\n got %q\nwant %q", got, want)
	}
	for _, tok := range toks {
		if strings.HasPrefix(tok, "4444") || strings.HasPrefix(tok, "0123456") {
			t.Errorf("token %s of a diff line taken as text", tok)
		}
	}
}

func TestStripPatch(t *testing.T) {
	resolved := map[string]string{"1234567890abcdef1234567890abcdef12345678": "x"}
	out := string(stripPatch([]byte(mbox), resolved))
	for _, gone := range []string{"Upstream-commit:", "Fixes:", "cherry picked", "3333", "6666", "1111", "5555", "7777"} {
		if strings.Contains(out, gone) {
			t.Errorf("stripped patch still has %q:\n%s", gone, out)
		}
	}
	for _, kept := range []string{"Resolves: RHEL-1234", "Subject: [PATCH 1/2] parser: reject empty names",
		"From 0000000000000000000000000000000000000000 Mon Sep 17", "+  /* https://github.com/example/proj/commit/4444",
		"index 0123456..89abcde 100644", "+Empty names are rejected.\n"} {
		if !strings.Contains(out, kept) {
			t.Errorf("stripped patch lost %q:\n%s", kept, out)
		}
	}
	// Everything from the first diff line of each part is unchanged.
	for _, part := range []string{"diff --git a/lib/parse.c", "diff --git a/README"} {
		i := strings.Index(mbox, part)
		j := strings.Index(out, part)
		end := strings.Index(mbox[i:], "\nFrom ")
		if end < 0 {
			end = len(mbox) - i
		}
		if j < 0 || !strings.HasPrefix(out[j:], mbox[i:i+end]) {
			t.Errorf("diff starting %q changed", part)
		}
	}
}

func TestCitesOfSpec(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string
	}{
		{"# backport of upstream commit 0a1b2c3d", "upstream commit 0a1b2c3d"},
		{"# https://gitlab.com/x/y/-/commit/0a1b2c3d4e", "URL 0a1b2c3d4e"},
		{"# taken from commit 0a1b2c3", "spec comment 0a1b2c3"},
		{"# Fixes: commit 0a1b2c3", ""},
		{"# see https://example.org/cgit/y.git/commit/?id=0a1b2c3d4e5f", "URL 0a1b2c3d4e5f"},
		{"# 0a1b2c3d4e~1..5f6a7b8c9d", "range 0a1b2c3d4e~1..5f6a7b8c9d"},
		{"# upstream commits 0a1b2c3..5f6a7b8 and commit 9e9e9e9", "range 0a1b2c3..5f6a7b8|spec comment 9e9e9e9"},
	} {
		var got []string
		for _, c := range citesOf(tc.line, true) {
			got = append(got, c.How+" "+c.ID)
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("citesOf(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestStripSpec(t *testing.T) {
	spec := "Name: x\n# CVE-2023-1: https://github.com/e/p/commit/0a1b2c3d4e\n# keep me\nPatch1: a.patch\n%description\nsee commit 0a1b2c3d4e\n"
	out := string(stripSpec([]byte(spec), nil))
	want := "Name: x\n# keep me\nPatch1: a.patch\n%description\nsee commit 0a1b2c3d4e\n"
	if out != want {
		t.Errorf("stripSpec:\n got %q\nwant %q", out, want)
	}
}

func TestReadManifest(t *testing.T) {
	good := "# c\n\na corpus:openela/x/el8 o/x v1..v2 el8 -\nb o/p@el9 o/x v1..v2 - PATCHTRACE_X_GIT\n"
	sets, err := readManifest("m", strings.NewReader(good))
	if err != nil || len(sets) != 2 || sets[1].Env != "PATCHTRACE_X_GIT" || sets[0].Line != 3 {
		t.Fatalf("readManifest = %+v, %v", sets, err)
	}
	for _, bad := range []string{"a b c\n", "a corpus:x o/x r - -\na corpus:y o/x r - -\n", "a pkg o/x r - -\n", "a corpus:x ox r - -\n"} {
		if _, err := readManifest("m", strings.NewReader(bad)); err == nil {
			t.Errorf("readManifest(%q): no error", bad)
		}
	}
}
