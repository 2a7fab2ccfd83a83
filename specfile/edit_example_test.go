package specfile_test

import (
	"fmt"
	"log"
	"time"

	"github.com/patchtrace/patchtrace/specfile"
)

const exampleSpec = `Name:           hello
Version:        2.12
Release:        3%{?dist}
Summary:        Says hello
License:        GPL-3.0-or-later
Source0:        hello-2.12.tar.gz
# https://example.org/hello/commit/1a2b3c
Patch1:         hello-fix-greeting.patch

%description
Says hello.

%prep
%setup -q
%patch -P 1 -p1 -b .greeting

%changelog
* Mon Jan 08 2024 Jane Doe <jane@example.org> - 2.12-3
- Fix the greeting (RHEL-1234)
`

func ExampleEditor_AddPatch() {
	target, _ := specfile.Preset("el9")
	e, err := specfile.NewEditor("hello.spec", []byte(exampleSpec), specfile.Options{Target: target})
	if err != nil {
		log.Fatal(err)
	}
	num, err := e.AddPatch("hello-debrand.patch", []string{"AlmaLinux Patch"},
		specfile.PatchOptions{Min: 1000, ApplyComment: []string{"Applying AlmaLinux Patch"}})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.SetReleaseSuffix(".alma.1"); err != nil {
		log.Fatal(err)
	}
	err = e.AddChangelogEntry(specfile.ChangelogEntry{
		Date:   time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC),
		Author: "Alma Builder", Email: "builder@almalinux.org", EVR: "2.12-3.alma.1",
		Text: "- Debrand",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("patch", num)
	fmt.Print(string(e.Bytes()))
	// Output:
	// patch 1000
	// Name:           hello
	// Version:        2.12
	// Release:        3%{?dist}.alma.1
	// Summary:        Says hello
	// License:        GPL-3.0-or-later
	// Source0:        hello-2.12.tar.gz
	// # https://example.org/hello/commit/1a2b3c
	// Patch1:         hello-fix-greeting.patch
	// # AlmaLinux Patch
	// Patch1000:      hello-debrand.patch
	//
	// %description
	// Says hello.
	//
	// %prep
	// %setup -q
	// %patch -P 1 -p1 -b .greeting
	// # Applying AlmaLinux Patch
	// %patch -P 1000 -p1
	//
	// %changelog
	// * Mon Feb 05 2024 Alma Builder <builder@almalinux.org> - 2.12-3.alma.1
	// - Debrand
	// * Mon Jan 08 2024 Jane Doe <jane@example.org> - 2.12-3
	// - Fix the greeting (RHEL-1234)
}

func ExampleEditor_RemovePatch() {
	target, _ := specfile.Preset("el9")
	e, err := specfile.NewEditor("hello.spec", []byte(exampleSpec), specfile.Options{Target: target})
	if err != nil {
		log.Fatal(err)
	}
	if err := e.RemovePatch(1); err != nil {
		log.Fatal(err)
	}
	s := e.Spec()
	fmt.Println(len(s.Patches), len(s.Plan))
	// Output: 0 0
}
