package patchset

import (
	"slices"
	"strings"
	"testing"
)

func TestProseFormatOf(t *testing.T) {
	for _, tc := range []struct {
		path string
		want ProseFormat
	}{
		{"a/sys-utils/lscpu.1", Roff},
		{"doc/sudoers.man.in", Roff},
		{"doc/sudoers.mdoc.in", Roff},
		{"man/openssl-x509.3ssl", Roff},
		{"docs/libcurl/curl_easy_setopt.3", Roff},
		{"sys-utils/lscpu.1.adoc", AsciiDoc},
		{"man/dracut.8.asc", AsciiDoc},
		{"Documentation/guide.asciidoc", AsciiDoc},
		{"README.md", Markdown},
		{"doc/grep.texi", Texinfo},
		{"docs/manpages/virsh.rst", ReST},
		{"lib/Foo.pod", POD},
		{"man/systemctl.xml", DocBook},
		{"src/config.xml", NotProse},
		{"Documentation/git-log.txt", PlainText},
		{"pkg-1.0/NEWS", PlainText},
		{"ChangeLog", PlainText},
		{"lib/url.c", NotProse},
		{"configure.ac", NotProse},
		{"curl-7.61.1.tar.xz.asc", NotProse},
		{"lib/file.1x2", NotProse},
		{"docs/cmdline-opts/verbose.d", PlainText},
		{"docs/libcurl/Makefile.inc", NotProse},
		{"doc/Makefile.in", NotProse},
		{"docs/examples/simple.c", NotProse},
		{"docs/manual/index.html", DocBook},
		{"src/tool_help.d", NotProse},
	} {
		if got := ProseFormatOf(tc.path); got != tc.want {
			t.Errorf("ProseFormatOf(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestProseDocName(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"sys-utils/lscpu.1.adoc", "lscpu"},
		{"b/sys-utils/lscpu.1", "lscpu"},
		{"doc/sudoers.man.in", "sudoers"},
		{"doc/sudoers.mdoc.in", "sudoers"},
		{"man/dracut.cmdline.7.asc", "dracut.cmdline"},
		{"man/systemd.unit.xml", "systemd.unit"},
		{"Documentation/git-log.txt", "git-log"},
		{"lib/url.c", ""},
	} {
		if got := ProseDocName(tc.path); got != tc.want {
			t.Errorf("ProseDocName(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestProseWords(t *testing.T) {
	for _, tc := range []struct {
		f    ProseFormat
		text string
		want string
	}{
		{Roff, ".TH FOO 1 \"2024\"\n.SH OPTIONS\n.TP\n.BR \\-\\-list \" \" [\\fIcolumns\\fR]\nShow the \\fBlist\\fP of\\ items\\(emall.\\\" a comment\n",
			"options list columns show the list of items all"},
		{Roff, ".It Fl n Ar count\nRetry\n.Ar count\ntimes.\n.Bl -tag -width 4n\n.Ql #011\n", "n count retry count times 011"},
		{Roff, ".IP \"\\(bu\" 4\nfirst item\n.if n .sp\n", "first item"},
		{AsciiDoc, "= LSCPU(1)\n:doctype: manpage\n// a comment\n[source,sh]\n----\n*-e*, *--extended*[=_list_]::\nShow {package} data, see link:https://example.org/x[the docs] and <<cpus,CPU list>>.\ninclude::footer.adoc[]\n",
			"lscpu 1 e extended list show data see the docs and cpu list"},
		{Markdown, "# Title\nSee [the guide](https://example.org/g) or <b>bold</b> `code`.\n[g]: https://example.org\n", "title see the guide or bold code"},
		{Texinfo, "@node Invoking\n@section Invoking @command{grep}\n@c comment\n@item -i\nIgnore case, @@ and @{x@}.\n@end table\n", "invoking grep i ignore case and x"},
		{ReST, ".. note::\n   Use :option:`--all` here.\n", "use all here"},
		{POD, "=head1 NAME\n\nB<foo> - do I<things> with C<E<gt>>\n=cut\n", "name foo do things with gt"},
		{DocBook, "<para>Use <option>--now</option> &amp; wait.</para>\n", "use now wait"},
		{PlainText, "Don't panic: 42 ways.\n", "don t panic 42 ways"},
	} {
		if got := strings.Join(ProseWords(tc.f, tc.text), " "); got != tc.want {
			t.Errorf("ProseWords(%v, %q)\n got %q\nwant %q", tc.f, tc.text, got, tc.want)
		}
	}
}

// An upstream commit documents a new option in an asciidoc man page; the
// backport adds the same words to the old roff man page by hand, wrapped
// elsewhere and under other markup. The fixtures are written for this
// test, in the shape of such hand translations.
const adocCommit = `diff --git a/sys-utils/widget.8.adoc b/sys-utils/widget.8.adoc
--- a/sys-utils/widget.8.adoc
+++ b/sys-utils/widget.8.adoc
@@ -40,6 +40,12 @@ Print the widgets in a table.
 *-n*, *--noheadings*::
 Do not print a header line.
 
+*-w*, *--wait* _seconds_::
+Wait up to _seconds_ for the widget lock to be released by another process before
+giving up. A value of zero means no waiting at all; without this option *widget*
+waits forever. See the *LOCKING* section for the lock files
+involved.
+
 *-V*, *--version*::
 Display version information and exit.
 
@@ -88,5 +94,6 @@ The widget list is read from _/etc/widgets_.
 == LOCKING
 
-The lock is taken on the widget file itself.
+The lock is taken on the widget file itself, or on its directory when the
+file does not exist yet.
 
 == SEE ALSO
`

const roffBackport = `diff -up widget-2.1/sys-utils/widget.8.wait widget-2.1/sys-utils/widget.8
--- widget-2.1/sys-utils/widget.8.wait	2020-01-01 00:00:00.000000000 +0100
+++ widget-2.1/sys-utils/widget.8	2023-05-05 00:00:00.000000000 +0200
@@ -51,8 +51,18 @@ Print the widgets in a table.
 .BR \-n , " \-\-noheadings"
 Do not print a header line.
 .TP
+.BR \-w , " \-\-wait " \fIseconds\fR
+Wait up to
+.I seconds
+for the widget lock to be released by another
+process before giving up.
+A value of zero means no waiting at all; without this option
+.B widget
+waits forever. See the \fBLOCKING\fR section for the lock files involved.
+.TP
 .BR \-V , " \-\-version"
 Display version information and exit.
 .SH LOCKING
-The lock is taken on the widget file itself.
+The lock is taken on the widget file itself, or on its directory
+when the file does not exist yet.
 .SH "SEE ALSO"
`

func parseOne(t testing.TB, name, text string) []*Patch {
	t.Helper()
	ps, err := ParseBytes(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func proseOf(t testing.TB, name, text string) []LineCount {
	t.Helper()
	var all []LineCount
	for _, p := range parseOne(t, name, text) {
		for _, f := range p.Files {
			all = append(all, ProseFromFile(f)...)
		}
	}
	return Merge([]FileChange{{Lines: all}})
}

func TestProseHandTranslation(t *testing.T) {
	up := proseOf(t, "commit", adocCommit)
	down := proseOf(t, "backport", roffBackport)
	inUp, inDown := Containment(down, up), Containment(up, down)
	if inUp < 0.9 || inDown < 0.9 {
		t.Errorf("prose containment %.2f (backport in commit), %.2f (commit in backport); want both >= 0.9", inUp, inDown)
	}
	// Lines alone see (almost) nothing in common.
	lc := Compare(parseOne(t, "b", roffBackport)[0], parseOne(t, "c", adocCommit)[0])
	if lc.InB >= 0.5 {
		t.Errorf("line comparison found %.2f of the backport in the commit; the test's premise is wrong", lc.InB)
	}
}

// The same change written twice by one patch: to the mdoc source and to
// the man page generated from it (a shape sudo's packaging shows).
const mdocAndMan = `--- a/doc/tool.mdoc.in
+++ b/doc/tool.mdoc.in
@@ -10,3 +10,7 @@ The log format is fixed.
 .Ss Log entries
+Control characters in the log are written in octal with a leading
+.Ql #
+character, so a tab is stored as
+.Ql #011 .
 Each entry is one line:
 .Bd -literal -offset 4n
--- a/doc/tool.man.in
+++ b/doc/tool.man.in
@@ -12,3 +12,7 @@ The log format is fixed.
 .SS "Log entries"
+Control characters in the log are written in octal with a leading
+\(oq#\(cq
+character, so a tab is stored as
+\(oq#011\(cq.
 Each entry is one line:
 .nf
`

func TestProseMdocAndMan(t *testing.T) {
	ps := parseOne(t, "both", mdocAndMan)
	if len(ps) != 1 || len(ps[0].Files) != 2 {
		t.Fatalf("want one patch with two files, got %d", len(ps))
	}
	mdoc := ProseFromFile(ps[0].Files[0])
	man := ProseFromFile(ps[0].Files[1])
	if c := Containment(mdoc, man); c != 1 {
		t.Errorf("mdoc change in man change: %.2f, want 1\nmdoc %v\nman  %v", c, texts(mdoc), texts(man))
	}
}

func texts(ls []LineCount) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Text)
	}
	return out
}

func TestProseUnrelated(t *testing.T) {
	other := `--- a/sys-utils/widget.8.adoc
+++ b/sys-utils/widget.8.adoc
@@ -40,2 +40,4 @@
 *-n*, *--noheadings*::
 Do not print a header line.
+*-j*, *--json*::
+Use JSON output format for the widget table.
`
	up := proseOf(t, "c", other)
	down := proseOf(t, "b", roffBackport)
	if c := Containment(down, up); c > 0.1 {
		t.Errorf("unrelated doc change contains %.2f of the backport", c)
	}
}

// Reflowing a paragraph changes no shingle.
func TestProseReflow(t *testing.T) {
	old := "The quick brown fox jumps over\nthe lazy dog near the river bank.\n"
	new := "The quick brown\nfox jumps over the lazy dog\nnear the river bank.\n"
	if got := ProseChange(PlainText, old, new); len(got) != 0 {
		t.Errorf("reflow changed shingles: %v", texts(got))
	}
	if got := ProseChange(PlainText, "", "two words\n"); len(got) != 1 || got[0].Text != "two words" || got[0].Count != 1 {
		t.Errorf("short text: %+v", got)
	}
}

// ProseFromBlobs reads only the changed region but gives what the whole
// files give.
func TestProseFromBlobsRegion(t *testing.T) {
	var b strings.Builder
	b.WriteString(".TH WIDGET 8\n.SH DESCRIPTION\n")
	for i := range 300 {
		b.WriteString("Paragraph line number " + string(rune('a'+i%26)) + " of the widget manual.\n")
		if i%10 == 9 {
			b.WriteString(".PP\n")
		}
	}
	old := b.String()
	lines := strings.SplitAfter(old, "\n")
	lines[150] = "A line the change rewrote, with several new words.\n"
	lines[151] = ""
	new := strings.Join(lines, "")
	got := ProseFromBlobs("man/widget.8", []byte(old), []byte(new))
	want := ProseChange(Roff, old, new)
	if len(got) == 0 || Containment(got, want) != 1 || Containment(want, got) != 1 {
		t.Errorf("region fingerprint differs from the whole files':\n got %v\nwant %v", texts(got), texts(want))
	}
	if ProseFromBlobs("lib/x.c", []byte(old), []byte(new)) != nil {
		t.Error("a C file was read as prose")
	}
	if ProseFromBlobs("x.8", []byte(old), []byte(old)) != nil {
		t.Error("an unchanged file has a prose change")
	}
	// Changes at the very start and end, a change inside a line that
	// shares its tail with the old one, and files without a final newline.
	for _, tc := range [][2]string{
		{"a b c d e\nf g h\n", "x b c d e\nf g h\n"},
		{"a b c d e\nf g h\n", "a b c d e\nf g h i\n"},
		{"one two\nthree four\n", "one two\nthree xfour\n"},
		{"one two\nthree four", "one two\nthree four five"},
		{"", "new text here now\n"},
		{"old text here\n", ""},
		{"a\nb\n", "a\nxb\n"},
	} {
		got := ProseFromBlobs("README", []byte(tc[0]), []byte(tc[1]))
		want := ProseChange(PlainText, tc[0], tc[1])
		if Containment(got, want) != 1 || Containment(want, got) != 1 || len(got) != len(want) {
			t.Errorf("ProseFromBlobs(%q, %q) = %v, want %v", tc[0], tc[1], texts(got), texts(want))
		}
	}
}

func TestIsProse(t *testing.T) {
	doc := []FileChange{{Path: "man/a.1"}, {Path: "docs/b.adoc"}}
	if !IsProse(doc) || IsProse(append(doc, FileChange{Path: "src/a.c"})) || IsProse(nil) {
		t.Error("IsProse")
	}
}

// Hostile input: escapes at line ends and unterminated markup never panic.
func TestProseWordsEdges(t *testing.T) {
	for _, f := range []ProseFormat{Roff, AsciiDoc, Markdown, Texinfo, ReST, POD, DocBook, PlainText} {
		for _, s := range []string{`\`, `\f`, `\(`, `\[x`, `\s+`, `\w'x`, "link:x[", "<<a", "@", "@{", "=", "[x](", "<a", "&x", ":`", ".", "'", ".IP"} {
			ProseWords(f, s)
		}
	}
}

func BenchmarkProseFromFile(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("--- a/man/big.1\n+++ b/man/big.1\n")
	for h := range 200 {
		sb.WriteString("@@ -1,5 +1,6 @@\n .TP\n .B \\-\\-option\\-" + string(rune('a'+h%26)) + "\n Describe the option in a few words\n")
		sb.WriteString("-old wording of the \\fIthing\\fR here\n+new wording of the \\fIthing\\fR there\n+and one more line\n the end\n")
	}
	ps, err := ParseBytes("big", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	f := ps[0].Files[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(sb.String())))
	for b.Loop() {
		ProseFromFile(f)
	}
}

func BenchmarkProseFromBlobs(b *testing.B) {
	var sb strings.Builder
	for i := range 5000 {
		sb.WriteString("Line " + string(rune('a'+i%26)) + " of a long manual, with \\fBmarkup\\fR and words.\n")
	}
	old := []byte(sb.String())
	new := []byte(strings.Replace(sb.String(), "Line m of", "Line m, rewritten, of", 1))
	b.ReportAllocs()
	b.SetBytes(int64(len(old)))
	for b.Loop() {
		ProseFromBlobs("man/long.1", old, new)
	}
}

// Leaving out the shared words changes nothing: compare with every
// shingle of both texts, on random edits of random texts.
func TestProseShingleDiffExact(t *testing.T) {
	rng := uint64(1)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	vocab := []string{"a", "b", "c", "d", "e"}
	for range 2000 {
		old := make([]string, next(12))
		for i := range old {
			old[i] = vocab[next(len(vocab))]
		}
		new := append([]string(nil), old...)
		for range next(3) + 1 {
			switch i := next(len(new) + 1); next(3) {
			case 0:
				new = append(new[:i], append([]string{vocab[next(len(vocab))]}, new[i:]...)...)
			case 1:
				if i < len(new) {
					new = append(new[:i], new[i+1:]...)
				}
			default:
				if i < len(new) {
					new[i] = vocab[next(len(vocab))]
				}
			}
		}
		var full []entry
		full = appendShingles(full, old, -1)
		full = appendShingles(full, new, +1)
		want, _, _ := aggregate(full)
		got, _, _ := aggregate(appendShingleDiff(nil, old, new))
		if !slices.EqualFunc(got, want, func(x, y LineCount) bool { return x.Hash == y.Hash && x.Count == y.Count }) {
			t.Fatalf("old %v new %v: got %v, want %v", old, new, texts(got), texts(want))
		}
	}
}
