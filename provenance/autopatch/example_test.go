package autopatch_test

import (
	"fmt"
	"log"

	"github.com/patchtrace/patchtrace/provenance/autopatch"
	"github.com/patchtrace/patchtrace/provenance/source"
)

func ExampleExplain() {
	cfg, err := autopatch.ParseBytes("config.yaml", []byte(`
actions:
  - replace:
      - target: "spec"
        find: "Vendor Linux"
        replace: "AlmaLinux"
        count: 1
  - modify_release:
      - suffix: ".alma.1"
`))
	if err != nil {
		log.Fatal(err)
	}
	origin := &source.Package{SpecName: "x.spec", Spec: []byte("Name: x\nRelease: 1%{?dist}\nSummary: x for Vendor Linux\nURL: https://example.org\n")}
	target := &source.Package{SpecName: "x.spec", Spec: []byte("Name: x\nRelease: 1%{?dist}.alma.1\nSummary: x for AlmaLinux\nURL: https://example.com\n")}
	res := autopatch.Explain([]*autopatch.Config{cfg}, origin, target, nil)
	for _, c := range res.Changes {
		by := "no action explains it"
		if c.Explained() {
			by = c.By[0].Kind() + " at " + c.By[0].Pos().String()
		}
		fmt.Printf("%s %s:%d %q: %s\n", c.Kind, c.File, c.Line, c.Text, by)
	}
	// Output:
	// spec-removed x.spec:2 "Release: 1%{?dist}": modify_release at config.yaml:9:9
	// spec-removed x.spec:3 "Summary: x for Vendor Linux": replace at config.yaml:4:9
	// spec-removed x.spec:4 "URL: https://example.org": no action explains it
	// spec-added x.spec:2 "Release: 1%{?dist}.alma.1": modify_release at config.yaml:9:9
	// spec-added x.spec:3 "Summary: x for AlmaLinux": replace at config.yaml:4:9
	// spec-added x.spec:4 "URL: https://example.com": no action explains it
}
