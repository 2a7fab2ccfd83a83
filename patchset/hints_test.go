package patchset

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestHintsAllForms(t *testing.T) {
	header := `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
From: =?UTF-8?q?J=C3=B6rg=20Tester?= <j@example.com>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: [PATCH 2/3] lib: fix the thing that
 was broken

commit 1111111111111111111111111111111111111111 upstream.
[ Upstream commit 2222222222222222222222222222222222222222 ]
Upstream-commit: 3333333333333333333333333333333333333333
Fixes: 444444444444 ("lib: break the thing")
Link: https://lore.kernel.org/r/20240101.msg@example.com
JIRA: https://issues.redhat.com/browse/RHEL-1234
Upstream Status: RHEL-only
CVE: CVE-2023-38545
Conflicts: context differs
Resolves: rhbz#2055796, bsc#1215000
See https://bugzilla.redhat.com/show_bug.cgi?id=1752592 and cve-2024-0001.
(cherry picked from commit 5555555555555555555555555555555555555555)
---
 lib/x.c | 2 +-
`
	dep3 := `Description: Fix a crash
 with a long description.
Origin: upstream, https://github.com/libexpat/libexpat/commit/6666666666666666666666666666666666666666
Bug: https://github.com/libexpat/libexpat/issues/1
Bug-Debian: https://bugs.debian.org/123
Forwarded: not-needed
Author: Some One <one@example.com>
Applied-Upstream: 2.2.8, commit:7777777
Last-Update: 2019-09-30
Patch-mainline: v6.5-rc7
Git-commit: 8888888888888888888888888888888888888888
Git-repo: git://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git
References: bsc#1212345 CVE-2023-1111
Upstream-Status: Backport [9999999999]
`
	got := map[string]bool{}
	for _, h := range append(ExtractHints(header, 1), ExtractHints(dep3, 100)...) {
		got[fmt.Sprintf("%d %s %s", h.Line, h.Kind, h.Value)] = true
	}
	want := []string{
		"1 commit 0123456789abcdef0123456789abcdef01234567",
		"2 author Jörg Tester <j@example.com>",
		"3 date Mon, 1 Jan 2024 00:00:00 +0000",
		"7 upstream-commit 1111111111111111111111111111111111111111",
		"8 upstream-commit 2222222222222222222222222222222222222222",
		"9 upstream-commit 3333333333333333333333333333333333333333",
		"10 fixes 444444444444",
		"11 link https://lore.kernel.org/r/20240101.msg@example.com",
		"12 jira https://issues.redhat.com/browse/RHEL-1234",
		"12 bug RHEL-1234",
		"13 upstream-status RHEL-only",
		"14 cve CVE-2023-38545",
		"15 conflicts context differs",
		"16 bug rhbz#2055796",
		"16 bug bsc#1215000",
		"17 bug https://bugzilla.redhat.com/show_bug.cgi?id=1752592",
		"17 cve CVE-2024-0001",
		"18 cherry-picked-from 5555555555555555555555555555555555555555",
		"100 subject Fix a crash",
		"102 origin upstream, https://github.com/libexpat/libexpat/commit/6666666666666666666666666666666666666666",
		"102 upstream-commit 6666666666666666666666666666666666666666",
		"103 bug https://github.com/libexpat/libexpat/issues/1",
		"104 bug-vendor https://bugs.debian.org/123",
		"105 forwarded not-needed",
		"106 author Some One <one@example.com>",
		"107 applied-upstream 2.2.8, commit:7777777",
		"107 upstream-commit 7777777",
		"108 last-update 2019-09-30",
		"109 patch-mainline v6.5-rc7",
		"110 upstream-commit 8888888888888888888888888888888888888888",
		"111 git-repo git://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git",
		"112 references bsc#1212345 CVE-2023-1111",
		"112 bug bsc#1212345",
		"112 cve CVE-2023-1111",
		"113 upstream-status Backport [9999999999]",
		"113 upstream-commit 9999999999",
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing hint %q", w)
		}
	}
	if t.Failed() {
		for g := range got {
			t.Logf("have %q", g)
		}
	}
}

func TestHintsSpecComments(t *testing.T) {
	text := "# upstream commit 44a563dde1584cd9284e80b6e45ee5019be8d36c\n" +
		"# PATCH-FIX-UPSTREAM curl-CVE-2023-1234.patch bsc#1212345 -- fix the thing\n" +
		"# Backport of commit 345c99b6654b\n" +
		"# released in 1234567 builds\n"
	checkHints(t, ExtractHints(text, 10), nil,
		"10 upstream-commit 44a563dde1584cd9284e80b6e45ee5019be8d36c",
		"11 upstream-status PATCH-FIX-UPSTREAM",
		"11 cve CVE-2023-1234",
		"11 bug bsc#1212345",
		"12 upstream-commit 345c99b6654b")
}

// checkHints compares the hints of the kinds given (all when nil), as
// "LINE KIND VALUE", with want in order.
func checkHints(t *testing.T, hs []Hint, kinds []HintKind, want ...string) {
	t.Helper()
	var got []string
	for _, h := range hs {
		if kinds == nil || slices.Contains(kinds, h.Kind) {
			got = append(got, fmt.Sprintf("%d %s %s", h.Line, h.Kind, h.Value))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hints:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHeaderFromMbox(t *testing.T) {
	in := "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n" +
		"From: A U Thor <a@example.com>\nDate: Tue, 2 Jan 2024 00:00:00 +0000\n" +
		"Subject: [PATCH v2 1/2] fix: a long\n subject line\n\nBody line.\n\nUpstream-commit: abcdefabcdefabcdefabcdefabcdefabcdefabcd\n---\n x | 1 +\n\n" +
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.0\n\n"
	ps, err := ParseBytes("m.patch", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	h := ps[0].Header
	if h.CommitID != "0123456789abcdef0123456789abcdef01234567" || h.Author != "A U Thor <a@example.com>" ||
		h.Subject != "fix: a long subject line" || h.Message != "Body line.\n\nUpstream-commit: abcdefabcdefabcdefabcdefabcdefabcdefabcd" {
		t.Errorf("header = %+v", h)
	}
	sub := HintsOf(h.Hints, HintSubject)
	if len(sub) != 1 || sub[0].Value != "fix: a long subject line" {
		t.Errorf("subject hints = %+v", sub)
	}
	if up := HintsOf(h.Hints, HintUpstreamCommit); len(up) != 1 || up[0].Line != 9 {
		t.Errorf("upstream hints = %+v", up)
	}
	if !strings.HasSuffix(string(ps[0].Bytes()), "2.39.0\n\n") {
		t.Error("trailer lost")
	}
}

func TestHintsCommitForms(t *testing.T) {
	text := "subject line\n" +
		"commit 1111111111111111111111111111111111111111\n" +
		"Upstream commit id: 2222222\n" +
		"Backported from upstream 3333333333\n" +
		"cherry picked from 4444444\n" +
		"see commit:5555555 for details\n" +
		"[ commit 6666666666666 ]\n" +
		"this commit 7777777 broke it\n" +
		"Fixes: 8888888 (\"x\")\n"
	checkHints(t, ExtractHints(text, 1), []HintKind{HintUpstreamCommit, HintCherryPick},
		"2 upstream-commit 1111111111111111111111111111111111111111",
		"3 upstream-commit 2222222",
		"4 upstream-commit 3333333333",
		"5 cherry-picked-from 4444444",
		"6 upstream-commit 5555555",
		"7 upstream-commit 6666666666666")
	checkHints(t, MentionedCommits("# upstream commits abcdef1 and 1234567\n# released in 1234567 builds\n", 5), nil,
		"5 commit-mention abcdef1")
}
