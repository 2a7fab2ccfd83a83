package patchset

import "testing"

func TestBoilerplate(t *testing.T) {
	for text, want := range map[string]bool{
		"}": true, "});": true, "else": true, "break;": true, "#endif": true, ".PP": true, "fi": true,
		"#include <stdio.h>": true, "import os": true, "from x import y": true,
		".SH DESCRIPTION": true, "## Usage": true, "== Options": true, "@section Invoking": true,
		" * Copyright (C) 1998 - 2022, Daniel Stenberg, <daniel@haxx.se>, et al.": true,
		"# SPDX-License-Identifier: curl":                                         true, "* it under the terms of the GNU General Public License as published by": true,
		"": false, "CURLE_TOO_LARGE,": false, "return CURLE_OK;": false, "if (len > max) {": false,
		"#define MAX_LEN 256": false, "# Workaround for the broken resolver on el8, see the bug": false,
		"The --insecure option makes curl skip the verification step.": false,
	} {
		if got := Boilerplate(text); got != want {
			t.Errorf("Boilerplate(%q) = %v, want %v", text, got, want)
		}
	}
	if Evidential(LineCount{Count: -1, Text: "return CURLE_OK;"}) || !Evidential(LineCount{Count: 2, Text: "return CURLE_OK;"}) ||
		Evidential(LineCount{Count: 1, Text: "}"}) {
		t.Error("Evidential: removed lines and boilerplate are not evidence")
	}
}

// TestWhitespaceRule: one normalisation everywhere. SP, TAB, CR, LF, VT
// and FF are removed from every line, so a line that differs only by them
// matches in a patch, in blobs and in the line hash alike.
func TestWhitespaceRule(t *testing.T) {
	plain, _ := LineHash("intflag=1;")
	for _, s := range []string{"int flag = 1;", "int\tflag\v=\f1;\r", "\v\fint flag=1;"} {
		if h, ok := LineHash(s); !ok || h != plain {
			t.Errorf("LineHash(%q) differs from the plain line", s)
		}
		if h, _ := LineHashBytes([]byte(s)); h != plain {
			t.Errorf("LineHashBytes(%q) differs", s)
		}
	}
	if _, ok := LineHash(" \v\f\t"); ok {
		t.Error("a line of VT/FF is not blank")
	}
	blobs := ChangeFromBlobs("x.c", []byte("a\nint flag = 0;\n"), []byte("a\nint\vflag = 1;\f\n\v\n"))
	ps, err := ParseBytes("p", []byte("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-int flag = 0;\n+int flag = 1;\n"))
	if err != nil {
		t.Fatal(err)
	}
	patch := ChangesFromPatch(ps[0], -1)
	if Digest([]FileChange{blobs}) != Digest(patch) {
		t.Errorf("blob and patch fingerprints differ: %+v vs %+v", blobs.Lines, patch[0].Lines)
	}
}
