package targetflag

import (
	"errors"
	"flag"
	"testing"

	"github.com/patchtrace/patchtrace/internal/cli"
)

func TestTarget(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f := Register(fs)
	if err := fs.Parse([]string{"-target", "el9", "-D", "%dist .el9_4", "-D", "foo  bar baz"}); err != nil {
		t.Fatal(err)
	}
	tg, err := f.Target()
	if err != nil || tg.Defines["dist"] != ".el9_4" || tg.Defines["foo"] != "bar baz" || tg.RPMVersion != "4.16" {
		t.Errorf("%v %+v", err, tg)
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	f = Register(fs)
	fs.Parse([]string{"-target", "el99"})
	var ue *cli.UsageError
	if _, err := f.Target(); !errors.As(err, &ue) {
		t.Errorf("unknown preset: %v", err)
	}
}
