package specfile_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/specfile"
)

func ExampleParseChangelog() {
	body := `* Fri Mar 15 2024 Jacek Migacz <jmigacz@redhat.com> - 7.76.1-26.el9_3.3
- lowercase the domain names before PSL checks (CVE-2023-46218)
  Resolves: RHEL-21097

* Thu Jul 13 10:11:12 UTC 2023 Some One <some@example.org> - 1:7.76.1-26
- fix crash (#2170883) [Orabug: 32013095]
  Related: https://bugzilla.redhat.com/show_bug.cgi?id=2240033
`
	entries, err := specfile.ParseChangelog("curl.spec", body, 2000)
	if err != nil {
		fmt.Println(err)
	}
	for _, e := range entries {
		fmt.Println(e.Line, e.Date.Format("2006-01-02 15:04"), e.Author, e.EVR)
		for _, r := range e.Refs {
			fmt.Printf("  %s %s", r.Kind, r.ID)
			if r.Relation != "" {
				fmt.Printf(" (%s)", r.Relation)
			}
			fmt.Println()
		}
	}
	// Output:
	// 2000 2024-03-15 12:00 Jacek Migacz 7.76.1-26.el9_3.3
	//   cve CVE-2023-46218
	//   jira RHEL-21097 (Resolves)
	// 2004 2023-07-13 10:11 Some One 1:7.76.1-26
	//   bugzilla-implied 2170883
	//   orabug 32013095
	//   bugzilla 2240033 (Related)
}
