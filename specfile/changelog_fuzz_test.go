package specfile

import (
	"strings"
	"testing"
)

func FuzzParseChangelog(f *testing.F) {
	for _, s := range []string{
		"* Mon Jan 08 2024 A B <a@b.c> - 1:2.3-4\n- Resolves: RHEL-123, rhbz#456 #789\n",
		"* Thu Jul 13 10:11:12 UTC 2023 A <a@b> 1-1\n- CVE-2023-1234 [Orabug: 1, 2]\n* Wed Jul 12 2023 B\n\n",
		"text\n* bad header\n*\n* Mon Feb 30 2024 X\n%autochangelog\n# comment\n",
		"- JIRA: https://issues.redhat.com/browse/RHEL-1492 https://bugzilla.redhat.com/show_bug.cgi?id=1\n",
		"* Mon Jan  8 2024 A <a@b> - 1\r\n- x\r\n",
	} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, text string, first int) {
		if first < -1 || first > 1<<20 {
			first = 1
		}
		es, _ := ParseChangelog("f.spec", text, first)
		lines := strings.Split(text, "\n")
		start := max(first, 1)
		prev := 0
		for _, e := range es {
			if e.Line <= prev || e.Line < start || e.Line-start >= len(lines) {
				t.Fatalf("entry line %d out of order or range (prev %d, first %d, %d lines)", e.Line, prev, start, len(lines))
			}
			prev = e.Line
			if !strings.HasPrefix(lines[e.Line-start], "*") {
				t.Fatalf("entry at line %d does not start with '*': %q", e.Line, lines[e.Line-start])
			}
			for _, r := range e.Refs {
				if r.ID == "" || r.Kind == "" {
					t.Fatalf("empty ref %+v", r)
				}
			}
		}
	})
}
